/**
 * Demo data for a newcomer (`npm run demo:seed`, and `npm start` on an empty
 * database): the school 示范小学 (3201990001) with 三年级1班–3班 and 四年级1班,
 * its registry of 300 students (demo-registry.ts), a head teacher of 三年级2班
 * (`demo_teacher`) and a school administrator (`demo_admin`).
 *
 * Idempotent: the registry goes through the registry import (a dry run first:
 * when it would change nothing, nothing is imported and no batch is recorded);
 * an account whose username exists is left exactly as it is. So a second run
 * changes nothing.
 *
 * Passwords are generated at seed time (crypto random), hashed with argon2id
 * and returned once in the result for printing; they are never stored in
 * plaintext nor committed anywhere. A later run cannot show them again (the
 * demo accounts can reset their password by SMS through the development inbox).
 *
 * Refuses to run with NODE_ENV=production.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { Readable } from 'node:stream';
import { and, eq, inArray } from 'drizzle-orm';
import { usernameKey, validatePassword } from '../../../domain/account/credentials';
import { maskPhone } from '../../../domain/masking';
import { GRADE_LABELS } from '../../../domain/profile/schemas';
import type { AccountRole } from '../../../domain/api/auth';
import type { AppContext } from '../../context';
import { accounts, classes, schools, teacherClasses } from '../../db/schema';
import { hashPassword } from '../../security/passwords';
import { importRegistryFile } from '../registry-import/import-registry';
import { ACCOUNT_PHONE_CONTEXT, phoneIndexOf } from '../accounts/account-view';
import {
  DEMO_CLASSES,
  DEMO_HEAD_CLASS,
  DEMO_SCHOOL,
  demoClassLabel,
  demoRegistryCsv,
  generateDemoRegistry,
  type DemoStudent,
} from './demo-registry';
import { writeAudit } from '../audit/audit';

export type DemoSeedContext = Pick<AppContext, 'db' | 'pii' | 'config'>;

export const DEMO_TEACHER_USERNAME = 'demo_teacher';
export const DEMO_ADMIN_USERNAME = 'demo_admin';
/** The card centre's demo operator (the console at /console; no school). */
export const DEMO_OPERATOR_USERNAME = 'demo_operator';

export class DemoSeedRefused extends Error {
  constructor() {
    super('demo data is never seeded with NODE_ENV=production');
    this.name = 'DemoSeedRefused';
  }
}

export interface DemoAccountResult {
  role: Extract<AccountRole, 'teacher' | 'school_admin' | 'operator'>;
  username: string;
  displayName: string | null;
  phoneMasked: string | null;
  /** The generated password, only when the account was created by this run. */
  password: string | null;
  created: boolean;
}

export interface DemoExample {
  name: string;
  residentId: string;
  schoolName: string;
  schoolCode: string;
  /** 三年级 */
  gradeLabel: string;
  /** 2班 */
  className: string;
  registryStatus: string;
  /** The registry's guardian phone: register the family account with it, and the submission is approved at once. */
  guardianPhone: string;
}

export interface DemoSeedResult {
  schoolId: string;
  registry: { inserted: number; updated: number; unchanged: number; transient: number; imported: boolean };
  classesCreated: number;
  accounts: DemoAccountResult[];
  /** Submissions of these (exactly as printed) are approved by the registry match. */
  matchExamples: DemoExample[];
  /** A 借读 student: the match sends the submission to the head teacher. */
  reviewExample: DemoExample;
}

function example(row: DemoStudent): DemoExample {
  return {
    name: row.name,
    residentId: row.residentId,
    schoolName: DEMO_SCHOOL.name,
    schoolCode: DEMO_SCHOOL.code,
    gradeLabel: GRADE_LABELS[row.grade],
    className: row.className,
    registryStatus: row.registryStatus,
    guardianPhone: row.guardianPhone,
  };
}

/** A random password that passes the account rules (letters, digits, a symbol; 14 characters). */
export function generateDemoPassword(username: string): string {
  for (;;) {
    const password = `${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}-${randomInt(10, 100)}`;
    if (/[A-Za-z]/.test(password) && validatePassword(password, { username }) === null) return password;
  }
}

