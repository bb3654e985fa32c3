/**
 * The worker process: `npm run worker`. It relays the outbox into BullMQ and
 * runs the workers. `startWorkers` is also what tools/run-all.ts calls to run
 * the workers inside the API process (PGlite admits one process), so it
 * installs no signal handlers: whoever owns the process owns shutdown.
 */
import { config, ConfigError } from '../config';
import { closeContext, createContext, type AppContext } from '../server/context';
import { onShutdownSignal } from '../server/lifecycle/shutdown';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay/outbox-relay';
import { startRegistryMatchWorker } from './registry-matching/registry-match.worker';

export interface RunningWorkers {
  /** Stop the relay (after its batch in progress), then close the workers (after their jobs in progress). Queues, Redis and the database are closeContext's. */
  close(): Promise<void>;
}

export interface StartWorkersOptions {
  /** Relay tuning; tests restrict the relay to their own rows with `onlyIds`. */
  relay?: OutboxRelayOptions;
}

export async function startWorkers(ctx: AppContext, options: StartWorkersOptions = {}): Promise<RunningWorkers> {
  // The context's producers sit on its fail-fast connection: a Redis outage fails a batch at once and the relay backs off.
  const relay = new OutboxRelay(ctx, options.relay);
  const registryMatch = startRegistryMatchWorker(ctx);
  relay.start();
  let closing: Promise<void> | undefined;
  return {
    close: () => {
      closing ??= (async () => {
        await relay.stop();
        await registryMatch.close();
      })();
      return closing;
    },
  };
}

async function main(): Promise<void> {
  const ctx = await createContext(config());
  const workers = await startWorkers(ctx);
  onShutdownSignal(ctx.logger, [
    { name: 'workers', run: () => workers.close() },
    { name: 'connections', run: () => closeContext(ctx) },
  ]);
  ctx.logger.info(
    { database: ctx.database.kind, queuePrefix: ctx.config.QUEUE_PREFIX, matchConcurrency: ctx.config.MATCH_CONCURRENCY },
    'EduCard workers running (outbox relay, registry-match)',
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
}
