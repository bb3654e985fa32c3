/**
 * Importing a teachers file (教师名单) into accounts, schools, classes and
 * teacher_classes, all or nothing.
 *
 * The story: read and validate every row (parse-teachers-file.ts); look for rows
 * that clash with the database (a phone of a family account, of a teacher of
 * another school, an ID number of another account); only when nothing at all is
 * wrong, in one transaction: upsert the schools by code, the classes by (school,
 * grade, name), the teachers by the blind index of their phone, replace each
 * listed teacher's classes and head-teacher class with the file's, and write one
 * audit row per created or updated teacher.
 *
 * The file is the truth for the teachers it lists, and only for them: a listed
 * teacher's classes become exactly the file's, a class they head and the file
 * does not give them loses its head teacher; teachers not in the file are left
 * alone (except that a class the file gives another head teacher changes hands).
 *
 * Nothing is written when nothing differs, so importing the same file twice
 * leaves the second run with 0 created, 0 updated, N unchanged and no audit rows.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { AccountRole } from '../../../domain/api/auth';
import type { AppContext } from '../../context';
import type { DbOrTx, Tx } from '../../db/client';
import { accounts, classes, schools, teacherClasses } from '../../db/schema';
import { writeAudit } from '../audit/audit';
import { classKey } from '../import/class-label';
import {
  type ParseTeachersFileOptions,
  type ParsedTeachersFile,
  type TeacherColumnKey,
  type TeacherFileError,
  type TeacherRow,
  TEACHER_COLUMNS,
  parseTeachersFile,
} from './parse-teachers-file';

export const TEACHER_IMPORTED_ACTION = 'teacher.imported';
/** PII contexts and blind-index kinds shared with sign-in and activation. */
export const PHONE_CONTEXT = 'accounts.phone';
export const RESIDENT_ID_CONTEXT = 'accounts.resident_id';

export type TeacherImportContext = Pick<AppContext, 'db' | 'pii'>;

export interface TeacherImportSummary {
  teachersCreated: number;
  teachersUpdated: number;
  teachersUnchanged: number;
  schoolsCreated: number;
  /** Existing schools whose name the file changed. */
  schoolsRenamed: number;
  classesCreated: number;
}

export type TeacherImportOutcome =
  | { ok: true; dryRun: boolean; summary: TeacherImportSummary }
  | { ok: false; errors: TeacherFileError[] };

export interface ImportTeachersOptions {
  /** Do everything, then roll back: the summary says what a real run would do. */
  dryRun?: boolean;
  /** The file name, kept in the audit detail (base name only). */
  source?: string;
  /** Headers as written in the file, for the column of database conflicts. */
  columnHeaders?: Partial<Record<TeacherColumnKey, string>>;
}

export type ChangedField = 'name' | 'school' | 'residentId' | 'classes' | 'headClass';

const ROLE_LABELS: Readonly<Record<AccountRole, string>> = {
  parent: '家长',
  student: '学生',
  teacher: '教师',
  school_admin: '学校管理员',
  operator: '管理中心',
};

/** Rows per multi-row INSERT, far below PostgreSQL's 65 535 parameters. */
const INSERT_CHUNK = 500;
/** Serialises imports: two files changing the same classes at once would race. */
const IMPORT_LOCK = sql`select pg_advisory_xact_lock(hashtext('educard.teacher-import'))`;

class DryRunRollback extends Error {
  constructor(readonly summary: TeacherImportSummary) {
    super('dry run: rolled back');
  }
}

