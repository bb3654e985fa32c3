/**
 * Test data builders. Every call creates its own rows with random unique
 * values (codes, names, ID numbers), so tests sharing the test database never
 * see each other's data; pass overrides for what a test is about.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { birthDateForAge, makeResidentId } from '../../domain/identity/resident-id.fixtures';
import { ProfileSubmissionSchema, type Grade } from '../../domain/profile/schemas';
import type { AppContext } from '../context';
import type { DbOrTx } from '../db/client';
import { accounts, classes, profileVersions, registryRecords, schools, students, type AccountRole } from '../db/schema';
import { writeOutbox } from '../outbox/outbox';
import { sealProfileSnapshot } from '../services/profiles/profile-snapshot';

export type School = typeof schools.$inferSelect;
export type Class = typeof classes.$inferSelect;
export type Account = typeof accounts.$inferSelect;
export type Student = typeof students.$inferSelect;
export type ProfileVersion = typeof profileVersions.$inferSelect;
export type RegistryRecord = typeof registryRecords.$inferSelect;

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '欧阳', '司马'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '磊', '洋', '艳', '勇', '军', '杰', '娟', '涛', '明', '超', '秀英', '子涵', '浩然'];

function pick<T>(list: readonly T[]): T {
  return list[randomInt(list.length)]!;
}

function hex(bytes = 4): string {
  return randomBytes(bytes).toString('hex');
}

function digits(n: number): string {
  let out = '';
  for (let i = 0; i < n; i += 1) out += String(randomInt(10));
  return out;
}

/** A random Chinese name of 2–4 characters. */
export function randomPersonName(): string {
  return pick(SURNAMES) + pick(GIVEN) + (randomInt(2) === 0 ? pick(GIVEN).slice(0, 1) : '');
}

/** A valid resident ID of a child aged 7–15, with a random area code and sequence. */
export function randomStudentResidentId(): string {
  return makeResidentId({
    province: '11',
    area: String(randomInt(100, 10_000)).padStart(4, '0'),
    birthDate: birthDateForAge(randomInt(7, 16), new Date(), -randomInt(0, 360)),
    sequence: randomInt(0, 1000),
  });
}

export async function buildSchool(db: DbOrTx, overrides: Partial<typeof schools.$inferInsert> = {}): Promise<School> {
  const [row] = await db
    .insert(schools)
    .values({ code: `9${digits(9)}`, name: `测试第${randomInt(1, 1000)}中学-${hex(2)}`, ...overrides })
    .returning();
  return row!;
}

export async function buildClass(
  db: DbOrTx,
  options: { schoolId: string } & Partial<typeof classes.$inferInsert>,
): Promise<Class> {
  const [row] = await db
    .insert(classes)
    .values({ grade: 'P4', name: `${randomInt(1, 1_000_000)}班`, ...options })
    .returning();
  return row!;
}

export async function buildAccount(
  db: DbOrTx,
  options: { role: AccountRole } & Partial<typeof accounts.$inferInsert>,
): Promise<Account> {
  const username = `t_${hex(6)}`;
  const [row] = await db
    .insert(accounts)
    .values({ username, usernameKey: username.toLowerCase(), displayName: randomPersonName(), status: 'active', ...options })
    .returning();
  return row!;
}

export interface BuildRegistryRecordOptions {
  residentId: string;
  name?: string;
  schoolCode: string;
  schoolName?: string;
  grade: string;
  className: string;
  /** 在籍 unless given. */
  registryStatus?: string;
  studentNumber?: string;
  /** 监护人 phones (and names) of the row, stored as the registry import stores them; none unless given. */
  guardianPhones?: string[];
}

/** 学籍号 as stored: encrypted, with a blind index (a G-number contains the resident ID). */
export function sealStudentNumber(ctx: Pick<AppContext, 'pii'>, studentNumber: string) {
  return {
    studentNumberCipher: ctx.pii.encrypt(studentNumber, 'registry_records.student_number'),
    studentNumberIndex: ctx.pii.blindIndex('student_number', studentNumber),
  };
}

/** A 学籍库 row; the ID and the 学籍号 are encrypted and indexed as the registry import does. */
export async function buildRegistryRecord(
  ctx: Pick<AppContext, 'db' | 'pii'>,
  options: BuildRegistryRecordOptions,
): Promise<RegistryRecord> {
  const [row] = await ctx.db
    .insert(registryRecords)
    .values({
      ...sealStudentNumber(ctx, options.studentNumber ?? `L${digits(18)}`),
      name: options.name ?? randomPersonName(),
      residentIdCipher: ctx.pii.encrypt(options.residentId, 'registry_records.resident_id'),
      residentIdIndex: ctx.pii.blindIndex('resident_id', options.residentId),
      schoolCode: options.schoolCode,
      schoolName: options.schoolName ?? '测试学校',
      grade: options.grade,
      className: options.className,
      registryStatus: options.registryStatus ?? '在籍',
      ...(options.guardianPhones && options.guardianPhones.length > 0
        ? {
            guardiansCipher: ctx.pii.encrypt(
              JSON.stringify(options.guardianPhones.map((phone) => ({ name: randomPersonName(), phone }))),
              'registry_records.guardians',
            ),
            guardianPhoneIndexes: [...new Set(options.guardianPhones)].map((phone) => ctx.pii.blindIndex('phone', phone)),
          }
        : {}),
    })
    .returning();
  return row!;
}

