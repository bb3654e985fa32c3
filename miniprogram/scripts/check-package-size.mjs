#!/usr/bin/env node
/**
 * The weapp's main package against WeChat's limit for it: every file of
 * dist/weapp that no subpackage root of app.json holds (app.js, the shared
 * chunks, the tab pages, assets), in KB of 1,024 bytes as WeChat DevTools
 * counts them. Exits 1 when the main package is over MAX_KB, listing its
 * largest files, so that the step fails before a release would.
 *
 *   node miniprogram/scripts/check-package-size.mjs [--build] [--max-kb 600]
 *
 * --build first runs `npm run build:weapp` (the release build); without it the
 * existing dist/weapp is measured (npm test builds it in the step before).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const distDir = path.resolve(here, '../dist/weapp');
const args = process.argv.slice(2);
const maxKbArg = args.indexOf('--max-kb');
const maxKb = maxKbArg >= 0 ? Number(args[maxKbArg + 1]) : 600;

if (args.includes('--build')) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const built = spawnSync(npm, ['run', '--silent', 'build:weapp'], { cwd: path.resolve(here, '..'), stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status || 1);
}

const appJsonPath = path.join(distDir, 'app.json');
if (!fs.existsSync(appJsonPath)) {
  process.stderr.write(`No weapp build at ${distDir}: run \`npm run build:weapp\` (or pass --build).\n`);
  process.exit(1);
}
const appJson = JSON.parse(fs.readFileSync(appJsonPath, 'utf8'));
const subRoots = (appJson.subPackages ?? appJson.subpackages ?? []).map((p) => p.root.replace(/\/+$/, '') + '/');
// The project files configure DevTools; they are not part of the uploaded code package.
const notPackaged = new Set(['project.config.json', 'project.private.config.json']);

/** @returns {{ file: string, size: number }[]} */
function filesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full);
    return [{ file: path.relative(distDir, full).split(path.sep).join('/'), size: fs.statSync(full).size }];
  });
}

const all = filesUnder(distDir).filter((f) => !notPackaged.has(f.file));
const main = all.filter((f) => !subRoots.some((root) => f.file.startsWith(root)));
const kb = (bytes) => (bytes / 1024).toFixed(1);
const mainBytes = main.reduce((sum, f) => sum + f.size, 0);
const subBytes = all.reduce((sum, f) => sum + f.size, 0) - mainBytes;

process.stdout.write(
  `weapp main package: ${kb(mainBytes)} KB of at most ${maxKb} KB (${main.length} files); subpackages (${subRoots.length}): ${kb(subBytes)} KB\n`,
);
if (mainBytes > maxKb * 1024) {
  const largest = [...main].sort((a, b) => b.size - a.size).slice(0, 12);
  process.stderr.write(
    `✗ the main package is over ${maxKb} KB. Its largest files:\n${largest.map((f) => `  ${kb(f.size).padStart(8)} KB  ${f.file}`).join('\n')}\n`,
  );
  process.exit(1);
}
