/**
 * A small closed-loop HTTP/1.1 load generator (what autocannon does, without
 * the dependency): C keep-alive connections over raw sockets, each sending its
 * next request as soon as the previous answer is complete. Runs as its own
 * process (`node --import tsx bench/load-client.ts <spec.json>`) so its CPU is
 * visible and its memory is not counted in the API's; prints one JSON result
 * line on stdout.
 *
 * Spec: { host, port, connections, requests: [{ method, path, headers?, body? }]
 *         (each sent once, in order), or repeat: { request, durationMs } (one request sent
 *         again and again for durationMs, after warmupMs) }.
 */
import fs from 'node:fs';
import net from 'node:net';

export interface LoadRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadSpec {
  host: string;
  port: number;
  connections: number;
  requests?: LoadRequest[];
  repeat?: { request: LoadRequest; durationMs: number; warmupMs?: number };
  /** Give up (and report what was done) after this long. */
  timeoutMs: number;
}

export interface LoadResult {
  sent: number;
  completed: number;
  errors: number;
  statuses: Record<string, number>;
  durationMs: number;
  rps: number;
  latencyMs: { p50: number; p90: number; p95: number; p99: number; max: number; mean: number };
  /** The first few non-2xx answers, for the report. */
  samples: string[];
  timedOut: boolean;
  /** CPU milliseconds the load client itself used (counted apart from the service's). */
  cpuMs: number;
}

function encode(req: LoadRequest, host: string): Buffer {
  const body = req.body === undefined ? null : Buffer.from(req.body, 'utf8');
  const lines = [`${req.method} ${req.path} HTTP/1.1`, `Host: ${host}`, 'Connection: keep-alive'];
  for (const [k, v] of Object.entries(req.headers ?? {})) lines.push(`${k}: ${v}`);
  if (body) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return body ? Buffer.concat([head, body]) : head;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Parses complete responses out of `buf`; returns [statusCodes, bodiesOfErrors, rest]. */
function takeResponses(buf: Buffer, onResponse: (status: number, body: Buffer) => void): Buffer {
  let offset = 0;
  for (;;) {
    const headEnd = buf.indexOf('\r\n\r\n', offset, 'latin1');
    if (headEnd < 0) break;
    const head = buf.toString('latin1', offset, headEnd);
    const status = Number(head.slice(9, 12));
    const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    let end: number;
    let body: Buffer;
    if (cl) {
      end = headEnd + 4 + Number(cl[1]);
      if (buf.length < end) break;
      body = buf.subarray(headEnd + 4, end);
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const term = buf.indexOf('\r\n0\r\n\r\n', headEnd + 2, 'latin1');
      const termAtStart = buf.indexOf('0\r\n\r\n', headEnd + 4, 'latin1') === headEnd + 4;
      if (termAtStart) end = headEnd + 4 + 5;
      else if (term >= 0) end = term + 7;
      else break;
      body = buf.subarray(headEnd + 4, end);
    } else {
      end = headEnd + 4; // 204 / 304: no body
      body = Buffer.alloc(0);
    }
    onResponse(status, body);
    offset = end;
  }
  return offset === 0 ? buf : buf.subarray(offset);
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const hostHeader = `${spec.host}:${spec.port}`;
  const fixed = spec.requests?.map((r) => encode(r, hostHeader)) ?? [];
  const repeated = spec.repeat ? encode(spec.repeat.request, hostHeader) : null;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const samples: string[] = [];
  let next = 0;
  let sent = 0;
  let errors = 0;
  let timedOut = false;
  const started = performance.now();
  const warmupUntil = spec.repeat ? started + (spec.repeat.warmupMs ?? 0) : 0;
  const stopAt = spec.repeat ? warmupUntil + spec.repeat.durationMs : Infinity;
  let measuredFrom = spec.repeat ? warmupUntil : started;
  let lastDone = started;

  const takeNext = (): Buffer | null => {
    if (performance.now() - started > spec.timeoutMs) {
      timedOut = true;
      return null;
    }
    if (repeated) return performance.now() < stopAt ? repeated : null;
    return next < fixed.length ? fixed[next++]! : null;
  };

  const connection = () =>
    new Promise<void>((resolve) => {
      const socket = net.connect({ host: spec.host, port: spec.port, noDelay: true });
      let pending: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      const send = () => {
        const req = takeNext();
        if (!req) {
          socket.end();
          resolve();
          return;
        }
        sentAt = performance.now();
        sent += 1;
        socket.write(req);
      };
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        pending = takeResponses(pending, (status, body) => {
          const now = performance.now();
          if (now >= measuredFrom) {
            latencies.push(now - sentAt);
            statuses[status] = (statuses[status] ?? 0) + 1;
            if ((status < 200 || status >= 300) && samples.length < 5) samples.push(`${status} ${body.toString('utf8').slice(0, 200)}`);
          }
          lastDone = now;
          send();
        });
      });
      socket.on('error', (err) => {
        errors += 1;
        if (samples.length < 5) samples.push(`socket: ${err.message}`);
        resolve();
      });
      socket.on('close', () => resolve());
    });

  await Promise.all(Array.from({ length: spec.connections }, connection));
  if (spec.repeat) measuredFrom = Math.min(measuredFrom, lastDone);
  const durationMs = lastDone - measuredFrom;
  const sorted = Float64Array.from(latencies).sort();
  const completed = latencies.length;
  return {
    sent,
    completed,
    errors,
    statuses,
    durationMs: Math.round(durationMs),
    rps: durationMs > 0 ? Math.round((completed / durationMs) * 1000) : 0,
    latencyMs: {
      p50: round1(percentile(sorted, 50)),
      p90: round1(percentile(sorted, 90)),
      p95: round1(percentile(sorted, 95)),
      p99: round1(percentile(sorted, 99)),
      max: round1(sorted.length ? sorted[sorted.length - 1]! : 0),
      mean: round1(completed ? latencies.reduce((a, b) => a + b, 0) / completed : 0),
    },
    samples,
    timedOut,
    cpuMs: cpuMsOfThisProcess(),
  };
}

/** The load client's own CPU (user + system), so that the bench counts it apart from the service's. */
function cpuMsOfThisProcess(): number {
  const usage = process.cpuUsage();
  return Math.round((usage.user + usage.system) / 1000);
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

if (require.main === module) {
  const spec = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as LoadSpec;
  runLoad(spec).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
