/**
 * An AppContext for tests: the test PostgreSQL database and the local Redis
 * (server/test/env.ts), with BullMQ keys under a prefix unique to this context
 * (`test-<random>`), so test files running at once never see each other's jobs.
 * `cleanup()` obliterates the context's queues and closes every connection.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig, type VariableName } from '../../config';
import type { Config } from '../../config';
import { closeContext, createContext, createRuntimes, type AppContext, type ContextOptions, type RuntimeOptions } from '../context';

export interface TestContext extends AppContext {
  /** Obliterate this context's queues, then close them, Redis and the database pool. */
  cleanup(): Promise<void>;
}

/**
 * `options` go to createContext as they are: the runtimes' test seams (a clock the test moves, a known
 * captcha text) and parts of the messaging runtime to use instead of the built ones.
 */
export async function createTestContext(env: Partial<Record<VariableName, string>> = {}, options: ContextOptions = {}): Promise<TestContext> {
  const config = loadConfig({
    ...process.env,
    QUEUE_PREFIX: `test-${randomBytes(6).toString('hex')}`,
    DATABASE_POOL_MAX: '5',
    ...env,
  });
  const ctx = await createContext(config, options);
  let cleaned = false;
  return Object.assign(ctx, {
    cleanup: async () => {
      if (cleaned) return;
      cleaned = true;
      await Promise.all(Object.values(ctx.queues).map((queue) => queue.obliterate({ force: true }).catch(() => undefined)));
      await closeContext(ctx);
    },
  });
}

/**
 * The context as another configuration would build it (production, another key): the same connections, the
 * runtimes built again from the changed configuration, as createContext would.
 */
export function withConfig<T extends AppContext>(ctx: T, overrides: Partial<Config>, options: RuntimeOptions = {}): T {
  const config = { ...ctx.config, ...overrides };
  return { ...ctx, config, ...createRuntimes(config, ctx.redis, options) };
}
