import type { Logger } from '../logging/logger';

/**
 * Run the given steps in order on SIGINT/SIGTERM (HTTP, then workers, then
 * queues and Redis, then the database), once, then exit. A second signal exits
 * at once.
 */
export function onShutdownSignal(logger: Logger, steps: { name: string; run: () => Promise<void> }[]): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    let code = 0;
    for (const step of steps) {
      try {
        await step.run();
      } catch (err) {
        code = 1;
        logger.error({ err, step: step.name }, 'shutdown step failed');
      }
    }
    logger.info('stopped');
    logger.flush?.();
    process.exit(code);
  };
  process.once('SIGINT', (s) => void stop(s));
  process.once('SIGTERM', (s) => void stop(s));
}
