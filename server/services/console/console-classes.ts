/**
 * The console's class pages: a class's students with their status and card
 * (paged and filtered on students_class_status_idx), the class's status list
 * as an XLSX file (masked: names, ID numbers; audited), the school's daily
 * activity and time to decision (from console_class_daily_stats), and for
 * operators the waiting reviews that have nobody to review them.
 */
import { sql, type SQL } from 'drizzle-orm';
import type ExcelJS from 'exceljs';
import {
  DECISION_TIME_BUCKETS,
  DECISION_TIME_LABELS,
  CARD_STATE_LABELS,
  type ClassStudent,
  type ListClassStudentsResponse,
  type SchoolActivityResponse,
  type StrandedReviewsResponse,
} from '../../../domain/api/console-school';
import { AppError } from '../../../domain/errors';
import { maskName, maskResidentId } from '../../../domain/masking';
import { formatChinaTime } from '../../../domain/messaging/fields';
import { GRADE_LABELS, type Grade } from '../../../domain/profile/schemas';
import { pendingReviewLabel, REVIEW_STATE_LABELS, type ReviewState } from '../../../domain/review/state-machine';
import type { AppContext } from '../../context';
import { rowsOf } from '../../db/client';
import type { RequestMeta } from '../accounts/request-meta';
import { openVersionContent } from '../profiles/profile-content';
import { writeConsoleAudit } from './console-auth';
import { schoolInScope, type ConsoleActor } from './console-schools';

type Ctx = Pick<AppContext, 'db' | 'pii'>;

interface StudentRow {
  id: string;
  status: string;
  card_number: string | null;
  card_issued_at: Date | string | null;
  card_revoked_at: Date | string | null;
  card_revoked_reason: string | null;
  version_id: string | null;
  version_status: string | null;
  data: unknown;
  pii_cipher: string | null;
  submitted_at: Date | string | null;
  decided_at: Date | string | null;
  reviewer_role: string | null;
  reviewer_status: string | null;
  total: number;
}

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

async function classOf(ctx: Ctx, schoolId: string, classId: string) {
  const [klass] = rowsOf<{ id: string; grade: string; name: string }>(
    await ctx.db.execute(sql`select id, grade, name from classes where id = ${classId} and school_id = ${schoolId}`),
  );
  if (!klass) throw new AppError('NOT_FOUND');
  return { id: klass.id, gradeLabel: GRADE_LABELS[klass.grade as Grade] ?? klass.grade, name: klass.name };
}

async function studentRows(ctx: Ctx, classId: string, where: SQL | null, limit: number, offset: number): Promise<StudentRow[]> {
  return rowsOf<StudentRow>(
    await ctx.db.execute(sql`
      select st.id, st.status, st.card_number, st.card_issued_at, st.card_revoked_at, st.card_revoked_reason,
             v.id as version_id, v.status as version_status, v.data, v.pii_cipher, v.submitted_at, v.decided_at,
             r.role as reviewer_role, r.status as reviewer_status,
             count(*) over ()::int as total
        from students st
        left join profile_versions v on v.id = st.current_version_id
        left join accounts r on r.id = v.assigned_reviewer_id
       where st.class_id = ${classId} ${where ? sql`and ${where}` : sql``}
       order by st.created_at asc, st.id asc
       limit ${limit} offset ${offset}`),
  );
}

function presentStudent(ctx: Ctx, row: StudentRow): ClassStudent {
  let name: string | null = null;
  let residentId: string | null = null;
  if (row.pii_cipher && row.data) {
    const content = openVersionContent(ctx.pii, { data: row.data, piiCipher: row.pii_cipher });
    name = content.personal.name || null;
    residentId = content.personal.residentId || null;
  }
  const cardState = !row.card_number || !row.card_issued_at ? 'none' : row.card_revoked_at ? 'revoked' : 'valid';
  return {
    studentId: row.id,
    nameMasked: name ? maskName(name) : null,
    residentIdMasked: residentId ? maskResidentId(residentId) : null,
    status: row.status as ReviewState,
    statusLabel:
      row.status === 'pending_review'
        ? pendingReviewLabel({ role: row.reviewer_role, status: row.reviewer_status })
        : (REVIEW_STATE_LABELS[row.status as ReviewState] ?? row.status),
    cardNumber: row.card_number,
    cardState,
    cardRevokedReason: row.card_revoked_reason,
    waitingVersionId: row.version_id && (row.version_status === 'pending_review' || row.version_status === 'disputed') ? row.version_id : null,
    submittedAt: iso(row.submitted_at),
    decidedAt: iso(row.decided_at),
  };
}

