import type { RegistryMatchResult, VersionMatchOutcome } from '../../server/services/registry-matching';
import { MatchBatcher, type MatchBatcherOptions } from './match-batcher';

const decided = (id: string): RegistryMatchResult => ({ changed: false, reason: 'not_awaiting_match', status: `decided ${id}` });

/** A batch runner that records the batches it was given and answers each id with `decided(id)` once released. */
function recordingRunner(answer: (id: string) => VersionMatchOutcome = (id) => ({ status: 'fulfilled', value: decided(id) })) {
  const batches: string[][] = [];
  const releases: (() => void)[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const run = async (ids: string[]) => {
    batches.push(ids);
    running += 1;
    mostAtOnce = Math.max(mostAtOnce, running);
    await new Promise<void>((resolve) => releases.push(resolve));
    running -= 1;
    return ids.map(answer);
  };
  return {
    run,
    batches,
    mostAtOnce: () => mostAtOnce,
    /** Let every batch started so far finish. */
    releaseAll: () => releases.splice(0).forEach((release) => release()),
  };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

function batcherWith(runner: ReturnType<typeof recordingRunner>, options: Partial<MatchBatcherOptions> = {}) {
  return new MatchBatcher(runner.run, { maxBatch: 3, maxWaitMs: 20, maxInFlight: 1, ...options });
}

describe('MatchBatcher', () => {
  test('When a full batch is waiting, then it starts at once and every job gets the outcome of its own version', async () => {
    const runner = recordingRunner((id) => (id === 'b' ? { status: 'rejected', reason: new Error('b failed') } : { status: 'fulfilled', value: decided(id) }));
    const batcher = batcherWith(runner);

    const jobs = ['a', 'b', 'c'].map((id) => batcher.match(id));
    await tick();
    expect(runner.batches).toEqual([['a', 'b', 'c']]);
    runner.releaseAll();

    expect(await Promise.allSettled(jobs)).toEqual([
      { status: 'fulfilled', value: decided('a') },
      { status: 'rejected', reason: new Error('b failed') },
      { status: 'fulfilled', value: decided('c') },
    ]);
  });

  test('When fewer than a batch are waiting, then they start together after maxWaitMs', async () => {
    const runner = recordingRunner();
    const batcher = batcherWith(runner);

    const jobs = [batcher.match('a'), batcher.match('b')];
    await tick(5);
    expect(runner.batches).toEqual([]);
    await tick(30);
    expect(runner.batches).toEqual([['a', 'b']]);
    runner.releaseAll();

    expect(await Promise.all(jobs)).toEqual([decided('a'), decided('b')]);
  });

  test('When the batches in flight are busy, then the ids arriving meanwhile wait and go together in the next batch', async () => {
    const runner = recordingRunner();
    const batcher = batcherWith(runner, { maxBatch: 2, maxInFlight: 1 });

    const jobs = ['a', 'b', 'c', 'd', 'e'].map((id) => batcher.match(id));
    await tick(40);
    expect(runner.batches).toEqual([['a', 'b']]);
    runner.releaseAll();
    await tick();
    expect(runner.batches).toEqual([['a', 'b'], ['c', 'd']]);
    runner.releaseAll();
    await tick(40);
    runner.releaseAll();

    expect(await Promise.all(jobs)).toEqual(['a', 'b', 'c', 'd', 'e'].map(decided));
    expect(runner.batches).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(runner.mostAtOnce()).toBe(1);
  });

  test('When the batch runner itself fails, then every job of that batch fails with its error', async () => {
    const batcher = new MatchBatcher(() => Promise.reject(new Error('database gone')), { maxBatch: 2, maxWaitMs: 5, maxInFlight: 1 });

    const jobs = await Promise.allSettled([batcher.match('a'), batcher.match('b')]);

    expect(jobs).toEqual([
      { status: 'rejected', reason: new Error('database gone') },
      { status: 'rejected', reason: new Error('database gone') },
    ]);
  });

  test('When drained, then what is waiting runs at once and drain resolves after every batch finished', async () => {
    const runner = recordingRunner();
    const batcher = batcherWith(runner, { maxWaitMs: 60_000 });
    const job = batcher.match('a');

    const drained = batcher.drain();
    await tick();
    expect(runner.batches).toEqual([['a']]);
    runner.releaseAll();
    await drained;

    expect(await job).toEqual(decided('a'));
  });
});
