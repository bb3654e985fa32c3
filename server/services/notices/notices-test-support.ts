/**
 * Test builders of the notices tests: a school with classes and teachers, and
 * a fast bulk factory of approved students with bound family accounts (one
 * multi-row INSERT per table and chunk, so 3,000 students take about a second).
 * Family accounts get a mini-program openid; by `channel` they also hold a
 * notice subscribe grant, an official-account openid, or both.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { accounts, profileVersions, students, subscriptionGrants, teacherClasses } from '../../db/schema';
import type { AppContext } from '../../context';
import { createSession } from '../accounts/sessions';
import { buildAccount, buildClass, buildSchool, randomPersonName, type Class, type School } from '../../test/factories';
import { randomOpenid } from '../messaging/messaging-test-support';

export interface BulkFamily {
  accountId: string;
  studentId: string;
  classId: string;
  name: string;
  mpOpenid: string;
  oaOpenid: string | null;
  /** How the notice reaches this family first. */
  channel: 'subscribe' | 'template';
}

const CHUNK = 1000;

async function chunked<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await insert(rows.slice(i, i + CHUNK));
}

/**
 * `count` approved students spread over `classIds` (round robin), one family
 * account each; every other family holds a subscribe grant for `subscribeTemplateId`,
 * the others only an official-account openid (so both channels carry the load).
 */
export async function buildApprovedFamilies(
  ctx: Pick<AppContext, 'db'>,
  options: { classIds: string[]; schoolId: string; count: number; subscribeTemplateId: string; approved?: boolean },
): Promise<BulkFamily[]> {
  const families: BulkFamily[] = [];
  const tag = randomBytes(4).toString('hex');
  for (let i = 0; i < options.count; i += 1) {
    const subscribe = i % 2 === 0;
    families.push({
      accountId: randomUUID(),
      studentId: randomUUID(),
      classId: options.classIds[i % options.classIds.length]!,
      name: randomPersonName(),
      mpOpenid: randomOpenid('mp'),
      oaOpenid: subscribe ? null : randomOpenid('oa'),
      channel: subscribe ? 'subscribe' : 'template',
    });
  }
  const approved = options.approved ?? true;
  await chunked(families, (chunk) =>
    ctx.db.insert(accounts).values(
      chunk.map((f, i) => ({
        id: f.accountId,
        role: 'parent' as const,
        username: `bulk_${tag}_${f.accountId.slice(0, 8)}_${i}`,
        usernameKey: `bulk_${tag}_${f.accountId.slice(0, 8)}_${i}`,
        displayName: randomPersonName(),
        wechatMpOpenid: f.mpOpenid,
        wechatOaOpenid: f.oaOpenid,
      })),
    ),
  );
  const versionIds = new Map(families.map((f) => [f.studentId, randomUUID()]));
  await chunked(families, (chunk) =>
    ctx.db.insert(students).values(
      chunk.map((f) => ({
        id: f.studentId,
        familyAccountId: f.accountId,
        classId: f.classId,
        status: approved ? 'approved' : 'pending_review',
        currentVersionId: versionIds.get(f.studentId)!,
        approvedVersionId: approved ? versionIds.get(f.studentId)! : null,
      })),
    ),
  );
  await chunked(families, (chunk) =>
    ctx.db.insert(profileVersions).values(
      chunk.map((f) => ({
        id: versionIds.get(f.studentId)!,
        studentId: f.studentId,
        version: 1,
        status: approved ? 'approved' : 'pending_review',
        data: { personal: { name: f.name } },
        piiCipher: 'test-only',
        residentIdIndex: `test-${f.studentId}`,
        schoolId: options.schoolId,
        classId: f.classId,
        submittedBy: f.accountId,
      })),
    ),
  );
  const granted = families.filter((f) => f.channel === 'subscribe');
  await chunked(granted, (chunk) =>
    ctx.db.insert(subscriptionGrants).values(chunk.map((f) => ({ accountId: f.accountId, templateId: options.subscribeTemplateId, available: 1, lastResult: 'accept' }))),
  );
  return families;
}

export interface Staff {
  accountId: string;
  token: string;
}

export async function staffWithSession(ctx: Pick<AppContext, 'db' | 'config'>, role: 'teacher' | 'school_admin' | 'parent', schoolId: string | null, extra: Partial<typeof accounts.$inferInsert> = {}): Promise<Staff> {
  const account = await buildAccount(ctx.db, { role, ...(schoolId ? { schoolId } : {}), ...extra });
  const session = await createSession(ctx.db, ctx, { accountId: account.id, channel: 'h5', meta: { ip: '127.0.0.1', requestId: 'test', userAgent: null } });
  return { accountId: account.id, token: session.token };
}

export async function sessionFor(ctx: Pick<AppContext, 'db' | 'config'>, accountId: string): Promise<string> {
  return (await createSession(ctx.db, ctx, { accountId, channel: 'weapp', meta: { ip: '127.0.0.1', requestId: 'test', userAgent: null } })).token;
}

/** A school with `classCount` classes: the first headed by `teacher`, who also teaches the second (teacher_classes). */
export async function schoolWithTeacher(ctx: Pick<AppContext, 'db' | 'config'>, classCount = 2): Promise<{ school: School; classes: Class[]; teacher: Staff }> {
  const school = await buildSchool(ctx.db);
  const teacher = await staffWithSession(ctx, 'teacher', school.id);
  const list: Class[] = [];
  for (let i = 0; i < classCount; i += 1) {
    list.push(await buildClass(ctx.db, { schoolId: school.id, headTeacherId: i === 0 ? teacher.accountId : null }));
  }
  if (list[1]) await ctx.db.insert(teacherClasses).values({ teacherId: teacher.accountId, classId: list[1].id });
  return { school, classes: list, teacher };
}