export async function listClassStudents(
  ctx: Ctx,
  actor: ConsoleActor,
  input: { schoolId: string; classId: string },
  query: { page: number; pageSize: number; status?: ReviewState | undefined },
): Promise<ListClassStudentsResponse> {
  const school = await schoolInScope(ctx.db, actor, input.schoolId);
  const klass = await classOf(ctx, school.id, input.classId);
  const rows = await studentRows(ctx, klass.id, query.status ? sql`st.status = ${query.status}` : null, query.pageSize, (query.page - 1) * query.pageSize);
  return { class: klass, items: rows.map((r) => presentStudent(ctx, r)), page: query.page, pageSize: query.pageSize, total: Number(rows[0]?.total ?? 0) };
}

/** A class is far smaller; a class this big is a data error, not something to put in one sheet. */
export const MAX_EXPORT_ROWS = 5000;

export interface ExportedFile {
  fileName: string;
  body: Buffer;
  rows: number;
}

/** The class's status list (XLSX): masked names and ID numbers, the status and card of each student; audited. */
export async function exportClassXlsx(
  ctx: Ctx,
  actor: ConsoleActor,
  input: { schoolId: string; classId: string },
  meta: RequestMeta,
  now = new Date(),
): Promise<ExportedFile> {
  const school = await schoolInScope(ctx.db, actor, input.schoolId);
  const klass = await classOf(ctx, school.id, input.classId);
  const students = (await studentRows(ctx, klass.id, null, MAX_EXPORT_ROWS, 0)).map((r) => presentStudent(ctx, r));

  const { default: excel } = await import('exceljs');
  const workbook: ExcelJS.Workbook = new excel.Workbook();
  workbook.creator = '教育卡管理后台';
  workbook.created = now;
  const sheet = workbook.addWorksheet(`${klass.gradeLabel}${klass.name}`.slice(0, 31));
  const title = `${school.name} ${klass.gradeLabel}${klass.name} 学生认证状态`;
  sheet.addRow([title]).font = { bold: true, size: 14 };
  sheet.addRow([`导出时间：${formatChinaTime(now)}（北京时间）　共 ${students.length} 名学生　姓名、身份证号已脱敏`]);
  sheet.addRow([]);
  const header = sheet.addRow(['序号', '学生姓名', '身份证号', '认证状态', '教育卡号', '证卡状态', '撤销原因', '最近提交', '审核时间']);
  header.font = { bold: true };
  header.eachCell((c) => {
    c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE6F4FF' } };
  });
  students.forEach((s, i) => {
    sheet.addRow([
      i + 1,
      s.nameMasked ?? '（草稿）',
      s.residentIdMasked ?? '',
      s.statusLabel,
      s.cardNumber ?? '',
      CARD_STATE_LABELS[s.cardState],
      s.cardRevokedReason ?? '',
      s.submittedAt ? formatChinaTime(new Date(s.submittedAt)) : '',
      s.decidedAt ? formatChinaTime(new Date(s.decidedAt)) : '',
    ]);
  });
  [6, 12, 22, 14, 20, 10, 24, 20, 20].forEach((width, i) => {
    sheet.getColumn(i + 1).width = width;
  });
  const body = Buffer.from(await workbook.xlsx.writeBuffer());
  await writeConsoleAudit(ctx.db, meta, {
    action: 'console.class_exported',
    actor,
    subject: { type: 'class', id: klass.id },
    detail: { schoolId: school.id, rows: students.length, masked: true, format: 'xlsx' },
  });
  const day = formatChinaTime(now, true).replace(/[年月]/g, '-').replace('日', '');
  return { fileName: `${klass.gradeLabel}${klass.name}-认证状态-${day}.xlsx`, body, rows: students.length };
}

const DAY_MS = 24 * 3600 * 1000;
const CHINA_OFFSET_MS = 8 * 3600 * 1000;

