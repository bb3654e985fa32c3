/**
 * The console's statistics: the semester's authentication funnel per class
 * (console_class_stats) and per school (console_school_stats).
 *
 * How they stay current. No decision writes a counter: a statement that
 * changes students' status, class or approved version fires a statement-level
 * trigger (migration console_stats_triggers) that writes ONE outbox row
 * `console-stats { classIds }` in the same transaction, naming the classes it
 * touched. The outbox relay hands it to the console-stats worker
 * (jobs/console-stats), which recomputes those classes from their own indexed
 * rows (students_class_status_idx) and then their schools from the class rows
 * (console_class_stats_school_idx): a few seconds behind the decisions, with no
 * hot counter row inside a decision's transaction, and idempotent (a re-run
 * computes the same numbers), so an at-least-once delivery is harmless.
 * Requests read the aggregate rows only.
 *
 * Concurrent recomputes of one class are serialised by a transaction-level
 * advisory lock per class (taken in id order: no deadlock), so a recompute
 * that started on older data can never commit after a newer one.
 */
import { sql } from 'drizzle-orm';
import type { FunnelCounts } from '../../../domain/api/console';
import type { AppContext } from '../../context';
import { rowsOf, type DbOrTx } from '../../db/client';

/** Classes recomputed per statement. */
export const STATS_CHUNK = 500;

export interface RecomputeResult {
  classes: number;
  schools: number;
}

/** Recompute the funnel of these classes and of their schools. */
export async function recomputeClassStats(ctx: Pick<AppContext, 'db'>, classIds: readonly string[]): Promise<RecomputeResult> {
  const unique = [...new Set(classIds)].sort();
  let classes = 0;
  const schools = new Set<string>();
  for (let i = 0; i < unique.length; i += STATS_CHUNK) {
    const part = unique.slice(i, i + STATS_CHUNK);
    const ids = `{${part.join(',')}}`;
    const touched = await ctx.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended('console-stats:' || id::text, 0)) from unnest(${ids}::uuid[]) as id order by id`);
      const result = await tx.execute(sql`
        with c as (
          select id, school_id, grade from classes where id = any(${ids}::uuid[])
        ), s as (
          select st.class_id,
                 count(*)::int as registered,
                 count(*) filter (where st.status <> 'draft')::int as submitted,
                 count(*) filter (where st.status = 'pending_review')::int as pending_review,
                 count(*) filter (where st.status = 'returned')::int as returned,
                 count(*) filter (where st.status = 'approved')::int as approved,
                 count(*) filter (where st.status = 'reconfirm_required')::int as reconfirm_outstanding
            from students st
           where st.class_id = any(${ids}::uuid[])
           group by st.class_id
        ), auto as (
          select st.class_id, count(*)::int as n
            from students st
            join profile_versions v on v.id = st.approved_version_id
           where st.class_id = any(${ids}::uuid[]) and st.status = 'approved' and v.reviewed_by is null
           group by st.class_id
        ), pending as (
          select st.class_id, min(v.status_changed_at) as since
            from students st
            join profile_versions v on v.id = st.current_version_id
           where st.class_id = any(${ids}::uuid[]) and st.status = 'pending_review'
           group by st.class_id
        )
        insert into console_class_stats as t
               (class_id, school_id, grade, registered, submitted, auto_approved, pending_review, returned, approved,
                reconfirm_outstanding, oldest_pending_since, updated_at)
        select c.id, c.school_id, c.grade, coalesce(s.registered, 0), coalesce(s.submitted, 0), coalesce(auto.n, 0),
               coalesce(s.pending_review, 0), coalesce(s.returned, 0), coalesce(s.approved, 0), coalesce(s.reconfirm_outstanding, 0),
               pending.since, now()
          from c
          left join s on s.class_id = c.id
          left join auto on auto.class_id = c.id
          left join pending on pending.class_id = c.id
        on conflict (class_id) do update
           set school_id = excluded.school_id, grade = excluded.grade, registered = excluded.registered,
               submitted = excluded.submitted, auto_approved = excluded.auto_approved, pending_review = excluded.pending_review,
               returned = excluded.returned, approved = excluded.approved, reconfirm_outstanding = excluded.reconfirm_outstanding,
               oldest_pending_since = excluded.oldest_pending_since, updated_at = now()
        returning school_id`);
      await recomputeDailyRows(tx, ids);
      return rowsOf<{ school_id: string }>(result).map((r) => r.school_id);
    });
    classes += touched.length;
    for (const s of touched) schools.add(s);
  }
  await recomputeSchoolStats(ctx.db, [...schools]);
  return { classes, schools: schools.size };
}

/** Days of activity kept per class (the longest chart window plus a margin). */
export const DAILY_STATS_DAYS = 62;

/**
 * The daily rows of these classes, from their own versions (profile_versions_class_status_idx):
 * submissions by the day submitted, decisions by the day decided; a person's decision also by how long it took
 * from submission. Contact-only edits are no submission. Called under the classes' advisory locks.
 */
async function recomputeDailyRows(tx: DbOrTx, ids: string): Promise<void> {
  await tx.execute(sql`delete from console_class_daily_stats where class_id = any(${ids}::uuid[])`);
  await tx.execute(sql`
    with c as (
      select id, school_id from classes where id = any(${ids}::uuid[])
    ), ev as (
      select v.class_id, (v.submitted_at at time zone 'Asia/Shanghai')::date as day,
             1 as submitted, 0 as auto_approved, 0 as approved, 0 as returned, null::interval as took
        from profile_versions v
       where v.class_id = any(${ids}::uuid[]) and not v.contact_only
         and v.submitted_at >= now() - make_interval(days => ${DAILY_STATS_DAYS})
      union all
      select v.class_id, (v.decided_at at time zone 'Asia/Shanghai')::date,
             0,
             (v.reviewed_by is null and v.status <> 'returned')::int,
             (v.reviewed_by is not null and v.status <> 'returned')::int,
             (v.status = 'returned')::int,
             case when v.reviewed_by is not null then v.decided_at - v.submitted_at end
        from profile_versions v
       where v.class_id = any(${ids}::uuid[]) and not v.contact_only and v.decided_at is not null
         and v.decided_at >= now() - make_interval(days => ${DAILY_STATS_DAYS})
    )
    insert into console_class_daily_stats
           (class_id, school_id, day, submitted, auto_approved, approved, returned,
            decided_lt1h, decided_lt1d, decided_lt3d, decided_lt7d, decided_ge7d, updated_at)
    select ev.class_id, c.school_id, ev.day, sum(ev.submitted), sum(ev.auto_approved), sum(ev.approved), sum(ev.returned),
           count(*) filter (where ev.took < interval '1 hour'),
           count(*) filter (where ev.took >= interval '1 hour' and ev.took < interval '1 day'),
           count(*) filter (where ev.took >= interval '1 day' and ev.took < interval '3 days'),
           count(*) filter (where ev.took >= interval '3 days' and ev.took < interval '7 days'),
           count(*) filter (where ev.took >= interval '7 days'),
           now()
      from ev join c on c.id = ev.class_id
     group by ev.class_id, c.school_id, ev.day`);
}

/** Sum the class rows of these schools into their school rows. */
export async function recomputeSchoolStats(db: DbOrTx, schoolIds: readonly string[]): Promise<void> {
  const unique = [...new Set(schoolIds)].sort();
  for (let i = 0; i < unique.length; i += STATS_CHUNK) {
    const ids = `{${unique.slice(i, i + STATS_CHUNK).join(',')}}`;
    await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended('console-school-stats:' || id::text, 0)) from unnest(${ids}::uuid[]) as id order by id`);
      await tx.execute(sql`
        insert into console_school_stats as t
               (school_id, classes, registered, submitted, auto_approved, pending_review, returned, approved,
                reconfirm_outstanding, oldest_pending_since, updated_at)
        select sc.id,
               (select count(*)::int from classes k where k.school_id = sc.id),
               coalesce(sum(cs.registered), 0), coalesce(sum(cs.submitted), 0), coalesce(sum(cs.auto_approved), 0),
               coalesce(sum(cs.pending_review), 0), coalesce(sum(cs.returned), 0), coalesce(sum(cs.approved), 0),
               coalesce(sum(cs.reconfirm_outstanding), 0), min(cs.oldest_pending_since), now()
          from schools sc
          left join console_class_stats cs on cs.school_id = sc.id
         where sc.id = any(${ids}::uuid[])
         group by sc.id
        on conflict (school_id) do update
           set classes = excluded.classes, registered = excluded.registered, submitted = excluded.submitted,
               auto_approved = excluded.auto_approved, pending_review = excluded.pending_review, returned = excluded.returned,
               approved = excluded.approved, reconfirm_outstanding = excluded.reconfirm_outstanding,
               oldest_pending_since = excluded.oldest_pending_since, updated_at = now()`);
    });
  }
}

