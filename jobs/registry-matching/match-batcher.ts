/**
 * Collects the profile version ids of concurrently running registry-match
 * jobs into batches, so one transaction decides many versions
 * (matchBatch in registry-match.worker.ts). Each job awaits its own
 * version's outcome: `match(id)` resolves or rejects exactly as the batch
 * decided that version.
 *
 * A batch starts when `maxBatch` ids are waiting or `maxWaitMs` after the
 * first id arrived, whichever comes first, but at most `maxInFlight` batches
 * run at once: under load the ids that arrive while the batches are busy wait
 * and go together in the next one, so batches grow with the load and the
 * statements per version fall. (The worker's concurrency bounds how many ids
 * can wait: see registry-match.worker.ts.)
 */
import type { RegistryMatchResult, VersionMatchOutcome } from '../../server/services/registry-matching';

export interface MatchBatcherOptions {
  /** Largest number of versions in one batch. */
  maxBatch: number;
  /** Longest wait of the first id of a batch for others. */
  maxWaitMs: number;
  /** Batches deciding at once (each holds one database connection). */
  maxInFlight: number;
}

/** Decides a batch: one outcome per id, in order (matchBatch). */
export type RunMatchBatch = (profileVersionIds: string[]) => Promise<VersionMatchOutcome[]>;

interface Waiting {
  id: string;
  resolve: (result: RegistryMatchResult) => void;
  reject: (reason: unknown) => void;
}

export class MatchBatcher {
  private waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly runBatch: RunMatchBatch,
    private readonly options: MatchBatcherOptions,
  ) {}

  /** The decision on one version, made together with the others waiting. */
  match(profileVersionId: string): Promise<RegistryMatchResult> {
    return new Promise<RegistryMatchResult>((resolve, reject) => {
      this.waiting.push({ id: profileVersionId, resolve, reject });
      this.schedule();
    });
  }

  /** Run what is waiting now and wait until every batch has finished. */
  async drain(): Promise<void> {
    while (this.waiting.length > 0 || this.running.size > 0) {
      this.flush();
      await Promise.all([...this.running]);
    }
  }

  /** Flush now when a full batch is waiting, else within maxWaitMs. */
  private schedule(): void {
    if (this.waiting.length >= this.options.maxBatch) this.flush();
    else if (this.waiting.length > 0) this.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.waiting.length > 0 && this.inFlight < this.options.maxInFlight) {
      this.start(this.waiting.splice(0, this.options.maxBatch));
    }
  }

  private start(batch: Waiting[]): void {
    this.inFlight += 1;
    const run = this.decide(batch).finally(() => {
      this.inFlight -= 1;
      this.running.delete(run);
      this.schedule();
    });
    this.running.add(run);
  }

  private async decide(batch: Waiting[]): Promise<void> {
    let outcomes: VersionMatchOutcome[];
    try {
      outcomes = await this.runBatch(batch.map((w) => w.id));
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) => {
      const outcome = outcomes[i];
      if (outcome?.status === 'fulfilled') w.resolve(outcome.value);
      else w.reject(outcome ? outcome.reason : new Error(`no match outcome for profile version ${w.id}`));
    });
  }
}
