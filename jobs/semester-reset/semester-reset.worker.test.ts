import { UnrecoverableError } from 'bullmq';
import { eq } from 'drizzle-orm';
import { notifications, semesters, students } from '../../server/db/schema';
import { openSemester } from '../../server/services/semesters/semesters';
import { matchProfileVersion } from '../../server/services/registry-matching';
import type { TestContext } from '../../server/test/context';
import { buildRegistryRecord, buildSubmittedVersion, registryRowFor } from '../../server/test/factories';
import { createScratchTestContext } from '../../server/test/scratch-database';
import { startWorkers } from '../main';
import { semesterResetProcessor } from './semester-reset.worker';

/** The reset works on every approved student: on a database of its own. */
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createScratchTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in time (last value: ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('semester-reset worker', () => {
  test('When a semester is opened, then the relay and the worker reset its approved students and complete it', async () => {
    const built = await buildSubmittedVersion(ctx, { withOutbox: false });
    await buildRegistryRecord(ctx, registryRowFor(built));
    await matchProfileVersion(ctx, built.version.id);
    const opened = await openSemester(ctx, { name: '2099学年第一学期', deadline: '2099-09-30' });
    if (!opened.created) throw new Error('expected a new semester');

    const workers = await startWorkers(ctx, { relay: { onlyIds: [opened.outboxId], pollMs: 20 } });
    try {
      await waitFor(
        async () => (await ctx.db.select().from(semesters).where(eq(semesters.id, opened.semester.id)))[0]?.resetCompletedAt,
        (done) => done instanceof Date,
      );
    } finally {
      await workers.close();
    }

    const [student] = await ctx.db.select().from(students).where(eq(students.id, built.student.id));
    expect(student!.status).toBe('reconfirm_required');
    const notes = await ctx.db.select().from(notifications).where(eq(notifications.kind, 'reconfirm.required'));
    expect(notes.map((n) => n.accountId)).toEqual([built.family.id]);
    const job = await ctx.queues['semester-reset'].getJob(`outbox-${opened.outboxId}`);
    expect(job?.returnvalue).toMatchObject({ status: 'completed', moved: 1 });

    // A re-delivered job for the completed semester does nothing.
    expect(await semesterResetProcessor(ctx)({ id: 'again', data: { semesterId: opened.semester.id } })).toEqual({
      status: 'already_completed',
    });
  });

  test('When the job data is invalid or names no semester, then it fails without retries', async () => {
    const process = semesterResetProcessor(ctx);
    await expect(process({ id: 'bad', data: { semesterId: 'nope' } })).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(process({ id: 'gone', data: { semesterId: '00000000-0000-4000-8000-000000000000' } })).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
  });
});