function chunks<T>(list: readonly T[], size = INSERT_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

function headerOf(key: TeacherColumnKey, headers: ImportTeachersOptions['columnHeaders']): string {
  return headers?.[key] ?? TEACHER_COLUMNS.find((c) => c.key === key)!.header;
}

interface Indexed {
  row: TeacherRow;
  phoneIndex: string;
  residentIdIndex: string;
}

function indexRows(pii: AppContext['pii'], rows: readonly TeacherRow[]): Indexed[] {
  return rows.map((row) => ({
    row,
    phoneIndex: pii.blindIndex('phone', row.phone),
    residentIdIndex: pii.blindIndex('resident_id', row.residentId),
  }));
}

/**
 * Rows that clash with accounts already in the database: a phone of a
 * non-teacher account or of a teacher of another school, several teacher
 * accounts on one phone, an ID number that belongs to another account.
 */
export async function findTeacherConflicts(
  ctx: { db: DbOrTx; pii: AppContext['pii'] },
  rows: readonly TeacherRow[],
  headers?: ImportTeachersOptions['columnHeaders'],
): Promise<TeacherFileError[]> {
  return conflictsOf(ctx.db, indexRows(ctx.pii, rows), headers);
}

async function conflictsOf(
  db: DbOrTx,
  indexed: readonly Indexed[],
  headers: ImportTeachersOptions['columnHeaders'],
): Promise<TeacherFileError[]> {
  if (indexed.length === 0) return [];
  const columns = {
    id: accounts.id,
    role: accounts.role,
    phoneIndex: accounts.phoneIndex,
    residentIdIndex: accounts.residentIdIndex,
    schoolCode: schools.code,
    schoolName: schools.name,
  };
  const byPhone = new Map<string, Array<{ id: string; role: AccountRole; schoolCode: string | null; schoolName: string | null }>>();
  const byResidentId = new Map<string, Array<{ id: string; phoneIndex: string | null }>>();
  for (const part of chunks(indexed, 1000)) {
    const phoneRows = await db
      .select(columns)
      .from(accounts)
      .leftJoin(schools, eq(schools.id, accounts.schoolId))
      .where(inArray(accounts.phoneIndex, part.map((i) => i.phoneIndex)));
    for (const a of phoneRows) byPhone.set(a.phoneIndex!, [...(byPhone.get(a.phoneIndex!) ?? []), a]);
    const idRows = await db
      .select({ id: accounts.id, phoneIndex: accounts.phoneIndex, residentIdIndex: accounts.residentIdIndex })
      .from(accounts)
      .where(inArray(accounts.residentIdIndex, part.map((i) => i.residentIdIndex)));
    for (const a of idRows) byResidentId.set(a.residentIdIndex!, [...(byResidentId.get(a.residentIdIndex!) ?? []), a]);
  }

  const errors: TeacherFileError[] = [];
  for (const { row, phoneIndex, residentIdIndex } of indexed) {
    const holders = byPhone.get(phoneIndex) ?? [];
    const other = holders.find((a) => a.role !== 'teacher');
    const teachers = holders.filter((a) => a.role === 'teacher');
    const phoneColumn = headerOf('phone', headers);
    if (other) {
      errors.push({ row: row.row, column: phoneColumn, message: `该手机号已注册为${ROLE_LABELS[other.role]}账号，不能再导入为教师` });
    } else if (teachers.length > 1) {
      errors.push({ row: row.row, column: phoneColumn, message: '该手机号对应多个教师账号，请联系管理中心处理' });
    } else if (teachers[0]?.schoolCode && teachers[0].schoolCode !== row.schoolCode) {
      errors.push({
        row: row.row,
        column: phoneColumn,
        message: `该手机号已是其他学校（${teachers[0].schoolName ?? teachers[0].schoolCode}）的教师，调动请先由原学校解除`,
      });
    }
    const sameId = (byResidentId.get(residentIdIndex) ?? []).filter((a) => a.phoneIndex !== phoneIndex);
    if (sameId.length > 0) {
      errors.push({
        row: row.row,
        column: headerOf('residentId', headers),
        message: '该身份证号已属于另一个手机号的账号，如教师更换了手机号，请联系管理中心处理',
      });
    }
  }
  return errors.sort((a, b) => a.row - b.row);
}

interface ExistingTeacher {
  id: string;
  displayName: string | null;
  schoolId: string | null;
  residentIdIndex: string | null;
}

interface Plan {
  indexed: Indexed;
  schoolId: string;
  classIds: string[];
  headClassId: string | null;
  existing: ExistingTeacher | null;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return a.length === b.length && b.every((x) => set.has(x));
}

async function upsertSchools(tx: Tx, rows: readonly TeacherRow[]) {
  const wanted = new Map<string, string>();
  for (const row of rows) if (!wanted.has(row.schoolCode)) wanted.set(row.schoolCode, row.schoolName);
  const codes = [...wanted.keys()];
  const existing = await tx.select().from(schools).where(inArray(schools.code, codes));
  const idByCode = new Map(existing.map((s) => [s.code, s.id]));
  let renamed = 0;
  for (const school of existing) {
    const name = wanted.get(school.code)!;
    if (school.name === name) continue;
    await tx.update(schools).set({ name, updatedAt: new Date() }).where(eq(schools.id, school.id));
    renamed += 1;
  }
  const missing = codes.filter((code) => !idByCode.has(code));
  for (const part of chunks(missing)) {
    const created = await tx
      .insert(schools)
      .values(part.map((code) => ({ code, name: wanted.get(code)! })))
      .returning({ id: schools.id, code: schools.code });
    for (const s of created) idByCode.set(s.code, s.id);
  }
  return { idByCode, created: missing.length, renamed };
}

async function upsertClasses(tx: Tx, rows: readonly TeacherRow[], schoolIdByCode: ReadonlyMap<string, string>) {
  const key = (schoolId: string, grade: string, name: string) => `${schoolId}/${grade}/${name}`;
  const wanted = new Map<string, { schoolId: string; grade: string; name: string }>();
  for (const row of rows) {
    const schoolId = schoolIdByCode.get(row.schoolCode)!;
    for (const label of row.classes) wanted.set(key(schoolId, label.grade, label.name), { schoolId, ...label });
  }
  const schoolIds = [...new Set([...wanted.values()].map((c) => c.schoolId))];
  const idByKey = new Map<string, string>();
  if (schoolIds.length > 0) {
    const existing = await tx
      .select({ id: classes.id, schoolId: classes.schoolId, grade: classes.grade, name: classes.name })
      .from(classes)
      .where(inArray(classes.schoolId, schoolIds));
    for (const c of existing) idByKey.set(key(c.schoolId, c.grade, c.name), c.id);
  }
  const missing = [...wanted.entries()].filter(([k]) => !idByKey.has(k)).map(([, c]) => c);
  for (const part of chunks(missing)) {
    const created = await tx.insert(classes).values(part).returning();
    for (const c of created) idByKey.set(key(c.schoolId, c.grade, c.name), c.id);
  }
  const classIdOf = (schoolId: string, label: { grade: string; name: string }) => idByKey.get(key(schoolId, label.grade, label.name))!;
  return { classIdOf, created: missing.length };
}

/** The transactional part; the rows must already be valid and free of conflicts (checked again here). */
async function applyImport(
  ctx: TeacherImportContext,
  tx: Tx,
  rows: readonly TeacherRow[],
  options: ImportTeachersOptions,
): Promise<TeacherImportOutcome> {
  await tx.execute(IMPORT_LOCK);
  const indexed = indexRows(ctx.pii, rows);
  // Checked under the lock, so no other import can slip a clash in between.
  const conflicts = await conflictsOf(tx, indexed, options.columnHeaders);
  if (conflicts.length > 0) return { ok: false, errors: conflicts };

  const schoolResult = await upsertSchools(tx, rows);
  const classResult = await upsertClasses(tx, rows, schoolResult.idByCode);

  const existingByPhone = new Map<string, ExistingTeacher>();
  for (const part of chunks(indexed, 1000)) {
    const found = await tx
      .select({
        id: accounts.id,
        displayName: accounts.displayName,
        schoolId: accounts.schoolId,
        residentIdIndex: accounts.residentIdIndex,
        phoneIndex: accounts.phoneIndex,
      })
      .from(accounts)
      .where(and(eq(accounts.role, 'teacher'), inArray(accounts.phoneIndex, part.map((i) => i.phoneIndex))));
    for (const a of found) existingByPhone.set(a.phoneIndex!, a);
  }

  const plans: Plan[] = indexed.map((entry) => {
    const schoolId = schoolResult.idByCode.get(entry.row.schoolCode)!;
    return {
      indexed: entry,
      schoolId,
      classIds: entry.row.classes.map((label) => classResult.classIdOf(schoolId, label)),
      headClassId: entry.row.headClass ? classResult.classIdOf(schoolId, entry.row.headClass) : null,
      existing: existingByPhone.get(entry.phoneIndex) ?? null,
    };
  });

  // what the listed teachers have now
  const existingIds = plans.flatMap((p) => (p.existing ? [p.existing.id] : []));
  const taughtNow = new Map<string, string[]>();
  const headedNow = new Map<string, string[]>();
  const headOfClass = new Map<string, string | null>();
  for (const part of chunks(existingIds, 1000)) {
    for (const tc of await tx.select().from(teacherClasses).where(inArray(teacherClasses.teacherId, part))) {
      taughtNow.set(tc.teacherId, [...(taughtNow.get(tc.teacherId) ?? []), tc.classId]);
    }
    const headed = await tx
      .select({ id: classes.id, headTeacherId: classes.headTeacherId })
      .from(classes)
      .where(inArray(classes.headTeacherId, part));
    for (const c of headed) {
      headedNow.set(c.headTeacherId!, [...(headedNow.get(c.headTeacherId!) ?? []), c.id]);
      headOfClass.set(c.id, c.headTeacherId);
    }
  }
  const headClassIds = plans.flatMap((p) => (p.headClassId ? [p.headClassId] : []));
  for (const part of chunks(headClassIds, 1000)) {
    const current = await tx.select({ id: classes.id, headTeacherId: classes.headTeacherId }).from(classes).where(inArray(classes.id, part));
    for (const c of current) headOfClass.set(c.id, c.headTeacherId);
  }

  // create the new teachers
  const created = plans.filter((p) => !p.existing);
  const idOf = new Map<Plan, string>();
  for (const part of chunks(created)) {
    const inserted = await tx
      .insert(accounts)
      .values(
        part.map(({ indexed: { row, phoneIndex, residentIdIndex }, schoolId }) => ({
          role: 'teacher' as const,
          status: 'pending_activation' as const,
          displayName: row.name,
          phoneCipher: ctx.pii.encrypt(row.phone, PHONE_CONTEXT),
          phoneIndex,
          residentIdCipher: ctx.pii.encrypt(row.residentId, RESIDENT_ID_CONTEXT),
          residentIdIndex,
          schoolId,
        })),
      )
      .returning({ id: accounts.id, phoneIndex: accounts.phoneIndex });
    const byPhone = new Map(inserted.map((a) => [a.phoneIndex!, a.id]));
    for (const plan of part) idOf.set(plan, byPhone.get(plan.indexed.phoneIndex)!);
  }

  // update the existing ones, field by field, only where something differs
  const changesOf = new Map<Plan, ChangedField[]>();
  for (const plan of plans) {
    const { existing } = plan;
    if (!existing) continue;
    idOf.set(plan, existing.id);
    const { row, residentIdIndex } = plan.indexed;
    const changes: ChangedField[] = [];
    const set: Partial<typeof accounts.$inferInsert> = {};
    if (existing.displayName !== row.name) {
      changes.push('name');
      set.displayName = row.name;
    }
    if (existing.schoolId !== plan.schoolId) {
      changes.push('school');
      set.schoolId = plan.schoolId;
    }
    if (existing.residentIdIndex !== residentIdIndex) {
      changes.push('residentId');
      set.residentIdIndex = residentIdIndex;
      set.residentIdCipher = ctx.pii.encrypt(row.residentId, RESIDENT_ID_CONTEXT);
    }
    if (changes.length > 0) {
      await tx.update(accounts).set({ ...set, updatedAt: new Date() }).where(eq(accounts.id, existing.id));
    }
    if (!sameSet(taughtNow.get(existing.id) ?? [], plan.classIds)) changes.push('classes');
    if (!sameSet(headedNow.get(existing.id) ?? [], plan.headClassId ? [plan.headClassId] : [])) changes.push('headClass');
    changesOf.set(plan, changes);
  }

  // teacher_classes: exactly the file's set for every listed teacher
  const toInsert: Array<{ teacherId: string; classId: string }> = [];
  for (const plan of plans) {
    const teacherId = idOf.get(plan)!;
    const now = taughtNow.get(teacherId) ?? [];
    const removed = now.filter((id) => !plan.classIds.includes(id));
    if (removed.length > 0) {
      await tx
        .delete(teacherClasses)
        .where(and(eq(teacherClasses.teacherId, teacherId), inArray(teacherClasses.classId, removed)));
    }
    for (const classId of plan.classIds) if (!now.includes(classId)) toInsert.push({ teacherId, classId });
  }
  for (const part of chunks(toInsert)) await tx.insert(teacherClasses).values(part);

  // head teachers: the file's class for each listed teacher; classes they lose have none
  const desiredHead = new Map<string, string>();
  for (const plan of plans) if (plan.headClassId) desiredHead.set(plan.headClassId, idOf.get(plan)!);
  const replaced = new Map<string, string>();
  const listed = new Set(idOf.values());
  const newHeads: Array<[string, string]> = [];
  for (const [classId, teacherId] of desiredHead) {
    const current = headOfClass.get(classId) ?? null;
    if (current === teacherId) continue;
    if (current && !listed.has(current)) replaced.set(teacherId, current);
    newHeads.push([classId, teacherId]);
  }
  for (const part of chunks(newHeads)) {
    const values = sql.join(
      part.map(([classId, teacherId]) => sql`(${classId}::uuid, ${teacherId}::uuid)`),
      sql`, `,
    );
    await tx.execute(sql`
      update ${classes} set head_teacher_id = v.teacher_id, updated_at = now()
      from (values ${values}) as v(class_id, teacher_id)
      where ${classes.id} = v.class_id`);
  }
  for (const [teacherId, classIds] of headedNow) {
    const dropped = classIds.filter((classId) => !desiredHead.has(classId));
    if (dropped.length === 0) continue;
    await tx
      .update(classes)
      .set({ headTeacherId: null, updatedAt: new Date() })
      .where(and(inArray(classes.id, dropped), eq(classes.headTeacherId, teacherId)));
  }

  // one audit row per created or updated teacher; no names, phones or ID numbers
  const importId = randomUUID();
  const source = options.source ? path.basename(options.source) : null;
  const audits = plans.flatMap((plan) => {
    const changes = changesOf.get(plan);
    if (plan.existing && changes?.length === 0) return [];
    const teacherId = idOf.get(plan)!;
    const { row } = plan.indexed;
    return [
      {
        actor: null,
        action: TEACHER_IMPORTED_ACTION,
        subject: { type: 'account', id: teacherId },
        detail: {
          importId,
          source,
          row: row.row,
          outcome: plan.existing ? 'updated' : 'created',
          ...(plan.existing ? { changes } : {}),
          schoolCode: row.schoolCode,
          classes: row.classes.map(classKey),
          headClass: row.headClass ? classKey(row.headClass) : null,
          ...(replaced.has(teacherId) ? { replacedHeadTeacherId: replaced.get(teacherId) } : {}),
        },
      },
    ];
  });
  for (const part of chunks(audits)) await writeAudit(tx, part);

  const updated = plans.filter((p) => p.existing && (changesOf.get(p)?.length ?? 0) > 0).length;
  return {
    ok: true,
    dryRun: Boolean(options.dryRun),
    summary: {
      teachersCreated: created.length,
      teachersUpdated: updated,
      teachersUnchanged: plans.length - created.length - updated,
      schoolsCreated: schoolResult.created,
      schoolsRenamed: schoolResult.renamed,
      classesCreated: classResult.created,
    },
  };
}

/**
 * Imports valid rows in one transaction. When a row clashes with the database
 * nothing is written and the clashes are returned; with `dryRun` everything is
 * done and rolled back.
 */
export async function importTeachers(
  ctx: TeacherImportContext,
  rows: readonly TeacherRow[],
  options: ImportTeachersOptions = {},
): Promise<TeacherImportOutcome> {
  try {
    return await ctx.db.transaction(async (tx) => {
      const outcome = await applyImport(ctx, tx, rows, options);
      if (!outcome.ok) return outcome; // nothing was written before the conflict check
      if (options.dryRun) throw new DryRunRollback(outcome.summary);
      return outcome;
    });
  } catch (err) {
    if (err instanceof DryRunRollback) return { ok: true, dryRun: true, summary: err.summary };
    throw err;
  }
}

export interface TeacherFileImport {
  parsed: ParsedTeachersFile;
  outcome: TeacherImportOutcome;
}

/**
 * The whole use case: read the file, and import it only when no row has a
 * problem. When the file itself has problems, its valid rows are still checked
 * against the database, so one report lists everything to fix.
 */
export async function importTeachersFile(
  ctx: TeacherImportContext,
  source: AsyncIterable<Uint8Array | string>,
  options: ImportTeachersOptions & ParseTeachersFileOptions = {},
): Promise<TeacherFileImport> {
  const parsed = await parseTeachersFile(source, options.now ? { now: options.now } : {});
  const columnHeaders = { ...parsed.columnHeaders, ...options.columnHeaders };
  if (parsed.errors.length > 0) {
    const conflicts = await findTeacherConflicts(ctx, parsed.rows, columnHeaders);
    const errors = [...parsed.errors, ...conflicts].sort((a, b) => a.row - b.row);
    return { parsed, outcome: { ok: false, errors } };
  }
  const outcome = await importTeachers(ctx, parsed.rows, { ...options, columnHeaders });
  return { parsed, outcome };
}
