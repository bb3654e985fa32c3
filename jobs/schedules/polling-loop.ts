/**
 * The poll loop shared by the outbox relay and the notification relay: run a
 * batch every pollMs, again at once when the batch was full, back off
 * exponentially (capped at maxBackoffMs, with jitter unless turned off) while
 * batches fail, and never throw out of the loop. `stop()` wakes a sleeping
 * loop and waits for the batch in progress.
 */
import type { Logger } from '../../server/logging/logger';

/** Longest pause after consecutive failures, unless the caller says otherwise. */
export const DEFAULT_MAX_BACKOFF_MS = 30_000;

export interface PollingLoopOptions {
  /** Names the loop in its log lines: `<label> batch failed`, `<label> recovered`. */
  label: string;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** Pause between batches when the last one was not full. */
  pollMs: number;
  /** Longest pause after consecutive failures; default DEFAULT_MAX_BACKOFF_MS. */
  maxBackoffMs?: number;
  /** Randomise the back-off pause between half and all of it; default true. */
  jitter?: boolean;
  /** Log `<label> recovered` on the first success after failures; default true. */
  logRecovery?: boolean;
}

export class PollingLoop {
  private running: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;

  /** runOnce: one batch; `full` makes the loop run again without pausing. */
  constructor(
    private readonly runOnce: () => Promise<{ full: boolean }>,
    private readonly options: PollingLoopOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.running;
    this.running = undefined;
  }

  private async loop(): Promise<void> {
    const { label, logger, pollMs } = this.options;
    const maxBackoffMs = this.options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    const jitter = this.options.jitter ?? true;
    const logRecovery = this.options.logRecovery ?? true;
    while (!this.stopping) {
      let pause = pollMs;
      try {
        const { full } = await this.runOnce();
        if (logRecovery && this.failures > 0) logger.info({ failures: this.failures }, `${label} recovered`);
        this.failures = 0;
        if (full) pause = 0;
      } catch (err) {
        this.failures += 1;
        const base = Math.min(maxBackoffMs, pollMs * 2 ** Math.min(this.failures, 16));
        pause = jitter ? Math.round(base / 2 + (Math.random() * base) / 2) : base;
        // One warning when an outage starts, then every tenth attempt, so a long outage does not flood the log.
        if (this.failures === 1 || this.failures % 10 === 0) {
          logger.warn({ err, failures: this.failures, retryInMs: pause }, `${label} batch failed`);
        }
      }
      if (pause > 0) await this.sleep(pause);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
      this.timer = setTimeout(() => this.wake?.(), ms);
    });
  }
}
