/**
 * Data the bench puts in its own database: creation and migration, the
 * families of the semester rush (accounts with one precomputed argon2 hash,
 * one draft student each, a session made the way the sessions service makes
 * it), and the submissions they send.
 */
import { Client } from 'pg';
import { sql } from 'drizzle-orm';
import { birthDateForAge, makeResidentId } from '../domain/identity/resident-id.fixtures';
import { GRADE_LABELS, type ProfileSubmissionInput } from '../domain/profile/schemas';
import type { Config } from '../config';
import { openDatabase, rowsOf, type Database, type Db } from '../server/db/client';
import { migrateDatabase } from '../server/db/migrate';
import type { PiiCipher } from '../server/crypto/pii';
import { accounts, sessions, students } from '../server/db/schema';
import { hashPassword } from '../server/security/passwords';
import { newToken } from '../server/security/tokens';
import { SESSION_TTL_MS, sessionTokenHash } from '../server/services/accounts/sessions';
import { nameOf, otherNameOf, type BenchRegistry } from './registry-data';

export function databaseUrlFor(base: string, name: string): string {
  return Object.assign(new URL(base), { pathname: `/${name}` }).toString();
}

async function admin<T>(baseUrl: string, run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrlFor(baseUrl, 'postgres') });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Drop (if left by an earlier run) and create the bench database, then migrate it. */
export async function freshDatabase(baseUrl: string, name: string): Promise<Database> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bench database name must be [a-z0-9_]: ${name}`);
  await admin(baseUrl, async (c) => {
    await c.query(`drop database if exists "${name}" with (force)`);
    await c.query(`create database "${name}"`);
  });
  const database = await openDatabase({ databaseUrl: databaseUrlFor(baseUrl, name), pgliteDataDir: '', poolMax: 4, applicationName: 'educard-bench' });
  await migrateDatabase(database);
  return database;
}

export async function dropDatabase(baseUrl: string, name: string): Promise<void> {
  await admin(baseUrl, (c) => c.query(`drop database if exists "${name}" with (force)`));
}

export interface Family {
  accountId: string;
  studentId: string;
  token: string;
}

/** `count` parent accounts, each with a draft student and a live session. */
export async function createFamilies(
  db: Db,
  cfg: Pick<Config, 'SESSION_SECRET'>,
  count: number,
  phones?: { pii: PiiCipher; phoneOf: (k: number) => string },
): Promise<Family[]> {
  const passwordHash = await hashPassword('Bench-Passw0rd!2024');
  const families: Family[] = [];
  const now = new Date();
  for (let start = 0; start < count; start += 1_000) {
    const n = Math.min(1_000, count - start);
    const made = await db.transaction(async (tx) => {
      const accs = await tx
        .insert(accounts)
        .values(
          Array.from({ length: n }, (_, j) => {
            const username = `bench_${start + j}`;
            // The verified phone of family k: the guardian phone of the registry row it submits (guardian evidence).
            const phone = phones?.phoneOf(start + j);
            return {
              role: 'parent' as const,
              username,
              usernameKey: username,
              passwordHash,
              displayName: nameOf(start + j),
              status: 'active' as const,
              ...(phone && phones ? { phoneCipher: phones.pii.encrypt(phone, 'accounts.phone'), phoneIndex: phones.pii.blindIndex('phone', phone) } : {}),
            };
          }),
        )
        .returning({ id: accounts.id });
      const studs = await tx
        .insert(students)
        .values(accs.map((a) => ({ familyAccountId: a.id, status: 'draft' })))
        .returning({ id: students.id, familyAccountId: students.familyAccountId });
      const tokens = accs.map(() => newToken());
      await tx.insert(sessions).values(
        accs.map((a, j) => ({
          accountId: a.id,
          tokenHash: sessionTokenHash({ config: cfg as Config }, tokens[j]!),
          channel: 'weapp' as const,
          ip: '127.0.0.1',
          userAgent: 'educard-bench',
          createdAt: now,
          lastSeenAt: now,
          expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
        })),
      );
      const studentOf = new Map(studs.map((s) => [s.familyAccountId, s.id]));
      return accs.map((a, j) => ({ accountId: a.id, studentId: studentOf.get(a.id)!, token: tokens[j]! }));
    });
    families.push(...made);
  }
  return families;
}

/** school code → id, and `schoolId/grade/className` → class id, as the import created them. */
export async function schoolDirectory(db: Db): Promise<{ schools: Map<string, string>; classes: Map<string, string> }> {
  const schools = new Map(rowsOf<{ id: string; code: string }>(await db.execute(sql`select id, code from schools`)).map((r) => [r.code, r.id]));
  const classes = new Map(
    rowsOf<{ id: string; school_id: string; grade: string; name: string }>(await db.execute(sql`select id, school_id, grade, name from classes`)).map((r) => [
      `${r.school_id}/${r.grade}/${r.name}`,
      r.id,
    ]),
  );
  return { schools, classes };
}

export type SubmissionKind = 'match' | 'mismatch' | 'not_found';

/** The k-th submission: 4 of 5 match their registry row; the 5th differs in the name or names an ID the registry lacks. */
export function submissionKind(k: number): SubmissionKind {
  if (k % 5 !== 4) return 'match';
  return k % 10 === 4 ? 'mismatch' : 'not_found';
}

export function buildSubmission(
  registry: BenchRegistry,
  directory: { schools: Map<string, string>; classes: Map<string, string> },
  k: number,
  total: number,
): { body: ProfileSubmissionInput; kind: SubmissionKind } {
  const i = Math.floor((k * registry.size) / total);
  const row = registry.row(i);
  const kind = submissionKind(k);
  const schoolId = directory.schools.get(row.schoolCode);
  const classId = schoolId ? directory.classes.get(`${schoolId}/${row.grade}/${row.className}`) : undefined;
  if (!schoolId || !classId) throw new Error(`the import did not create school ${row.schoolCode} / ${GRADE_LABELS[row.grade]}${row.className}`);
  const guardianId = makeResidentId({ province: '44', area: String(1000 + (k % 9000)).padStart(4, '0'), birthDate: birthDateForAge(38, new Date(), -(k % 300)), sequence: (k * 7) % 1000 });
  return {
    kind,
    body: {
      personal: {
        name: kind === 'mismatch' ? otherNameOf(i) : row.name,
        residentId: kind === 'not_found' ? registry.unknownResidentId(k) : row.residentId,
      },
      school: { schoolId, grade: row.grade, classId },
      guardians: [
        {
          name: nameOf(i + 7),
          relation: 'mother',
          residentId: guardianId,
          phone: `139${String(10_000_000 + k).slice(-8)}`,
          address: `四川省成都市武侯区基准路 ${1 + (k % 200)} 号`,
        },
      ],
      consent: { agreed: true, policyVersion: 'bench-1', guardianIndex: 0 },
    },
  };
}

export interface DecisionCounts {
  approved: number;
  pendingReview: number;
  other: number;
}

/** Where the bench's submissions stand. */
export async function decisionCounts(db: Db): Promise<DecisionCounts> {
  const [row] = rowsOf<{ approved: string; pending: string; other: string }>(
    await db.execute(sql`
      select count(*) filter (where status = 'approved') as approved,
             count(*) filter (where status = 'pending_review') as pending,
             count(*) filter (where status not in ('approved', 'pending_review')) as other
      from profile_versions`),
  );
  return { approved: Number(row!.approved), pendingReview: Number(row!.pending), other: Number(row!.other) };
}
