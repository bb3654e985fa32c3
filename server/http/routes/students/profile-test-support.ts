/**
 * Shared set-up of the profile and review API tests, on top of the accounts
 * harness (real sessions, test PostgreSQL and Redis): families register through
 * the API; teachers and school administrators are built rows with a real
 * session; submissions are built from a school, a class and fresh ID numbers;
 * the registry match runs by calling its use case (what the registry-match
 * worker runs) on the version the API wrote, and marking that version's own
 * outbox row dispatched as the relay would: server/ may not import jobs/ (the
 * dependency rule), and jobs/ tests cover the relay and the worker.
 *
 * Other processes may relay the shared test database's outbox at any time, so
 * tests create registry rows before submitting (any matcher then decides the
 * same) and assert on the resulting state rather than on who matched.
 */
import { randomInt } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import request from 'supertest';
import { birthDateForAge, makeResidentId } from '../../../../domain/identity/resident-id.fixtures';
import type { Grade } from '../../../../domain/profile/schemas';
import { auditLog, notifications, outbox, type AccountRole } from '../../../db/schema';
import { createSession } from '../../../services/accounts/sessions';
import { matchProfileVersion, type RegistryMatchResult } from '../../../services/registry-matching';
import { buildAccount, buildClass, buildRegistryRecord, buildSchool, randomPersonName, type Class, type School } from '../../../test/factories';
import { createApp } from '../../app';
import { createHarness, randomIp, type Harness } from '../auth/auth-test-support';

export interface ProfileHarness extends Harness {
  api: Api;
  /** A registered family account (parent unless said otherwise), its token and its verified phone. */
  family(identity?: 'parent' | 'student'): Promise<{ token: string; accountId: string; phone: string }>;
  /** A teacher or school administrator row of `schoolId` with a real session. */
  staff(role: Extract<AccountRole, 'teacher' | 'school_admin'>, schoolId: string): Promise<{ token: string; accountId: string }>;
  /** A school with one class (grade P4 unless given) whose head teacher is a new teacher with a session. */
  schoolWithClass(options?: { grade?: Grade }): Promise<{ school: School; klass: Class; teacher: { token: string; accountId: string } }>;
  /** Run the registry match on the version (as its worker would) and mark its outbox row dispatched. */
  relayAndMatch(versionId: string): Promise<RegistryMatchResult>;
  /** The audit actions of a subject, oldest first. */
  auditActions(subjectId: string): Promise<string[]>;
  notificationsOf(accountId: string): Promise<(typeof notifications.$inferSelect)[]>;
}

export type Api = ReturnType<typeof makeApi>;

function makeApi(app: ReturnType<ReturnType<typeof createApp>['callback']>) {
  const send = (test: request.Test, token?: string) => {
    test.set('X-Forwarded-For', randomIp());
    if (token) test.set('Authorization', `Bearer ${token}`);
    return test;
  };
  return {
    get: (path: string, token?: string) => send(request(app).get(path), token),
    post: (path: string, token?: string, body?: object) => send(request(app).post(path), token).send(body ?? {}),
    put: (path: string, token?: string, body?: object) => send(request(app).put(path), token).send(body ?? {}),
    patch: (path: string, token?: string, body?: object) => send(request(app).patch(path), token).send(body ?? {}),
    delete: (path: string, token?: string) => send(request(app).delete(path), token),
  };
}

/** A valid resident ID of a child of `age` (10 unless given: under 14, so consent is required). */
export function childResidentId(age = 10): string {
  return makeResidentId({
    province: '32',
    area: String(randomInt(100, 10_000)).padStart(4, '0'),
    birthDate: birthDateForAge(age, new Date(), -randomInt(1, 300)),
    sequence: randomInt(0, 1000),
  });
}

export function adultResidentId(): string {
  return makeResidentId({
    province: '32',
    area: String(randomInt(100, 10_000)).padStart(4, '0'),
    birthDate: birthDateForAge(38, new Date(), -randomInt(1, 300)),
    sequence: randomInt(0, 1000),
  });
}

