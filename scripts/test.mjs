#!/usr/bin/env node
/**
 * `npm test`: everything, in order, stopping at the first failure:
 *   empty test databases → type check → dependency rule → jest (unit + integration on real PostgreSQL
 *   and Redis, PGlite smoke, the reliability and security suite) → PII scan (a
 *   pg_dump of the test database and the logs jest wrote, for every resident ID
 *   and phone the tests stored) → weapp build and its main-package size (≤ 600 KB),
 *   H5 and console builds → browser tests of
 *   the H5 build and the console served by the API (Playwright + /usr/bin/chromium).
 * Jest's logs go to test-results/runs/<run>/logs/jest.log (LOG_FILE, level
 * debug) for the scan; the suite's figures (requests fuzzed, matrix cells,
 * faults survived) are collected in test-results/runs/<run>/figures and
 * printed at the end.
 * `npm test -- --skip-build` reuses existing builds (faster local loops).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectPath, runOnProjectNode } from './node-runtime.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await runOnProjectNode(root, fileURLToPath(import.meta.url));
// Every step's tools (npx, npm, jest, tsc, Taro, Playwright) resolve `node` from PATH: the project's first.
process.env.PATH = projectPath(root);
const stepNode = spawnSync('node', ['-v'], { encoding: 'utf8' }).stdout.trim();
const skipBuild = process.argv.includes('--skip-build');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// This run's logs and figures, in a directory of its own: several runs may share the working tree.
const runsDir = path.join(root, 'test-results', 'runs');
const runDir = path.join(runsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
const logDir = path.join(runDir, 'logs');
const figuresDir = path.join(runDir, 'figures');
fs.mkdirSync(logDir, { recursive: true });
// Runs older than a day are of no use any more.
for (const old of fs.existsSync(runsDir) ? fs.readdirSync(runsDir) : []) {
  const dir = path.join(runsDir, old);
  if (Date.now() - fs.statSync(dir).mtimeMs > 24 * 3600_000) fs.rmSync(dir, { recursive: true, force: true });
}

// Each full run starts from empty test databases: no rows of earlier runs slow the suite or the PII scan.
const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/educard_test';
const e2eDatabaseUrl = process.env.E2E_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/educard_e2e';

const steps = [
  ['fresh test databases', npx, ['tsx', 'tools/db-create.ts', '--fresh', testDatabaseUrl, e2eDatabaseUrl]],
  ['type check (server, domain, jobs, tools)', npx, ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['type check (mini-program)', npx, ['tsc', '-p', 'miniprogram/tsconfig.json', '--noEmit']],
  ['type check (browser tests)', npx, ['tsc', '-p', 'e2e/tsconfig.json', '--noEmit']],
  ['type check (console)', npx, ['tsc', '-p', 'console/tsconfig.json', '--noEmit']],
  ['dependency rule', npm, ['run', '--silent', 'lint:deps']],
  // PGlite's CommonJS build loads its WebAssembly through a dynamic import, which jest runs only with VM modules
  // (still experimental on Node 24). Only that one expected warning is hidden; deprecations and the rest still print.
  [
    'unit and integration tests',
    npx,
    ['jest', '--ci'],
    {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --disable-warning=ExperimentalWarning`.trim(),
      LOG_FILE: path.join(logDir, 'jest.log'),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'debug',
      TEST_FIGURES_DIR: figuresDir,
    },
  ],
  ['PII scan (test database dump and captured logs)', npx, ['tsx', 'tools/pii-scan.ts', '--logs', logDir, '--out', path.join(runDir, 'pii-scan')], { TEST_FIGURES_DIR: figuresDir }],
  ...(skipBuild
    ? []
    : [
        ['mini-program build (weapp)', npm, ['run', '--silent', 'build:weapp']],
        // WeChat refuses an oversized main package; ours stays under 600 KB so a cold start downloads little.
        ['mini-program main package ≤ 600 KB', 'node', ['miniprogram/scripts/check-package-size.mjs', '--max-kb', '600']],
        // The browser tests read SMS codes and messages on the development inbox page.
        ['web build (h5)', npm, ['run', '--silent', 'build:h5'], { TARO_APP_DEV_INBOX: '1' }],
        ['console build', npm, ['run', '--silent', 'build:console']],
      ]),
  ['browser tests (H5 and console served by the API)', npx, ['playwright', 'test']],
];

const timings = [];
for (const [label, command, args, env] of steps) {
  process.stdout.write(`\n=== ${label} (node ${stepNode}) ===\n`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  timings.push(`${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (result.status !== 0) {
    process.stdout.write(`${figures()}\n✗ ${label} failed (exit ${result.status ?? result.signal}).\n`);
    process.exit(result.status || 1);
  }
}
function figures() {
  if (!fs.existsSync(figuresDir)) return '';
  const lines = fs
    .readdirSync(figuresDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const { suite, at: _at, ...rest } = JSON.parse(fs.readFileSync(path.join(figuresDir, f), 'utf8'));
      return `${suite}: ${Object.entries(rest).map(([k, v]) => `${k} ${v}`).join(', ')}`;
    });
  return lines.length > 0 ? `\nreliability and security figures\n  ${lines.join('\n  ')}\n` : '';
}
process.stdout.write(`${figures()}\n✓ all test steps passed\n  ${timings.join('\n  ')}\n`);
