#!/usr/bin/env node
/**
 * `npm run build:server`: compile the API and the worker ahead of time for
 * production (`npm run api`, `npm run worker`).
 *
 *   dist/server/api.cjs      ← server/main.ts
 *   dist/server/worker.cjs   ← jobs/main.ts
 *   dist/server/migrate.cjs  ← tools/db-migrate.ts (the migration Job of deploy/)
 *   dist/server/migrations/  ← server/db/migrations (read beside the bundle)
 *
 * One CommonJS file per process, our code bundled and the npm packages left
 * to node_modules. Running the bundle instead of `tsx` keeps the TypeScript
 * loader (its hooks thread and esbuild) out of the service: ~50 MB less RSS
 * per process and no compile step at start-up (BENCHMARKS.md, Memory).
 * Type checking stays with `npm run typecheck`; this only strips types.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// --outdir: somewhere else than dist/server (the benchmark builds a copy of its own).
const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
const outDir = path.resolve(root, values.outdir ?? path.join('dist', 'server'));

const entries = { api: 'server/main.ts', worker: 'jobs/main.ts', migrate: 'tools/db-migrate.ts' };

fs.rmSync(outDir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, path.join(root, file)])),
  outdir: outDir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
fs.cpSync(path.join(root, 'server', 'db', 'migrations'), path.join(outDir, 'migrations'), { recursive: true });
process.stdout.write(`built ${Object.keys(entries).map((name) => path.relative(root, path.join(outDir, `${name}.cjs`))).join(', ')}\n`);
