/**
 * The metrics listener: a plain node:http server on METRICS_HOST:METRICS_PORT,
 * apart from the public port (the reverse proxy never routes to it). It answers
 * GET /metrics with the process's registry and, when given, GET /health/live and
 * GET /health/ready (the worker process has no other HTTP port: its probes are
 * these). Anything else is 404.
 */
import http from 'node:http';
import type { AppContext } from '../context';
import { checkLiveness, checkReadiness } from '../services/health/health-check';
import type { Metrics } from './metrics';

export interface HealthAnswer {
  status: number;
  body: unknown;
}

export interface MetricsServerOptions {
  port: number;
  host: string;
  health?: { live(): Promise<HealthAnswer>; ready(): Promise<HealthAnswer> };
}

export interface RunningMetricsServer {
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(metrics: Metrics, options: MetricsServerOptions): Promise<RunningMetricsServer> {
  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n');
    const answer = async (): Promise<void> => {
      if (path === '/metrics') return send(200, metrics.registry.contentType, await metrics.render());
      const probe = path === '/health/live' ? options.health?.live : path === '/health/ready' ? options.health?.ready : undefined;
      if (probe) {
        const { status, body } = await probe();
        return send(status, 'application/json; charset=utf-8', JSON.stringify(body));
      }
      send(404, 'text/plain', 'not found\n');
    };
    answer().catch(() => send(500, 'text/plain', 'metrics unavailable\n'));
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Start the metrics listener of a process when METRICS_PORT is set (0 = none), with the same liveness and
 * readiness answers as the API's /api/health/live and /api/health/ready. `workers`: readiness also reports
 * the worker heartbeats (the API's view).
 */
export async function startMetricsListener(
  app: AppContext,
  options: { workers: boolean },
): Promise<RunningMetricsServer | undefined> {
  if (app.config.METRICS_PORT === 0) return undefined;
  return startMetricsServer(app.metrics, {
    port: app.config.METRICS_PORT,
    host: app.config.METRICS_HOST,
    health: {
      live: async () => ({ status: 200, body: checkLiveness() }),
      ready: async () => {
        const { httpStatus, body } = await checkReadiness(app, { workers: options.workers });
        return { status: httpStatus, body };
      },
    },
  });
}