/** YYYY-MM-DD of the Beijing day `daysAgo` days before `now`. */
function chinaDay(now: Date, daysAgo: number): string {
  return new Date(now.getTime() + CHINA_OFFSET_MS - daysAgo * DAY_MS).toISOString().slice(0, 10);
}

export async function schoolActivity(ctx: Pick<AppContext, 'db'>, actor: ConsoleActor, schoolId: string, days: number, now = new Date()): Promise<SchoolActivityResponse> {
  const school = await schoolInScope(ctx.db, actor, schoolId);
  const from = chinaDay(now, days - 1);
  // The school's class rows of the window (console_class_daily_stats_school_day_idx), summed per day.
  const rows = rowsOf<{
    day: string;
    submitted: number;
    auto_approved: number;
    approved: number;
    returned: number;
    lt1h: number;
    lt1d: number;
    lt3d: number;
    lt7d: number;
    ge7d: number;
    updated_at: Date | string | null;
  }>(
    await ctx.db.execute(sql`
      select to_char(day, 'YYYY-MM-DD') as day, sum(submitted)::int as submitted, sum(auto_approved)::int as auto_approved,
             sum(approved)::int as approved, sum(returned)::int as returned,
             sum(decided_lt1h)::int as lt1h, sum(decided_lt1d)::int as lt1d, sum(decided_lt3d)::int as lt3d,
             sum(decided_lt7d)::int as lt7d, sum(decided_ge7d)::int as ge7d, max(updated_at) as updated_at
        from console_class_daily_stats
       where school_id = ${school.id} and day >= ${from}::date
       group by day`),
  );
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const list = Array.from({ length: days }, (_, i) => chinaDay(now, days - 1 - i)).map((date) => {
    const r = byDay.get(date);
    return { date, submitted: r?.submitted ?? 0, autoApproved: r?.auto_approved ?? 0, approved: r?.approved ?? 0, returned: r?.returned ?? 0 };
  });
  const sum = (key: 'lt1h' | 'lt1d' | 'lt3d' | 'lt7d' | 'ge7d') => rows.reduce((n, r) => n + Number(r[key]), 0);
  const updated = rows
    .map((r) => r.updated_at)
    .filter((v): v is Date | string => v !== null)
    .map((v) => new Date(v).toISOString())
    .sort()
    .at(-1);
  return {
    days: list,
    decisionTime: DECISION_TIME_BUCKETS.map((bucket) => ({ bucket, label: DECISION_TIME_LABELS[bucket], count: sum(bucket) })),
    updatedAt: updated ?? null,
  };
}

/**
 * Waiting reviews (the student's latest version, pending or disputed) with no
 * active reviewer: a school without an active administrator whose class has no
 * active head teacher. The centre must act (appoint a school admin, or a head
 * teacher): grouped by school, the longest-waiting first.
 */
export async function strandedReviews(ctx: Pick<AppContext, 'db'>, actor: ConsoleActor): Promise<StrandedReviewsResponse> {
  if (actor.role !== 'operator') throw new AppError('FORBIDDEN');
  const rows = rowsOf<{ school_id: string; code: string; name: string; waiting: number; oldest: Date | string; admins: number }>(
    await ctx.db.execute(sql`
      select sc.id as school_id, sc.code, sc.name, count(*)::int as waiting, min(v.status_changed_at) as oldest,
             (select count(*)::int from accounts a where a.school_id = sc.id and a.role = 'school_admin' and a.status = 'active') as admins
        from profile_versions v
        join students st on st.id = v.student_id and st.current_version_id = v.id
        join schools sc on sc.id = v.school_id
        left join accounts r on r.id = v.assigned_reviewer_id
       where v.status in ('pending_review', 'disputed') and (r.id is null or r.status <> 'active')
       group by sc.id, sc.code, sc.name
       order by min(v.status_changed_at) asc
       limit 200`),
  );
  return {
    items: rows.map((r) => ({ schoolId: r.school_id, schoolCode: r.code, schoolName: r.name, waiting: Number(r.waiting), oldestSince: new Date(r.oldest).toISOString(), activeAdmins: Number(r.admins) })),
    total: rows.reduce((n, r) => n + Number(r.waiting), 0),
  };
}
