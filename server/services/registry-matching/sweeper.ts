/**
 * The sweeper: finds profile versions that wait for the registry match longer
 * than they should (status `submitted` or `matching`, unchanged for
 * MATCH_STUCK_AFTER_S) and asks for the match again through the outbox.
 *
 * How a version gets stuck: its outbox row was relayed but the job was lost
 * (Redis lost data, the job was removed by hand, it failed every attempt on a
 * transient error), or a matcher died half-way. The matcher commits its
 * decision in one transaction, so `matching` is rarely seen; `submitted` is
 * the usual case.
 *
 * Per stuck version, one transaction (student row locked first, then the
 * version: the order every review write uses):
 *
 * - re-check it under the lock: still awaiting, still old, and no registry-match
 *   outbox row that is undispatched (the relay will deliver it: no duplicate)
 *   or younger than MATCH_STUCK_AFTER_S (a job was just asked for: give it time);
 * - a version in `matching` goes back through the state machine (`match_retry`,
 *   matching → submitted), the student following when it is its latest version;
 * - one outbox row `registry-match { profileVersionId }` and one audit row.
 *
 * Idempotent and bounded: a run handles at most `batchSize` versions, oldest
 * first; running it twice (two worker processes, a re-delivered job) adds no
 * second row, because the second run finds the first one's fresh outbox row.
 * A version asked for more than `maxRequeues` times is left alone (a poison
 * snapshot must not be re-queued every two minutes forever); it shows in the
 * review statistics as stuck and in the failed registry-match jobs.
 */
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { QUEUE_NAMES } from '../../../domain/jobs/payloads';
import { AWAITING_MATCH_STATES, transition, type ReviewState } from '../../../domain/review/state-machine';
import type { AppContext } from '../../context';
import { rowsOf, type Tx } from '../../db/client';
import { profileVersions, students } from '../../db/schema';
import { writeOutbox } from '../../outbox/outbox';
import { currentVersionIs } from '../reviews/review-approval';
import { lockStudentsThenVersions } from '../reviews/review-locks';
import { writeAudit } from '../audit/audit';

/** Re-queues of one version after which the sweeper gives up on it. */
export const DEFAULT_MAX_REQUEUES = 5;

export type SweepContext = Pick<AppContext, 'db' | 'config'>;

export interface SweepOptions {
  /** Largest number of versions re-queued by this run; default config.SWEEP_BATCH_SIZE. */
  batchSize?: number;
  /** Age (seconds since status_changed_at) from which a version counts as stuck; default config.MATCH_STUCK_AFTER_S. */
  stuckAfterS?: number;
  /** Give up on a version that already has more registry-match outbox rows than 1 + this; default DEFAULT_MAX_REQUEUES. */
  maxRequeues?: number;
  /** Only consider these versions (tests sharing one database, an operator re-driving given versions). */
  onlyVersionIds?: readonly string[];
}

export interface RequeuedVersion {
  profileVersionId: string;
  studentId: string;
  /** The status the version was found in. */
  from: 'submitted' | 'matching';
  outboxId: number;
}

export interface SweepResult {
  /** Candidates found by the scan. */
  found: number;
  requeued: RequeuedVersion[];
  /** Candidates that changed between the scan and the lock (decided meanwhile, a row appeared). */
  skipped: number;
}

/** Registry-match outbox rows of version `versionIdSql` that make a new one unnecessary. */
function pendingRequest(versionIdSql: SQL, stuckAfterS: number): SQL {
  return sql`exists (
    select 1 from outbox o
    where o.queue = ${QUEUE_NAMES.registryMatch}
      and (o.payload->>'profileVersionId') = ${versionIdSql}
      and (o.dispatched_at is null or o.created_at > now() - make_interval(secs => ${stuckAfterS})))`;
}

function tooManyRequests(versionIdSql: SQL, maxRequeues: number): SQL {
  return sql`(select count(*) from outbox o
    where o.queue = ${QUEUE_NAMES.registryMatch} and (o.payload->>'profileVersionId') = ${versionIdSql}) > ${maxRequeues + 1}`;
}

/** One sweep; see the module comment. */
export async function sweepStuckVersions(ctx: SweepContext, options: SweepOptions = {}): Promise<SweepResult> {
  const batchSize = options.batchSize ?? ctx.config.SWEEP_BATCH_SIZE;
  const stuckAfterS = options.stuckAfterS ?? ctx.config.MATCH_STUCK_AFTER_S;
  const maxRequeues = options.maxRequeues ?? DEFAULT_MAX_REQUEUES;
  if (options.onlyVersionIds && options.onlyVersionIds.length === 0) return { found: 0, requeued: [], skipped: 0 };

  const idText = sql`pv.id::text`;
  const only = options.onlyVersionIds ? sql`and pv.id = any(${sql.param([...options.onlyVersionIds])}::uuid[])` : sql``;
  const candidates = rowsOf<{ id: string; student_id: string }>(
    await ctx.db.execute(sql`
      select pv.id, pv.student_id from profile_versions pv
      where pv.status = any(${sql.param([...AWAITING_MATCH_STATES])}::text[])
        and pv.status_changed_at < now() - make_interval(secs => ${stuckAfterS})
        and not ${pendingRequest(idText, stuckAfterS)}
        and not ${tooManyRequests(idText, maxRequeues)}
        ${only}
      order by pv.status_changed_at, pv.id
      limit ${batchSize}`),
  );

  const requeued: RequeuedVersion[] = [];
  for (const candidate of candidates) {
    const done = await ctx.db.transaction((tx) => requeueOne(tx, candidate.id, candidate.student_id, stuckAfterS));
    if (done) requeued.push(done);
  }
  return { found: candidates.length, requeued, skipped: candidates.length - requeued.length };
}

async function requeueOne(tx: Tx, versionId: string, studentId: string, stuckAfterS: number): Promise<RequeuedVersion | null> {
  await lockStudentsThenVersions(tx, [versionId]);
  // Re-checked under the locks: still awaiting, still old, and still no request on its way.
  const [version] = await tx
    .select({ id: profileVersions.id, status: profileVersions.status })
    .from(profileVersions)
    .where(
      and(
        eq(profileVersions.id, versionId),
        eq(profileVersions.studentId, studentId),
        inArray(profileVersions.status, [...AWAITING_MATCH_STATES]),
        sql`${profileVersions.statusChangedAt} < now() - make_interval(secs => ${stuckAfterS})`,
        sql`not ${pendingRequest(sql`${profileVersions.id}::text`, stuckAfterS)}`,
      ),
    );
  if (!version) return null;

  const from = version.status as 'submitted' | 'matching';
  if (from === 'matching') {
    const status = transition(from as ReviewState, { type: 'match_retry' });
    await tx.update(profileVersions).set({ status, statusChangedAt: sql`now()` }).where(eq(profileVersions.id, versionId));
    await tx
      .update(students)
      .set({ status, updatedAt: sql`now()` })
      .where(and(eq(students.id, studentId), currentVersionIs(versionId)));
  }
  const outboxId = await writeOutbox(tx, QUEUE_NAMES.registryMatch, { profileVersionId: versionId });
  await writeAudit(tx, {
    actor: 'system',
    action: 'review.match_requeued',
    subject: { type: 'profile_version', id: versionId },
    detail: { studentId, from, outboxId },
  });
  return { profileVersionId: versionId, studentId, from, outboxId };
}
