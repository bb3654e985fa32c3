/**
 * The operator's province overview: the same funnel as a school's, summed
 * over the province, a city (地级市) or a district (区县), with one row per city,
 * per district of the city, or per school of the district.
 *
 * Read from the aggregates only: console_school_stats (one row per school,
 * kept current by the console-stats worker from the decision events) joined
 * to schools on their 行政区划 (schools_region_idx). A province of 10 million
 * students is a few thousand school rows here, never the students table.
 */
import { sql } from 'drizzle-orm';
import type { OverviewQuery, OverviewResponse, SchoolRegionRequestSchema } from '../../../domain/api/console-operator';
import { AppError } from '../../../domain/errors';
import type { z } from 'zod';
import type { AppContext } from '../../context';
import { rowsOf } from '../../db/client';
import { schools } from '../../db/schema';
import { eq } from 'drizzle-orm';
import type { RequestMeta } from '../accounts/request-meta';
import { addCounts, countsOf, ZERO_COUNTS, type StatsRow } from './console-stats';
import type { ConsoleActor } from './console-schools';
import { writeSupportAudit } from './support';

const SUMS = sql.raw(`count(*)::int as schools,
  coalesce(sum(st.registered), 0)::int as registered, coalesce(sum(st.submitted), 0)::int as submitted,
  coalesce(sum(st.auto_approved), 0)::int as auto_approved, coalesce(sum(st.pending_review), 0)::int as pending_review,
  coalesce(sum(st.returned), 0)::int as returned, coalesce(sum(st.approved), 0)::int as approved,
  coalesce(sum(st.reconfirm_outstanding), 0)::int as reconfirm_outstanding,
  min(st.oldest_pending_since) as oldest_pending_since, max(st.updated_at) as updated_at`);

type Row = StatsRow & { key: string | null; label: string | null; schools: number; updated_at: Date | string | null };

export async function provinceOverview(app: Pick<AppContext, 'db'>, actor: ConsoleActor, query: OverviewQuery): Promise<OverviewResponse> {
  if (actor.role !== 'operator') throw new AppError('FORBIDDEN');
  let rows: Row[];
  let level: OverviewResponse['level'];
  let rowsAre: OverviewResponse['rowsAre'];
  let title: string;
  if (query.districtCode) {
    level = 'district';
    rowsAre = 'school';
    rows = rowsOf<Row>(
      await app.db.execute(sql`
        select s.id::text as key, s.name as label, ${SUMS}
          from schools s left join console_school_stats st on st.school_id = s.id
         where s.district_code = ${query.districtCode} ${query.cityCode ? sql`and s.city_code = ${query.cityCode}` : sql``}
         group by s.id, s.name order by s.name`),
    );
    const [named] = rowsOf<{ city_name: string | null; district_name: string | null }>(
      await app.db.execute(sql`select city_name, district_name from schools where district_code = ${query.districtCode} limit 1`),
    );
    if (!named) throw new AppError('NOT_FOUND');
    title = `${named.city_name ?? ''}${named.district_name ?? query.districtCode}`;
  } else if (query.cityCode) {
    level = 'city';
    rowsAre = 'district';
    rows = rowsOf<Row>(
      await app.db.execute(sql`
        select s.district_code as key, coalesce(max(s.district_name), '未设置区县') as label, ${SUMS}
          from schools s left join console_school_stats st on st.school_id = s.id
         where s.city_code = ${query.cityCode}
         group by s.district_code order by s.district_code nulls last`),
    );
    const [named] = rowsOf<{ city_name: string | null }>(await app.db.execute(sql`select city_name from schools where city_code = ${query.cityCode} limit 1`));
    if (!named) throw new AppError('NOT_FOUND');
    title = named.city_name ?? query.cityCode;
  } else {
    level = 'province';
    rowsAre = 'city';
    rows = rowsOf<Row>(
      await app.db.execute(sql`
        select s.city_code as key, coalesce(max(s.city_name), '未设置行政区划') as label, ${SUMS}
          from schools s left join console_school_stats st on st.school_id = s.id
         group by s.city_code order by s.city_code nulls last`),
    );
    title = '全省';
  }
  const presented = rows.map((r) => ({ key: r.key, label: r.label ?? '未设置', schools: Number(r.schools), counts: countsOf(r) }));
  const updated = rows
    .map((r) => r.updated_at)
    .filter((v): v is Date | string => v !== null)
    .map((v) => new Date(v).toISOString())
    .sort()
    .at(-1);
  return {
    level,
    rowsAre,
    title,
    totals: presented.reduce((sum, r) => addCounts(sum, r.counts), { ...ZERO_COUNTS }),
    schools: presented.reduce((n, r) => n + r.schools, 0),
    rows: presented,
    updatedAt: updated ?? null,
  };
}

/** PUT /api/console/schools/:schoolId/region: the operator sets a school's 行政区划 (audited). */
export async function setSchoolRegion(
  app: Pick<AppContext, 'db'>,
  actor: ConsoleActor,
  schoolId: string,
  region: z.output<typeof SchoolRegionRequestSchema>,
  meta: RequestMeta,
) {
  if (actor.role !== 'operator') throw new AppError('FORBIDDEN');
  if (!region.districtCode.startsWith(region.cityCode.slice(0, 4))) {
    const message = '区县代码应属于所选城市（前 4 位相同）';
    throw new AppError('VALIDATION_FAILED', { message, fields: { 'body.districtCode': message } });
  }
  const [row] = await app.db
    .update(schools)
    .set({ ...region, updatedAt: new Date() })
    .where(eq(schools.id, schoolId))
    .returning({ id: schools.id });
  if (!row) throw new AppError('NOT_FOUND');
  await writeSupportAudit(app.db, actor, meta, { action: 'console.school_region_set', subject: { type: 'school', id: schoolId }, detail: { ...region } });
  return { schoolId, ...region };
}
