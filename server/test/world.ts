/**
 * A small, complete world of people and records for the authorization matrix
 * and the API fuzzer: every role of DESIGN.md §1, with the ownership relations
 * a route may care about, built directly in the database (fast: no password
 * hashing, no SMS) and signed in with real sessions.
 *
 *   school A: class A1 (head teacher `headTeacher`), class A2 (head teacher `headTeacher2`),
 *             a `teacher` who heads no class, its `schoolAdmin`
 *   school B: its `otherSchoolAdmin`; class B1 (head teacher `otherSchoolTeacher`)
 *   `operator` (教育卡管理中心)
 *   `parent` with child S1 (class A1, approved, card issued)
 *   `student` account with itself S2 (class A1, approved, card issued)
 *   `otherParent` with child S3 (class A2, approved): "another family's"
 *   version VA1 (class A1, pending_review, assigned to `headTeacher`): "own class"
 *   version VA2 (class A2, pending_review, assigned to `headTeacher2`): "another class"
 *   notice NA1 (by `headTeacher` to class A1, asks for confirmation; fanned out to `parent` and `student`): "own class"
 *   notice NA2 (by `headTeacher2` to class A2; fanned out to `otherParent`): "another class"
 *
 * The approved and pending states come from the real registry match
 * (matchProfileVersion), as in production.
 */
import { randomInt } from 'node:crypto';
import { createSession } from '../services/accounts/sessions';
import { fanOutNotice } from '../services/notices/fanout';
import { createNotice } from '../services/notices/notices';
import { matchProfileVersion } from '../services/registry-matching';
import type { AppContext } from '../context';
import {
  buildAccount,
  buildClass,
  buildRegistryRecord,
  randomMobile,
  buildSchool,
  buildSubmittedVersion,
  registryRowFor,
  type Account,
  type BuiltSubmission,
  type Class,
  type School,
} from './factories';

/** The callers of the matrix: anonymous, then each role (head teacher and the other school's admin as their own rows). */
export const ACTORS = ['anonymous', 'parent', 'student', 'teacher', 'headTeacher', 'schoolAdmin', 'otherSchoolAdmin', 'operator'] as const;
export type Actor = (typeof ACTORS)[number];
export type SignedInActor = Exclude<Actor, 'anonymous'>;

export interface World {
  schoolA: School;
  schoolB: School;
  classA1: Class;
  classA2: Class;
  classB1: Class;
  accounts: Record<SignedInActor | 'headTeacher2' | 'otherParent' | 'otherSchoolTeacher', Account>;
  /** S1 (parent's child), S2 (the student account itself), S3 (another family's child in class A2). */
  students: { parentChild: BuiltSubmission; studentSelf: BuiltSubmission; otherFamilyChild: BuiltSubmission };
  /** Pending versions: VA1 in class A1 (headTeacher's), VA2 in class A2. */
  versions: { ownClass: BuiltSubmission; otherClass: BuiltSubmission };
  /** Class notices: NA1 to class A1 (by headTeacher), NA2 to class A2 (by headTeacher2). */
  notices: { ownClass: string; otherClass: string };
  /** A fresh session token of the actor (null for anonymous); `console`: a console session (as after the SMS second factor). */
  token(actor: Actor, channel?: 'h5' | 'console'): Promise<string | null>;
}

type WorldContext = Pick<AppContext, 'db' | 'pii' | 'config' | 'queues' | 'logger'>;

async function approved(ctx: WorldContext, options: Parameters<typeof buildSubmittedVersion>[1]): Promise<BuiltSubmission> {
  const built = await buildSubmittedVersion(ctx, { ...options, withOutbox: false });
  await buildRegistryRecord(ctx, registryRowFor(built));
  const result = await matchProfileVersion(ctx, built.version.id);
  if (!result.changed || result.status !== 'approved') throw new Error(`world: expected an approval, got ${JSON.stringify(result)}`);
  return built;
}

async function pending(ctx: WorldContext, options: Parameters<typeof buildSubmittedVersion>[1]): Promise<BuiltSubmission> {
  const built = await buildSubmittedVersion(ctx, { ...options, withOutbox: false });
  // The registry knows the child under another name: a mismatch for the class's head teacher.
  await buildRegistryRecord(ctx, registryRowFor(built, { name: `${built.name}${'子'.repeat(randomInt(1, 3))}` }));
  const result = await matchProfileVersion(ctx, built.version.id);
  if (!result.changed || result.status !== 'pending_review') throw new Error(`world: expected pending_review, got ${JSON.stringify(result)}`);
  return built;
}

