/**
 * The console's teachers page: add one teacher, import a teachers file by
 * upload, disable a teacher, re-send the activation SMS.
 *
 * One set of rules: a teacher added by hand is a one-row teachers file, and an
 * upload is read by the same parser and imported by the same all-or-nothing
 * import as `npm run teachers:import` (server/services/teacher-import). The
 * console adds only its scope: every row must name the caller's school (code
 * and name as the centre registered it), so a school admin can neither create
 * nor rename another school. A dry run (the validation report) writes nothing;
 * the real import checks everything again under the import's lock.
 *
 * A disabled teacher's sessions end at once, the classes they head are flagged
 * (no active head teacher) and their waiting reviews go to the school admin.
 */
import { sql } from 'drizzle-orm';
import type { AddTeacherRequest, TeacherImportResponse } from '../../../domain/api/console-school';
import type { ConsoleTeacher } from '../../../domain/api/console';
import { AppError } from '../../../domain/errors';
import { maskPhone } from '../../../domain/masking';
import type { AppContext } from '../../context';
import { rowsOf } from '../../db/client';
import { phoneOf } from '../accounts/account-view';
import type { RequestMeta } from '../accounts/request-meta';
import { revokeAllSessions } from '../accounts/sessions';
import { writeNotification } from '../notifications/notifications';
import { classesHeadedBy, reassignWaitingReviews } from '../reviews/reassign';
import { findTeacherConflicts, importTeachers } from '../teacher-import/import-teachers';
import { parseTeachersFile, TEACHER_COLUMNS, type TeacherColumnKey, type TeacherFileError } from '../teacher-import/parse-teachers-file';
import { writeConsoleAudit } from './console-auth';
import { schoolInScope, type ConsoleActor, type ScopedSchool } from './console-schools';

type Ctx = Pick<AppContext, 'db' | 'pii'>;