/** Recompute every class of these schools (a rebuild: after the migration, or from the console's refresh). */
export async function rebuildSchoolStats(ctx: Pick<AppContext, 'db'>, schoolIds: readonly string[]): Promise<RecomputeResult> {
  if (schoolIds.length === 0) return { classes: 0, schools: 0 };
  const ids = `{${[...new Set(schoolIds)].join(',')}}`;
  const rows = rowsOf<{ id: string }>(await ctx.db.execute(sql`select id from classes where school_id = any(${ids}::uuid[])`));
  const result = await recomputeClassStats(ctx, rows.map((r) => r.id));
  await recomputeSchoolStats(ctx.db, schoolIds);
  return { classes: result.classes, schools: schoolIds.length };
}

export interface StatsRow {
  registered: number;
  submitted: number;
  auto_approved: number;
  pending_review: number;
  returned: number;
  approved: number;
  reconfirm_outstanding: number;
  oldest_pending_since: Date | string | null;
}

export const ZERO_COUNTS: FunnelCounts = {
  registered: 0,
  submitted: 0,
  autoApproved: 0,
  pendingReview: 0,
  returned: 0,
  approved: 0,
  reconfirmOutstanding: 0,
  oldestPendingSince: null,
};

function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function countsOf(row: Partial<StatsRow> | null | undefined): FunnelCounts {
  if (!row) return { ...ZERO_COUNTS };
  return {
    registered: Number(row.registered ?? 0),
    submitted: Number(row.submitted ?? 0),
    autoApproved: Number(row.auto_approved ?? 0),
    pendingReview: Number(row.pending_review ?? 0),
    returned: Number(row.returned ?? 0),
    approved: Number(row.approved ?? 0),
    reconfirmOutstanding: Number(row.reconfirm_outstanding ?? 0),
    oldestPendingSince: iso(row.oldest_pending_since ?? null),
  };
}

export function addCounts(a: FunnelCounts, b: FunnelCounts): FunnelCounts {
  const oldest = [a.oldestPendingSince, b.oldestPendingSince].filter((v): v is string => v !== null).sort()[0] ?? null;
  return {
    registered: a.registered + b.registered,
    submitted: a.submitted + b.submitted,
    autoApproved: a.autoApproved + b.autoApproved,
    pendingReview: a.pendingReview + b.pendingReview,
    returned: a.returned + b.returned,
    approved: a.approved + b.approved,
    reconfirmOutstanding: a.reconfirmOutstanding + b.reconfirmOutstanding,
    oldestPendingSince: oldest,
  };
}