/** A verified phone (encrypted + blind index, as registration stores it): the families' guardian evidence. */
function verifiedPhone(ctx: WorldContext) {
  const phone = randomMobile();
  return { phoneCipher: ctx.pii.encrypt(phone, 'accounts.phone'), phoneIndex: ctx.pii.blindIndex('phone', phone) };
}

export async function buildWorld(ctx: WorldContext): Promise<World> {
  const [schoolA, schoolB] = await Promise.all([buildSchool(ctx.db), buildSchool(ctx.db)]);
  const [parent, student, teacher, headTeacher, headTeacher2, schoolAdmin, otherSchoolAdmin, operator, otherParent] = await Promise.all([
    buildAccount(ctx.db, { role: 'parent', ...verifiedPhone(ctx) }),
    buildAccount(ctx.db, { role: 'student', ...verifiedPhone(ctx) }),
    buildAccount(ctx.db, { role: 'teacher', schoolId: schoolA.id }),
    buildAccount(ctx.db, { role: 'teacher', schoolId: schoolA.id }),
    buildAccount(ctx.db, { role: 'teacher', schoolId: schoolA.id }),
    buildAccount(ctx.db, { role: 'school_admin', schoolId: schoolA.id }),
    buildAccount(ctx.db, { role: 'school_admin', schoolId: schoolB.id }),
    buildAccount(ctx.db, { role: 'operator' }),
    buildAccount(ctx.db, { role: 'parent', ...verifiedPhone(ctx) }),
  ]);
  const otherSchoolTeacher = await buildAccount(ctx.db, { role: 'teacher', schoolId: schoolB.id });
  const [classA1, classA2, classB1] = await Promise.all([
    buildClass(ctx.db, { schoolId: schoolA.id, grade: 'P4', headTeacherId: headTeacher!.id }),
    buildClass(ctx.db, { schoolId: schoolA.id, grade: 'P4', headTeacherId: headTeacher2!.id }),
    buildClass(ctx.db, { schoolId: schoolB.id, grade: 'P4', headTeacherId: otherSchoolTeacher.id }),
  ]);
  const [parentChild, studentSelf, otherFamilyChild, ownClass, otherClass] = await Promise.all([
    approved(ctx, { school: schoolA, klass: classA1, family: parent! }),
    approved(ctx, { school: schoolA, klass: classA1, family: student! }),
    approved(ctx, { school: schoolA, klass: classA2, family: otherParent! }),
    pending(ctx, { school: schoolA, klass: classA1 }),
    pending(ctx, { school: schoolA, klass: classA2 }),
  ]);
  const notice = async (author: typeof headTeacher, klass: typeof classA1) => {
    const created = await createNotice(
      ctx,
      { id: author!.id, role: author!.role, schoolId: author!.schoolId },
      { type: '通知', title: '家长会通知', body: '本周五下午三点召开家长会。', classIds: [klass!.id], dueDate: null, requiresConfirmation: true },
      null,
    );
    await fanOutNotice(ctx, { noticeId: created.id });
    return created.id;
  };
  const [ownClassNotice, otherClassNotice] = await Promise.all([notice(headTeacher, classA1), notice(headTeacher2, classA2)]);
  const accounts = { parent, student, teacher, headTeacher, headTeacher2, schoolAdmin, otherSchoolAdmin, operator, otherParent, otherSchoolTeacher } as World['accounts'];
  return {
    schoolA: schoolA!,
    schoolB: schoolB!,
    classA1: classA1!,
    classA2: classA2!,
    classB1: classB1!,
    accounts,
    students: { parentChild, studentSelf, otherFamilyChild },
    versions: { ownClass, otherClass },
    notices: { ownClass: ownClassNotice, otherClass: otherClassNotice },
    async token(actor, channel = 'h5') {
      if (actor === 'anonymous') return null;
      const session = await createSession(ctx.db, ctx, {
        accountId: accounts[actor].id,
        channel,
        meta: { ip: '127.0.0.1', requestId: 'world', userAgent: null },
      });
      return session.token;
    },
  };
}