interface ScopedImport {
  response: TeacherImportResponse;
  /** Phones of the file's rows (only for the single add: to find the teacher afterwards). */
  phones: string[];
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/** Read, check against the school and the database, and (unless a dry run or anything is wrong) import. */
async function importForSchool(
  ctx: Ctx,
  actor: ConsoleActor,
  school: ScopedSchool,
  bytes: Uint8Array,
  options: { dryRun: boolean; fileName: string; /** Adding one: the phone must be new to this school's teachers. */ newTeachersOnly?: boolean },
): Promise<ScopedImport> {
  const parsed = await parseTeachersFile(once(bytes));
  const headerOf = (key: TeacherColumnKey) => parsed.columnHeaders[key] ?? TEACHER_COLUMNS.find((c) => c.key === key)!.header;
  const scope: TeacherFileError[] = [];
  for (const row of parsed.rows) {
    if (row.schoolCode !== school.code) {
      scope.push({ row: row.row, column: headerOf('schoolCode'), message: `只能导入本校的教师（本校学校标识码为 ${school.code}）` });
    } else if (row.schoolName !== school.name) {
      scope.push({ row: row.row, column: headerOf('schoolName'), message: `学校名称与本校登记的名称不一致（应为“${school.name}”）` });
    }
  }
  if (options.newTeachersOnly && parsed.rows.length > 0) {
    const taken = new Set(
      rowsOf<{ phone_index: string }>(
        await ctx.db.execute(sql`
          select phone_index from accounts
           where role = 'teacher' and school_id = ${school.id}
             and phone_index = any(${`{${parsed.rows.map((r) => ctx.pii.blindIndex('phone', r.phone)).join(',')}}`}::text[])`),
      ).map((r) => r.phone_index),
    );
    for (const row of parsed.rows) {
      if (taken.has(ctx.pii.blindIndex('phone', row.phone))) {
        scope.push({ row: row.row, column: headerOf('phone'), message: '该手机号已是本校教师，如需调整任教班级请导入教师名单' });
      }
    }
  }
  const base = { dataRows: parsed.dataRows, encoding: parsed.encoding, dryRun: options.dryRun };
  const phones = parsed.rows.map((r) => r.phone);
  let problems: TeacherFileError[] = [...parsed.errors, ...scope];
  if (problems.length > 0) {
    const inScope = parsed.rows.filter((r) => r.schoolCode === school.code);
    problems = [...problems, ...(await findTeacherConflicts(ctx, inScope, parsed.columnHeaders))];
    return { response: { ...base, ok: false, problems: sortProblems(problems), summary: null }, phones };
  }
  const outcome = await importTeachers(ctx, parsed.rows, {
    dryRun: options.dryRun,
    source: options.fileName,
    columnHeaders: parsed.columnHeaders,
    actor: { id: actor.id, role: actor.role },
  });
  if (!outcome.ok) return { response: { ...base, ok: false, problems: sortProblems(outcome.errors), summary: null }, phones };
  const { teachersCreated, teachersUpdated, teachersUnchanged, classesCreated } = outcome.summary;
  return { response: { ...base, ok: true, problems: [], summary: { teachersCreated, teachersUpdated, teachersUnchanged, classesCreated } }, phones };
}

function sortProblems(problems: TeacherFileError[]): TeacherFileError[] {
  return [...problems].sort((a, b) => a.row - b.row || a.column.localeCompare(b.column));
}

export async function importTeachersUpload(
  ctx: Ctx,
  actor: ConsoleActor,
  schoolId: string,
  input: { fileName: string; contentBase64: string; dryRun: boolean },
  meta: RequestMeta,
): Promise<TeacherImportResponse> {
  const school = await schoolInScope(ctx.db, actor, schoolId);
  const bytes = Buffer.from(input.contentBase64, 'base64');
  if (bytes.length === 0) throw new AppError('VALIDATION_FAILED', { fields: { 'body.contentBase64': '文件是空的' } });
  const { response } = await importForSchool(ctx, actor, school, bytes, { dryRun: input.dryRun, fileName: input.fileName });
  if (!input.dryRun) {
    await writeConsoleAudit(ctx.db, meta, {
      action: 'console.teachers_imported',
      actor,
      subject: { type: 'school', id: school.id },
      // Counts and row numbers only: no names, phones or ID numbers.
      detail: { dataRows: response.dataRows, ok: response.ok, problems: response.problems.length, ...(response.summary ?? {}) },
      success: response.ok,
    });
  }
  return response;
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The request's field of a teachers-file column (the one-row file of an added teacher). */
const FIELD_OF: Partial<Record<string, keyof AddTeacherRequest>> = Object.fromEntries(
  TEACHER_COLUMNS.flatMap((c) => {
    const field = ({ name: 'name', phone: 'phone', residentId: 'residentId', classes: 'classes', headClass: 'headClass' } as const)[c.key as 'name'];
    return field ? [[c.header, field]] : [];
  }),
);

export async function addTeacher(
  ctx: Ctx,
  actor: ConsoleActor,
  schoolId: string,
  input: AddTeacherRequest,
  meta: RequestMeta,
): Promise<{ teacher: ConsoleTeacher; summary: NonNullable<TeacherImportResponse['summary']> }> {
  const school = await schoolInScope(ctx.db, actor, schoolId);
  const header = TEACHER_COLUMNS.map((c) => c.header);
  const values: Record<TeacherColumnKey, string> = {
    name: input.name,
    phone: input.phone,
    residentId: input.residentId,
    schoolCode: school.code,
    schoolName: school.name,
    classes: input.classes,
    headClass: input.headClass ?? '',
  };
  const file = `${header.join(',')}\r\n${TEACHER_COLUMNS.map((c) => csvCell(values[c.key])).join(',')}\r\n`;
  const { response, phones } = await importForSchool(ctx, actor, school, new TextEncoder().encode(file), { dryRun: false, fileName: 'console-add', newTeachersOnly: true });
  if (!response.ok || !response.summary) {
    const fields: Record<string, string> = {};
    for (const p of response.problems) {
      const key = `body.${FIELD_OF[p.column] ?? 'name'}`;
      fields[key] ??= p.message;
    }
    throw new AppError('VALIDATION_FAILED', { fields });
  }
  const [row] = rowsOf<{ id: string; display_name: string | null; username: string | null; status: ConsoleTeacher['status']; phone_cipher: string | null }>(
    await ctx.db.execute(sql`
      select id, display_name, username, status, phone_cipher from accounts
       where phone_index = ${ctx.pii.blindIndex('phone', phones[0]!)} and role = 'teacher' and school_id = ${school.id}`),
  );
  await writeConsoleAudit(ctx.db, meta, { action: 'console.teacher_added', actor, subject: { type: 'account', id: row!.id }, detail: { schoolId: school.id } });
  return { teacher: presentTeacher(ctx, row!), summary: response.summary };
}

function presentTeacher(ctx: Pick<AppContext, 'pii'>, row: { id: string; display_name: string | null; username: string | null; status: ConsoleTeacher['status']; phone_cipher: string | null }): ConsoleTeacher {
  const phone = row.phone_cipher ? phoneOf(ctx, { phoneCipher: row.phone_cipher }) : null;
  return { id: row.id, displayName: row.display_name, username: row.username, status: row.status, phoneMasked: phone ? maskPhone(phone) : null };
}

type TeacherRowOf = { id: string; display_name: string | null; username: string | null; status: ConsoleTeacher['status']; phone_cipher: string | null };

export async function disableTeacher(
  ctx: Ctx,
  actor: ConsoleActor,
  input: { schoolId: string; teacherId: string },
  meta: RequestMeta,
): Promise<{ teacher: ConsoleTeacher; movedReviews: number }> {
  const school = await schoolInScope(ctx.db, actor, input.schoolId);
  return ctx.db.transaction(async (tx) => {
    const [teacher] = rowsOf<TeacherRowOf>(
      await tx.execute(sql`
        select id, display_name, username, status, phone_cipher from accounts
         where id = ${input.teacherId} and school_id = ${school.id} and role = 'teacher'
         for update`),
    );
    if (!teacher) throw new AppError('NOT_FOUND');
    if (teacher.status === 'disabled') return { teacher: presentTeacher(ctx, teacher), movedReviews: 0 };
    await tx.execute(sql`update accounts set status = 'disabled', updated_at = now() where id = ${teacher.id}`);
    await revokeAllSessions(tx, teacher.id);
    const moved = await reassignWaitingReviews(tx, await classesHeadedBy(tx, teacher.id));
    await writeConsoleAudit(tx, meta, {
      action: 'console.teacher_disabled',
      actor,
      subject: { type: 'account', id: teacher.id },
      detail: { schoolId: school.id, previousStatus: teacher.status, movedReviews: moved.length },
    });
    return { teacher: presentTeacher(ctx, { ...teacher, status: 'disabled' }), movedReviews: moved.length };
  });
}

/** One invitation per teacher per this many minutes: the button cannot be turned into an SMS flood. */
export const INVITATION_INTERVAL_MINUTES = 10;

export async function resendActivationSms(
  ctx: Ctx,
  actor: ConsoleActor,
  input: { schoolId: string; teacherId: string },
  meta: RequestMeta,
  now = new Date(),
): Promise<{ phoneMasked: string }> {
  const school = await schoolInScope(ctx.db, actor, input.schoolId);
  const [teacher] = rowsOf<TeacherRowOf>(
    await ctx.db.execute(sql`
      select id, display_name, username, status, phone_cipher from accounts
       where id = ${input.teacherId} and school_id = ${school.id} and role = 'teacher'`),
  );
  if (!teacher) throw new AppError('NOT_FOUND');
  if (teacher.status !== 'pending_activation' || !teacher.phone_cipher) {
    throw new AppError('CONFLICT', { message: teacher.status === 'active' ? '该教师已激活，无需再发送激活短信' : '该教师账号已停用' });
  }
  const phoneCipher: string = teacher.phone_cipher;
  const slot = Math.floor(now.getTime() / (INVITATION_INTERVAL_MINUTES * 60_000));
  await ctx.db.transaction(async (tx) => {
    const written = await writeNotification(tx, {
      accountId: teacher.id,
      kind: 'staff.invitation',
      dedupKey: `staff.invitation:${teacher.id}:${slot}`,
      data: { schoolName: school.name },
      pagePath: null,
    });
    if (!written) throw new AppError('RATE_LIMITED', { message: `激活短信刚刚发送过，请 ${INVITATION_INTERVAL_MINUTES} 分钟后再试` });
    await writeConsoleAudit(tx, meta, { action: 'console.activation_sms_sent', actor, subject: { type: 'account', id: teacher.id }, detail: { schoolId: school.id } });
  });
  return { phoneMasked: maskPhone(phoneOf(ctx, { phoneCipher }) ?? '') };
}
