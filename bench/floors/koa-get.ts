/** Floor: a bare Koa 3 GET answering a small JSON body (no middleware, no I/O). PORT from the environment. */
import http from 'node:http';
import Koa from 'koa';

const koa = new Koa();
koa.use((ctx) => {
  ctx.body = { ok: true };
});
const server = http.createServer(koa.callback());
server.keepAliveTimeout = 5_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('floor koa-get listening'));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
