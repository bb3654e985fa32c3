/**
 * Import this module first in a command-line tool whose peak memory is part of its contract
 * (the registry import: ≤ 300 MB for any file size).
 *
 * Node 22 and later let V8 grow the young generation to 64 MiB per semi-space (the new space
 * reached 128 MiB in the import; on Node 20 it stopped at 32 MiB). For a streaming import that
 * churns through short-lived rows this costs about 100 MB of peak RSS (measured on the
 * 100,000-row test file: 301 MB on Node 24 with the default, 203 MB with 16 MiB, 215 MB on
 * Node 20). V8 reads the limit only at start-up, so when the flag is missing the process runs
 * itself again with it and exits with the child's status.
 */
import { spawnSync } from 'node:child_process';

const FLAG = '--max-semi-space-size=16';

if (!process.execArgv.some((arg) => arg.startsWith('--max-semi-space-size')) && !(process.env.NODE_OPTIONS ?? '').includes('--max-semi-space-size')) {
  const child = spawnSync(process.execPath, [FLAG, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
