/**
 * bull-board (@bull-board/koa) over the context's queues at /console/queues,
 * for operators only: createApp puts requireOperatorCookie (staff-pages.ts)
 * in front of it. Built on first use, so an API process that never serves it
 * pays nothing.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { KoaAdapter } from '@bull-board/koa';
import type { Middleware } from 'koa';
import type { AppContext } from '../../context';
import { QUEUES_PATH } from './staff-pages';

export function queuesBoard(app: Pick<AppContext, 'queues'>): Middleware {
  let mounted: Middleware | undefined;
  return async function serveQueuesBoard(ctx, next) {
    if (ctx.path !== QUEUES_PATH && !ctx.path.startsWith(`${QUEUES_PATH}/`)) return next();
    if (!mounted) {
      const adapter = new KoaAdapter();
      adapter.setBasePath(QUEUES_PATH);
      createBullBoard({
        queues: Object.values(app.queues).map((q) => new BullMQAdapter(q)),
        serverAdapter: adapter,
        options: { uiConfig: { boardTitle: '教育卡队列', locale: { lng: 'zh-CN' } } },
      });
      mounted = adapter.registerPlugin() as Middleware;
    }
    await mounted(ctx, next);
  };
}