/** A random phone in the 170 range that no account uses yet. */
async function unusedDemoPhone(ctx: DemoSeedContext): Promise<string> {
  for (;;) {
    const phone = `170${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
    const [taken] = await ctx.db
      .select({ id: accounts.id })
      .from(accounts)
      .where(eq(accounts.phoneIndex, phoneIndexOf(ctx, phone)));
    if (!taken) return phone;
  }
}

async function ensureAccount(
  ctx: DemoSeedContext,
  spec: { role: 'teacher' | 'school_admin' | 'operator'; username: string; displayName: string; schoolId: string | null; headClassId?: string },
): Promise<DemoAccountResult> {
  const key = usernameKey(spec.username);
  const [existing] = await ctx.db
    .select({ id: accounts.id, displayName: accounts.displayName, phoneCipher: accounts.phoneCipher })
    .from(accounts)
    .where(eq(accounts.usernameKey, key));
  if (existing) {
    let phoneMasked: string | null = null;
    try {
      phoneMasked = existing.phoneCipher ? maskPhone(ctx.pii.decrypt(existing.phoneCipher, ACCOUNT_PHONE_CONTEXT)) : null;
    } catch {
      phoneMasked = null;
    }
    return { role: spec.role, username: spec.username, displayName: existing.displayName, phoneMasked, password: null, created: false };
  }

  const password = generateDemoPassword(spec.username);
  const phone = await unusedDemoPhone(ctx);
  const passwordHash = await hashPassword(password);
  await ctx.db.transaction(async (tx) => {
    const [account] = await tx
      .insert(accounts)
      .values({
        role: spec.role,
        status: 'active',
        username: spec.username,
        usernameKey: key,
        passwordHash,
        displayName: spec.displayName,
        phoneCipher: ctx.pii.encrypt(phone, ACCOUNT_PHONE_CONTEXT),
        phoneIndex: phoneIndexOf(ctx, phone),
        schoolId: spec.schoolId,
      })
      .returning({ id: accounts.id });
    if (spec.headClassId) {
      await tx.insert(teacherClasses).values({ teacherId: account!.id, classId: spec.headClassId }).onConflictDoNothing();
      await tx.update(classes).set({ headTeacherId: account!.id, updatedAt: new Date() }).where(eq(classes.id, spec.headClassId));
    }
    await writeAudit(tx, {
      actor: 'system',
      action: 'account.demo_seeded',
      subject: { type: 'account', id: account!.id },
      detail: { role: spec.role, username: spec.username, schoolCode: DEMO_SCHOOL.code },
    });
  });
  return { role: spec.role, username: spec.username, displayName: spec.displayName, phoneMasked: maskPhone(phone), password, created: true };
}

/** Seed the demo data; see the module comment. */
export async function seedDemo(ctx: DemoSeedContext, options: { now?: Date } = {}): Promise<DemoSeedResult> {
  if (ctx.config.NODE_ENV === 'production') throw new DemoSeedRefused();
  const now = options.now ?? new Date();
  const rows = generateDemoRegistry(now);
  const csv = demoRegistryCsv(rows);

  // The registry (and with it the school and the classes) through the registry import; a dry run first.
  const importOptions = { fileName: 'demo-seed-registry.csv', importedBy: 'demo-seed', now };
  const dry = await importRegistryFile(ctx, Readable.from([Buffer.from(csv, 'utf8')]), { ...importOptions, dryRun: true });
  if (dry.rowsRejected > 0) throw new Error(`demo registry has invalid rows: ${JSON.stringify(dry.problems.slice(0, 3))}`);
  const needsImport = dry.inserted + dry.updated + dry.schoolsCreated + dry.schoolsRenamed + dry.classesCreated > 0;
  const run = needsImport ? await importRegistryFile(ctx, Readable.from([Buffer.from(csv, 'utf8')]), importOptions) : dry;

  const [school] = await ctx.db.select({ id: schools.id }).from(schools).where(eq(schools.code, DEMO_SCHOOL.code));
  if (!school) throw new Error(`demo school ${DEMO_SCHOOL.code} missing after the registry import`);
  const classRows = await ctx.db
    .select({ id: classes.id, grade: classes.grade, name: classes.name })
    .from(classes)
    .where(and(eq(classes.schoolId, school.id), inArray(classes.grade, [...new Set(DEMO_CLASSES.map((c) => c.grade))])));
  const headClass = classRows.find((c) => c.grade === DEMO_HEAD_CLASS.grade && c.name === DEMO_HEAD_CLASS.name);
  if (!headClass) throw new Error(`demo class ${demoClassLabel(DEMO_HEAD_CLASS)} missing after the registry import`);

  const teacher = await ensureAccount(ctx, {
    role: 'teacher',
    username: DEMO_TEACHER_USERNAME,
    displayName: '李老师',
    schoolId: school.id,
    headClassId: headClass.id,
  });
  const admin = await ensureAccount(ctx, {
    role: 'school_admin',
    username: DEMO_ADMIN_USERNAME,
    displayName: '示范小学管理员',
    schoolId: school.id,
  });
  const operator = await ensureAccount(ctx, {
    role: 'operator',
    username: DEMO_OPERATOR_USERNAME,
    displayName: '教育卡管理中心（示范）',
    schoolId: null,
  });

  const inHeadClass = rows.filter((r) => r.grade === DEMO_HEAD_CLASS.grade && r.className === DEMO_HEAD_CLASS.name);
  const matchExamples = inHeadClass.filter((r) => r.registryStatus === '在籍').slice(0, 3).map(example);
  const transient = inHeadClass.find((r) => r.registryStatus !== '在籍');
  if (!transient || matchExamples.length < 3) throw new Error('demo registry lacks examples in the head class');

  return {
    schoolId: school.id,
    registry: {
      inserted: run.inserted,
      updated: run.updated,
      unchanged: run.unchanged,
      transient: rows.filter((r) => r.registryStatus !== '在籍').length,
      imported: needsImport,
    },
    classesCreated: run.classesCreated,
    accounts: [teacher, admin, operator],
    matchExamples,
    reviewExample: example(transient),
  };
}

/** The summary a person reads after seeding (Chinese, like the app). */
export function formatDemoSeedSummary(result: DemoSeedResult): string {
  const lines: string[] = [];
  const r = result.registry;
  lines.push(
    `示范数据：${DEMO_SCHOOL.name}（学校标识码 ${DEMO_SCHOOL.code}），班级 ${DEMO_CLASSES.map(demoClassLabel).join('、')}`,
    r.imported
      ? `学籍库：新增 ${r.inserted} 人，更新 ${r.updated} 人，未变 ${r.unchanged} 人（其中借读 ${r.transient} 人）`
      : `学籍库：已是最新（${r.unchanged} 人，其中借读 ${r.transient} 人），本次未写入`,
    '',
    '账号：',
  );
  for (const a of result.accounts) {
    const role = a.role === 'teacher' ? `班主任（${demoClassLabel(DEMO_HEAD_CLASS)}）` : a.role === 'school_admin' ? '学校管理员' : '教育卡管理中心';
    const phone = a.phoneMasked ? `，手机 ${a.phoneMasked}` : '';
    lines.push(
      a.created
        ? `  ${role}  用户名 ${a.username}  密码 ${a.password}${phone}  （密码只显示这一次，请记下）`
        : `  ${role}  用户名 ${a.username}${phone}  （已存在，未改动；密码在首次生成时显示过）`,
    );
  }
  lines.push('  学校管理员和教育卡管理中心在管理后台 /console 登录：密码之后需输入发到绑定手机的短信验证码（开发环境在开发收件箱查看）。');
  const describe = (e: DemoExample) =>
    `${e.name}  身份证号 ${e.residentId}  ${e.schoolName}  ${e.gradeLabel}  ${e.className}  监护人手机号 ${e.guardianPhone}`;
  lines.push('', '用所示监护人手机号注册家长账号，再按下列信息提交，学籍比对会自动通过：');
  for (const e of result.matchExamples) lines.push(`  ${describe(e)}`);
  lines.push('', `按下列信息提交，会转给班主任审核（学籍状态为${result.reviewExample.registryStatus}）：`);
  lines.push(`  ${describe(result.reviewExample)}`);
  lines.push(
    '',
    '（示范学生均为虚构；账号手机号不是学籍库中的监护人手机号时，转班主任审核；同一身份证号已认证后再提交，会成为身份申诉，由班主任处理。）',
  );
  return lines.join('\n');
}
