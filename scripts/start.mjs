#!/usr/bin/env node
/**
 * `npm start`: run the whole system on a fresh clone with embedded defaults.
 *
 * Plain Node, no dependencies (it runs before `npm install`):
 *   1. installs the npm dependencies when they are missing, then goes on under Node 24
 *      (scripts/node-runtime.mjs: the pinned binary when the machine's node is older);
 *   2. builds the H5 web app and the console when they are missing;
 *   3. finds Redis (REDIS_URL, default 127.0.0.1:6379), or starts `redis-server`
 *      as a child process when none answers and one is on PATH;
 *   4. runs the API and the workers in one process (tools/run-all.ts), which
 *      migrates the database first (PGlite in .data/ unless DATABASE_URL is set).
 * Ctrl-C or SIGTERM stops everything it started.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REQUIRED_MAJOR, nodeMajor, runOnProjectNode } from './node-runtime.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const children = new Set();
let stopping = false;

function say(message) {
  process.stdout.write(`[start] ${message}\n`);
}

function fail(message) {
  process.stderr.write(`\n[start] ${message}\n\n`);
  stopChildren();
  process.exit(1);
}

function run(command, args, label, env = {}) {
  say(`${label} …`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) fail(`${label} failed (exit code ${result.status ?? result.signal}).`);
}

function stopChildren() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}

// npm itself may run on the machine's older Node; npm 10 or newer installs this lockfile.
if (nodeMajor() < 18) fail(`Node.js ${REQUIRED_MAJOR} is required (this is ${process.version}; even npm needs Node 18 to install it).`);

// 1. Dependencies. `npm ci` cannot be used (see docs/ARCHITECTURE.md): npm install honours the lockfile.
const needed = ['tsx', 'koa', 'bullmq', '@electric-sql/pglite', '@tarojs/cli', 'antd'];
if (needed.some((p) => !fs.existsSync(path.join(root, 'node_modules', p, 'package.json')))) {
  run(npm, ['install', '--no-audit', '--no-fund'], 'Installing npm dependencies (first start only)');
}
await runOnProjectNode(root, fileURLToPath(import.meta.url));
say(`Node ${process.version}`);

// 2. The web build.
const h5Dir = path.resolve(root, process.env.H5_DIST_DIR ?? 'miniprogram/dist/h5');
if (!fs.existsSync(path.join(h5Dir, 'index.html'))) {
  // The development build has the inbox page (SMS codes and messages of the fake providers).
  run(npm, ['run', 'build:h5'], 'Building the H5 web app (first start only)', { TARO_APP_DEV_INBOX: '1' });
}

// 2b. The console build (served at /console).
const consoleDir = path.resolve(root, process.env.CONSOLE_DIST_DIR ?? 'console/dist');
if (!fs.existsSync(path.join(consoleDir, 'index.html'))) {
  run(npm, ['run', 'build:console'], 'Building the console (first start only)');
}

// 3. Redis.
function ping(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let answer = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      answer += d.toString();
      // +PONG, or -NOAUTH when a password is needed (then Redis is there; ioredis authenticates from the URL).
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG') || answer.startsWith('-NOAUTH'));
    });
  });
}

function onPath(binary) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, binary)));
}

const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const redisHost = redisUrl.hostname || '127.0.0.1';
const redisPort = Number(redisUrl.port || 6379);
if (!(await ping(redisHost, redisPort))) {
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(redisHost);
  if (!local || !onPath('redis-server')) {
    fail(
      `Redis does not answer at ${redisHost}:${redisPort}.\n` +
        '  Install and start it (Debian/Ubuntu): sudo apt-get install -y redis-server && sudo service redis-server start\n' +
        '  macOS: brew install redis && brew services start redis\n' +
        '  Or point REDIS_URL at a running Redis (>= 6.2).',
    );
  }
  say(`No Redis at ${redisHost}:${redisPort}: starting redis-server as a child process (data kept in memory only).`);
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    // Its own process group: Ctrl-C reaches only this script, which stops the children in order.
    detached: true,
  });
  children.add(redis);
  redis.on('exit', (code) => {
    children.delete(redis);
    if (!stopping) fail(`redis-server exited (code ${code}).`);
  });
  const deadline = Date.now() + 10_000;
  while (!(await ping(redisHost, redisPort))) {
    if (Date.now() > deadline) fail('redis-server did not start within 10 s.');
    await new Promise((r) => setTimeout(r, 100));
  }
}

// 4. API and workers.
const app = spawn(process.execPath, ['--import', 'tsx', 'tools/run-all.ts'], { cwd: root, stdio: 'inherit', env: process.env, detached: true });
children.add(app);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopping = true;
    if (app.exitCode === null) app.kill(signal);
  });
}
app.on('exit', (code, signal) => {
  stopping = true;
  children.delete(app);
  stopChildren();
  process.exit(code ?? (signal ? 0 : 1));
});
