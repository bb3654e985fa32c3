/**
 * A Redis Cluster of a test's own: three masters (`redis-server
 * --cluster-enabled yes`, no replicas, no persistence) on fixed loopback ports
 * with their cluster bus ports beside them, in a temporary directory, joined
 * and given every slot with `redis-cli --cluster create`. `close()` stops the
 * three children by pid and deletes the directory.
 *
 * The ports are fixed (REDIS_CLUSTER_TEST_PORT, default 4850: data ports
 * 4850-4852, bus ports 4853-4855) because a cluster announces its nodes' ports
 * to clients, and the bus port must be free as well.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

export interface ThrowawayRedisCluster {
  /** The masters' host:port, as REDIS_CLUSTER_NODES wants them. */
  nodes: string;
  /** redis://127.0.0.1:<first port> (REDIS_URL: credentials only; the nodes come from `nodes`). */
  url: string;
  ports: number[];
  pids: number[];
  close(): Promise<void>;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function ask(port: number, ...args: string[]): Promise<string> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return String(await client.call(args[0]!, ...args.slice(1)));
  } finally {
    client.disconnect();
  }
}

export async function startThrowawayRedisCluster(basePort = Number(process.env.REDIS_CLUSTER_TEST_PORT ?? 4850)): Promise<ThrowawayRedisCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'educard-redis-cluster-'));
  const ports = [basePort, basePort + 1, basePort + 2];
  const children: ChildProcess[] = [];
  const exits: Promise<void>[] = [];
  const close = async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(exits);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const [i, port] of ports.entries()) {
      const nodeDir = path.join(dir, String(port));
      fs.mkdirSync(nodeDir);
      const child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-port', String(basePort + 3 + i), '--cluster-config-file', path.join(nodeDir, 'nodes.conf'), '--cluster-node-timeout', '2000', '--save', '', '--appendonly', 'no', '--dir', nodeDir],
        { stdio: 'ignore' },
      );
      children.push(child);
      exits.push(new Promise((resolve) => child.once('exit', () => resolve())));
    }
    for (const port of ports) await until(async () => (await ask(port, 'PING')) === 'PONG', 10_000, `redis-server on ${port}`);
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    for (const port of ports) await until(async () => (await ask(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'), 20_000, `cluster_state:ok on ${port}`);
  } catch (err) {
    await close();
    throw err;
  }
  return { nodes: ports.map((p) => `127.0.0.1:${p}`).join(','), url: `redis://127.0.0.1:${ports[0]}`, ports, pids: children.map((c) => c.pid!), close };
}