export function randomMobile(): string {
  return `139${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

export interface SubmissionOptions {
  school: Pick<School, 'id'>;
  klass: Pick<Class, 'id' | 'grade'>;
  name?: string;
  residentId?: string;
  grade?: string;
  consent?: boolean;
  address?: string;
  phone?: string;
}

/** A complete submission body (with the guardian's consent unless `consent: false`). */
export function submissionBody(options: SubmissionOptions) {
  return {
    personal: {
      name: options.name ?? randomPersonName(),
      residentId: options.residentId ?? childResidentId(),
      ...(options.phone ? { phone: options.phone } : {}),
    },
    school: { schoolId: options.school.id, grade: options.grade ?? options.klass.grade, classId: options.klass.id },
    guardians: [
      {
        name: randomPersonName(),
        relation: 'mother',
        residentId: adultResidentId(),
        phone: randomMobile(),
        address: options.address ?? '江苏省南京市玄武区测试路 1 号',
      },
    ],
    ...(options.consent === false ? {} : { consent: { agreed: true, policyVersion: '2026-09-01', guardianIndex: 0 } }),
  };
}

export async function createProfileHarness(): Promise<ProfileHarness> {
  const h = await createHarness();
  const api = makeApi(createApp(h.ctx).callback());
  const staff: ProfileHarness['staff'] = async (role, schoolId) => {
    const account = await buildAccount(h.ctx.db, { role, schoolId });
    const session = await createSession(h.ctx.db, h.ctx, {
      accountId: account.id,
      channel: 'h5',
      meta: { ip: '127.0.0.1', requestId: 'test', userAgent: null },
    });
    return { token: session.token, accountId: account.id };
  };
  return Object.assign(h, {
    api,
    staff,
    async family(identity: 'parent' | 'student' = 'parent') {
      const acc = await h.registerAccount({ identity });
      return { token: acc.token, accountId: acc.accountId, phone: acc.phone };
    },
    async schoolWithClass(options: { grade?: Grade } = {}) {
      const school = await buildSchool(h.ctx.db);
      const teacher = await staff('teacher', school.id);
      const klass = await buildClass(h.ctx.db, { schoolId: school.id, grade: options.grade ?? 'P4', headTeacherId: teacher.accountId });
      return { school, klass, teacher };
    },
    async relayAndMatch(versionId: string) {
      const result = await matchProfileVersion(h.ctx, versionId);
      await h.ctx.db
        .update(outbox)
        .set({ dispatchedAt: sql`now()` })
        .where(and(sql`${outbox.payload}->>'profileVersionId' = ${versionId}`, isNull(outbox.dispatchedAt)));
      return result;
    },
    async auditActions(subjectId: string) {
      const rows = await h.ctx.db
        .select({ action: auditLog.action })
        .from(auditLog)
        .where(eq(auditLog.subjectId, subjectId))
        .orderBy(auditLog.id);
      return rows.map((r) => r.action);
    },
    async notificationsOf(accountId: string) {
      return h.ctx.db.select().from(notifications).where(eq(notifications.accountId, accountId)).orderBy(notifications.createdAt);
    },
  });
}

/**
 * The registry row that agrees with a submission body; override fields to make it differ. Give the family's phone
 * as `guardianPhones` for the guardian evidence that lets the match approve automatically.
 */
export async function registryFor(
  h: ProfileHarness,
  body: ReturnType<typeof submissionBody>,
  school: School,
  klass: Class,
  overrides: Partial<Parameters<typeof buildRegistryRecord>[1]> = {},
) {
  return buildRegistryRecord(h.ctx, {
    residentId: body.personal.residentId,
    name: body.personal.name,
    schoolCode: school.code,
    schoolName: school.name,
    grade: body.school.grade,
    className: klass.name,
    ...overrides,
  });
}