/** A mainland mobile number for tests. */
export function randomMobile(): string {
  return `139${digits(8)}`;
}

export interface BuildSubmittedVersionOptions {
  /** Built when absent. */
  school?: School;
  /** Built in `school` when absent (with `headTeacherId` when given). */
  klass?: Class;
  headTeacherId?: string | null;
  name?: string;
  residentId?: string;
  grade?: Grade;
  family?: Account;
  /** Write the registry-match outbox row in the same transaction (default true). */
  withOutbox?: boolean;
}

export interface BuiltSubmission {
  school: School;
  klass: Class;
  family: Account;
  student: Student;
  version: ProfileVersion;
  /** Null when withOutbox is false. */
  outboxId: number | null;
  /** Plaintext, for building the registry row and for assertions. */
  residentId: string;
  name: string;
  grade: Grade;
  /** The family account's verified phone (null: an account given without one). */
  familyPhone: string | null;
}

/**
 * A student with a profile version in status `submitted` (snapshot sealed the
 * way the submit use case seals it) and, in the same transaction, the outbox
 * row that asks for the registry match.
 */
export async function buildSubmittedVersion(
  ctx: Pick<AppContext, 'db' | 'pii'>,
  options: BuildSubmittedVersionOptions = {},
): Promise<BuiltSubmission> {
  const school = options.school ?? (await buildSchool(ctx.db));
  const klass =
    options.klass ??
    (await buildClass(ctx.db, {
      schoolId: school.id,
      ...(options.grade ? { grade: options.grade } : {}),
      headTeacherId: options.headTeacherId ?? null,
    }));
  // The family's verified phone (encrypted + blind index, as registration stores it): the guardian evidence that
  // registryRowFor puts into the registry row, so a matching row approves automatically as in production.
  const familyPhone = options.family
    ? options.family.phoneCipher
      ? ctx.pii.decrypt(options.family.phoneCipher, 'accounts.phone')
      : null
    : randomMobile();
  const family =
    options.family ??
    (await buildAccount(ctx.db, {
      role: 'parent',
      phoneCipher: ctx.pii.encrypt(familyPhone!, 'accounts.phone'),
      phoneIndex: ctx.pii.blindIndex('phone', familyPhone!),
    }));
  const grade = (options.grade ?? klass.grade) as Grade;
  const submission = ProfileSubmissionSchema.parse({
    personal: { name: options.name ?? randomPersonName(), residentId: options.residentId ?? randomStudentResidentId() },
    school: { schoolId: school.id, grade, classId: klass.id },
    guardians: [
      {
        name: randomPersonName(),
        relation: 'mother',
        residentId: makeResidentId({ birthDate: birthDateForAge(38), sequence: randomInt(0, 500) * 2 }),
        phone: `139${digits(8)}`,
        address: '北京市东城区测试路 1 号',
      },
    ],
    consent: { agreed: true, policyVersion: 'test-1', guardianIndex: 0 },
  });
  const sealed = sealProfileSnapshot(ctx.pii, submission);

  return ctx.db.transaction(async (tx) => {
    const [student] = await tx
      .insert(students)
      .values({ familyAccountId: family.id, classId: klass.id, status: 'submitted', residentIdIndex: sealed.residentIdIndex })
      .returning();
    const [version] = await tx
      .insert(profileVersions)
      .values({
        studentId: student!.id,
        version: 1,
        status: 'submitted',
        data: sealed.data,
        piiCipher: sealed.piiCipher,
        residentIdIndex: sealed.residentIdIndex,
        schoolId: school.id,
        classId: klass.id,
        grade,
        submittedBy: family.id,
      })
      .returning();
    const [current] = await tx
      .update(students)
      .set({ currentVersionId: version!.id })
      .where(eq(students.id, student!.id))
      .returning();
    const outboxId =
      options.withOutbox === false ? null : await writeOutbox(tx, 'registry-match', { profileVersionId: version!.id });
    return {
      school,
      klass,
      family,
      student: current!,
      version: version!,
      outboxId,
      residentId: submission.personal.residentId,
      name: submission.personal.name,
      grade,
      familyPhone,
    };
  });
}

/** The registry row that matches a built submission exactly; override fields to make it differ. */
export function registryRowFor(
  built: BuiltSubmission,
  overrides: Partial<BuildRegistryRecordOptions> = {},
): BuildRegistryRecordOptions {
  return {
    residentId: built.residentId,
    name: built.name,
    schoolCode: built.school.code,
    schoolName: built.school.name,
    grade: built.grade,
    className: built.klass.name,
    guardianPhones: built.familyPhone ? [built.familyPhone] : [],
    ...overrides,
  };
}
