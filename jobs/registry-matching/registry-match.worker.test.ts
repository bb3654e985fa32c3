import { UnrecoverableError, type Job } from 'bullmq';
import { eq, inArray } from 'drizzle-orm';
import type { RegistryMatchJob } from '../../domain/jobs/payloads';
import { auditLog, outbox, profileVersions, students } from '../../server/db/schema';
import { createTestContext, type TestContext } from '../../server/test/context';
import {
  buildAccount,
  buildRegistryRecord,
  buildSchool,
  buildSubmittedVersion,
  randomStudentResidentId,
  registryRowFor,
} from '../../server/test/factories';
import { IdAlreadyApprovedError, SYSTEM_ACTOR, approveVersion } from '../../server/services/reviews/review-approval';
import { startWorkers } from '../main';
import { matchBatch, registryMatchProcessor, startRegistryMatchWorker, type RegistryMatchWorker } from './registry-match.worker';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

async function statusOf(versionId: string): Promise<string | undefined> {
  const [row] = await ctx.db.select({ status: profileVersions.status }).from(profileVersions).where(eq(profileVersions.id, versionId));
  return row?.status;
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in time (last value: ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The job once it has completed or failed (fetched after it did, so returnvalue and failedReason are set). */
async function finishedJob(id: string): Promise<Job> {
  const queue = ctx.queues['registry-match'];
  const job = await waitFor(
    async () => {
      const state = await queue.getJobState(id);
      return state === 'completed' || state === 'failed' ? queue.getJob(id) : undefined;
    },
    (found) => found !== undefined,
  );
  return job!;
}

describe('registry-match worker', () => {
  test('When a submission is written with its outbox row, then the relay and the worker approve it end to end', async () => {
    const school = await buildSchool(ctx.db);
    const teacher = await buildAccount(ctx.db, { role: 'teacher', schoolId: school.id });
    const approved = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id });
    await buildRegistryRecord(ctx, registryRowFor(approved));
    const mismatched = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, name: '钱多多' });
    await buildRegistryRecord(ctx, registryRowFor(mismatched, { name: '钱朵朵' }));
    const ownRows = [approved.outboxId!, mismatched.outboxId!];

    const workers = await startWorkers(ctx, { relay: { onlyIds: ownRows, pollMs: 20 } });
    try {
      await waitFor(() => statusOf(approved.version.id), (s) => s === 'approved');
      await waitFor(() => statusOf(mismatched.version.id), (s) => s === 'pending_review');
    } finally {
      await workers.close();
    }

    const [row] = await ctx.db.select().from(outbox).where(eq(outbox.id, approved.outboxId!));
    expect(row!.dispatchedAt).toBeInstanceOf(Date);
    const [student] = await ctx.db.select().from(students).where(eq(students.id, approved.student.id));
    expect(student).toMatchObject({ status: 'approved', approvedVersionId: approved.version.id });
    const job = await finishedJob(`outbox-${approved.outboxId}`);
    expect(job.returnvalue).toMatchObject({ changed: true, outcome: 'matched', status: 'approved' });
  });

  describe('with a running worker', () => {
    let running: RegistryMatchWorker;

    beforeAll(() => {
      running = startRegistryMatchWorker(ctx, { concurrency: 2 });
    });

    afterAll(async () => {
      await running.close();
    });

    test('When the same job is delivered again, then it completes without changing anything', async () => {
      const built = await buildSubmittedVersion(ctx, { withOutbox: false });
      await buildRegistryRecord(ctx, registryRowFor(built));
      const queue = ctx.queues['registry-match'];

      await queue.add('registry-match', { profileVersionId: built.version.id }, { jobId: `first-${built.version.id}` });
      const first = await finishedJob(`first-${built.version.id}`);
      await queue.add('registry-match', { profileVersionId: built.version.id }, { jobId: `again-${built.version.id}` });
      const again = await finishedJob(`again-${built.version.id}`);

      expect(first.returnvalue).toMatchObject({ changed: true, status: 'approved' });
      expect(again.returnvalue).toEqual({ changed: false, reason: 'not_awaiting_match', status: 'approved' });
    });

    test('When the job data is invalid, then it fails once without retries', async () => {
      const queue = ctx.queues['registry-match'];
      await queue.add('registry-match', { profileVersionId: 'not-a-uuid' } as RegistryMatchJob, { jobId: 'invalid-data' });

      const job = await finishedJob('invalid-data');

      expect(await job.isFailed()).toBe(true);
      expect(job.attemptsMade).toBe(1);
      expect(job.failedReason).toMatch(/invalid registry-match job data/);
    });
  });

  describe('with a worker deciding in batches', () => {
    let batching: RegistryMatchWorker;

    beforeAll(() => {
      batching = startRegistryMatchWorker(ctx, { batchSize: 10 });
    });

    afterAll(async () => {
      await batching.close();
    });

    test('When several jobs arrive together, then each job completes with the result of its own version', async () => {
      const school = await buildSchool(ctx.db);
      const teacher = await buildAccount(ctx.db, { role: 'teacher', schoolId: school.id });
      const approved = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, withOutbox: false });
      await buildRegistryRecord(ctx, registryRowFor(approved));
      const mismatched = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, name: '孙悟空', withOutbox: false });
      await buildRegistryRecord(ctx, registryRowFor(mismatched, { name: '孙悟饭' }));
      const unknown = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, withOutbox: false });
      const versions = [approved, mismatched, unknown];
      const queue = ctx.queues['registry-match'];

      await queue.addBulk(versions.map((b) => ({ name: 'registry-match', data: { profileVersionId: b.version.id }, opts: { jobId: `batch-${b.version.id}` } })));
      const jobs = await Promise.all(versions.map((b) => finishedJob(`batch-${b.version.id}`)));

      expect(jobs.map((j) => j.returnvalue)).toEqual([
        expect.objectContaining({ changed: true, outcome: 'matched', status: 'approved' }),
        expect.objectContaining({ changed: true, outcome: 'mismatch', status: 'pending_review', assignedReviewerId: teacher.id }),
        expect.objectContaining({ changed: true, outcome: 'not_found', status: 'pending_review', assignedReviewerId: teacher.id }),
      ]);
    });

    test('When a snapshot cannot be decrypted, then only its job fails, once and for good', async () => {
      const good = await buildSubmittedVersion(ctx, { withOutbox: false });
      const broken = await buildSubmittedVersion(ctx, { withOutbox: false });
      const sealed = broken.version.piiCipher;
      const tampered = sealed.slice(0, -2) + (sealed.at(-2) === 'A' ? 'B' : 'A') + sealed.at(-1);
      await ctx.db.update(profileVersions).set({ piiCipher: tampered }).where(eq(profileVersions.id, broken.version.id));
      const queue = ctx.queues['registry-match'];

      await queue.addBulk(
        [good, broken].map((b) => ({ name: 'registry-match', data: { profileVersionId: b.version.id }, opts: { jobId: `snapshot-${b.version.id}` } })),
      );
      const [goodJob, brokenJob] = await Promise.all([finishedJob(`snapshot-${good.version.id}`), finishedJob(`snapshot-${broken.version.id}`)]);

      expect(goodJob.returnvalue).toMatchObject({ changed: true, outcome: 'not_found', status: 'pending_review' });
      expect(await brokenJob.isFailed()).toBe(true);
      expect(brokenJob.attemptsMade).toBe(1);
      expect(await statusOf(broken.version.id)).toBe('submitted');
    });
  });

  test('When the stored snapshot cannot be decrypted, then the processor gives up for good', async () => {
    const built = await buildSubmittedVersion(ctx, { withOutbox: false });
    // Flip one character of the sealed body: AES-GCM no longer authenticates it.
    const sealed = built.version.piiCipher;
    const tampered = sealed.slice(0, -2) + (sealed.at(-2) === 'A' ? 'B' : 'A') + sealed.at(-1);
    await ctx.db.update(profileVersions).set({ piiCipher: tampered }).where(eq(profileVersions.id, built.version.id));
    const process = registryMatchProcessor(ctx);

    await expect(process({ id: 'x', data: { profileVersionId: built.version.id } })).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await statusOf(built.version.id)).toBe('submitted');
  });

  test('When another approval of the same ID wins the unique index race, then the batch rolls back and every version is matched alone', async () => {
    const school = await buildSchool(ctx.db);
    const teacher = await buildAccount(ctx.db, { role: 'teacher', schoolId: school.id });
    const residentId = randomStudentResidentId();
    const rival = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, residentId, withOutbox: false });
    const contested = await buildSubmittedVersion(ctx, { school, klass: rival.klass, residentId, name: rival.name, withOutbox: false });
    // Both families are guardians the registry names: both would be approved, one wins.
    await buildRegistryRecord(ctx, registryRowFor(rival, { guardianPhones: [rival.familyPhone!, contested.familyPhone!] }));
    const bystander = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, withOutbox: false });
    await buildRegistryRecord(ctx, registryRowFor(bystander));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let rivalApproved!: () => void;
    const rivalDone = new Promise<void>((resolve) => (rivalApproved = resolve));
    const fallbacks: unknown[] = [];

    // The rival approves the ID and keeps its transaction open: the batch passes its pre-check and waits on the index.
    const rivalTx = ctx.db.transaction(async (tx) => {
      await approveVersion(tx, { ...rival.version, status: 'matching', evidence: 'guardian_phone' }, SYSTEM_ACTOR);
      rivalApproved();
      await gate;
    });
    await rivalDone;
    const batch = matchBatch(ctx, [contested.version.id, bystander.version.id], (err) => fallbacks.push(err));
    await new Promise((r) => setTimeout(r, 200));
    release();
    await rivalTx;
    const outcomes = await batch;

    expect(fallbacks).toEqual([expect.any(IdAlreadyApprovedError)]);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: expect.objectContaining({ changed: true, status: 'disputed', disputed: true }) },
      { status: 'fulfilled', value: expect.objectContaining({ changed: true, outcome: 'matched', status: 'approved' }) },
    ]);
    const audit = await ctx.db
      .select({ subjectId: auditLog.subjectId, action: auditLog.action })
      .from(auditLog)
      .where(inArray(auditLog.subjectId, [contested.version.id, bystander.version.id]));
    expect(audit.sort((a, b) => (a.action < b.action ? -1 : 1))).toEqual([
      { subjectId: bystander.version.id, action: 'review.auto_matched' },
      { subjectId: contested.version.id, action: 'review.dispute_filed' },
    ]);
  });

  test('When a batch commits, then nothing falls back and each version has its decision', async () => {
    const school = await buildSchool(ctx.db);
    const teacher = await buildAccount(ctx.db, { role: 'teacher', schoolId: school.id });
    const one = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, withOutbox: false });
    await buildRegistryRecord(ctx, registryRowFor(one));
    const two = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, withOutbox: false });
    const fallbacks: unknown[] = [];

    const outcomes = await matchBatch(ctx, [one.version.id, two.version.id], (err) => fallbacks.push(err));

    expect(fallbacks).toEqual([]);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: expect.objectContaining({ outcome: 'matched', status: 'approved' }) },
      { status: 'fulfilled', value: expect.objectContaining({ outcome: 'not_found', status: 'pending_review' }) },
    ]);
  });
});
