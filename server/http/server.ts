import http from 'node:http';
import type { AppContext } from '../context';
import { createApp } from './app';
import { assertSafeDeployment, developmentModeNotice } from './deployment';

export interface RunningApi {
  server: http.Server;
  url: string;
  /** Stop accepting connections and wait for requests in flight. */
  close(): Promise<void>;
}

export async function startApi(app: AppContext, options: { port?: number; host?: string } = {}): Promise<RunningApi> {
  const port = options.port ?? app.config.PORT;
  const host = options.host ?? app.config.HOST;
  assertSafeDeployment(app.config, host);
  const notice = developmentModeNotice(app.config);
  if (notice) app.logger.warn({ nodeEnv: app.config.NODE_ENV, host }, notice);
  const koa = createApp(app);
  const server = http.createServer(koa.callback());
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    server,
    url: `http://${shownHost}:${actualPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests still running after the grace period are cut off.
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      }),
  };
}
