import { and, eq, inArray } from 'drizzle-orm';
import { auditLog, notifications, profileVersions, students } from '../../db/schema';
import { createTestContext, type TestContext } from '../../test/context';
import {
  buildAccount,
  buildRegistryRecord,
  buildSchool,
  buildSubmittedVersion,
  randomStudentResidentId,
  registryRowFor,
  type BuiltSubmission,
} from '../../test/factories';
import { ProfileSnapshotError } from '../profiles/profile-snapshot';
import { matchProfileVersion, matchVersions, type RegistryMatchResult, type VersionMatchOutcome } from '.';

let ctx: TestContext;

/** Several versions decided by one matchVersions call, in a transaction of their own. */
const matchProfileVersions = (ids: readonly string[]) => ctx.db.transaction((tx) => matchVersions(ctx, tx, ids));

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

/** One school with a head teacher for every class: both twins of a scenario are reviewed by the same person. */
async function schoolWithTeacher() {
  const school = await buildSchool(ctx.db);
  const teacher = await buildAccount(ctx.db, { role: 'teacher', schoolId: school.id });
  return { school, teacher };
}

type Place = Awaited<ReturnType<typeof schoolWithTeacher>>;

/** A submitted version and the registry row the scenario gives it (none for not_found). */
interface Scenario {
  built: BuiltSubmission;
  registryId: string | null;
}

const NAME = '欧阳娜娜';

/** The five outcomes of the registry match, each on a version of its own (built once per twin). */
const SCENARIOS: Record<string, (place: Place) => Promise<Scenario>> = {
  matched: async ({ school, teacher }) => {
    const built = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, name: NAME, withOutbox: false });
    return { built, registryId: (await buildRegistryRecord(ctx, registryRowFor(built))).id };
  },
  mismatch: async ({ school, teacher }) => {
    const built = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, name: NAME, withOutbox: false });
    return { built, registryId: (await buildRegistryRecord(ctx, registryRowFor(built, { name: '欧阳拉拉', grade: 'S1' }))).id };
  },
  notFound: async ({ school, teacher }) => {
    const built = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, name: NAME, withOutbox: false });
    return { built, registryId: null };
  },
  transient: async ({ school, teacher }) => {
    const built = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, name: NAME, withOutbox: false });
    return { built, registryId: (await buildRegistryRecord(ctx, registryRowFor(built, { registryStatus: '借读' }))).id };
  },
  idAlreadyApproved: async ({ school, teacher }) => {
    // Another student (another family) is already authenticated under the same ID.
    const residentId = randomStudentResidentId();
    const holder = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, residentId, name: NAME, withOutbox: false });
    const registry = await buildRegistryRecord(ctx, registryRowFor(holder));
    await matchProfileVersion(ctx, holder.version.id);
    const built = await buildSubmittedVersion(ctx, { school, klass: holder.klass, residentId, name: NAME, withOutbox: false });
    return { built, registryId: registry.id };
  },
  guardianMismatch: async ({ school, teacher }) => {
    // Every key field right, but the registry names other guardian phones: a stranger with the facts.
    const built = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, name: NAME, withOutbox: false });
    return { built, registryId: (await buildRegistryRecord(ctx, registryRowFor(built, { guardianPhones: ['13700000001'] }))).id };
  },
  noGuardianPhone: async ({ school, teacher }) => {
    const built = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, name: NAME, withOutbox: false });
    return { built, registryId: (await buildRegistryRecord(ctx, registryRowFor(built, { guardianPhones: [] }))).id };
  },
};

async function buildScenarios(place: Place): Promise<Record<string, Scenario>> {
  const built: Record<string, Scenario> = {};
  for (const [name, build] of Object.entries(SCENARIOS)) built[name] = await build(place);
  return built;
}

/**
 * Everything a decision wrote about one version — its result, the version and student rows, the audit and
 * notification rows — with the ids that differ between twins (version, student, family, class, registry row,
 * blind index, card number) replaced by names, so two twins decided by different paths compare equal.
 */
async function decisionOf(scenario: Scenario, outcome: VersionMatchOutcome) {
  const { built } = scenario;
  const [version] = await ctx.db.select().from(profileVersions).where(eq(profileVersions.id, built.version.id));
  const [student] = await ctx.db.select().from(students).where(eq(students.id, built.student.id));
  const audit = await ctx.db
    .select({ action: auditLog.action, actorRole: auditLog.actorRole, detail: auditLog.detail })
    .from(auditLog)
    .where(and(eq(auditLog.subjectType, 'profile_version'), eq(auditLog.subjectId, built.version.id)));
  const told = await ctx.db
    .select({ accountId: notifications.accountId, kind: notifications.kind, dedupKey: notifications.dedupKey, pagePath: notifications.pagePath, data: notifications.data })
    .from(notifications)
    .where(inArray(notifications.dedupKey, [`review.approved:${built.version.id}`, `review.waiting:${built.version.id}`]));
  const facts = {
    outcome: outcome.status === 'fulfilled' ? outcome.value : { rejected: String(outcome.reason) },
    version: {
      status: version!.status,
      matchOutcome: version!.matchOutcome,
      matchDiff: version!.matchDiff,
      matchedRegistryId: version!.matchedRegistryId,
      assignedReviewerId: version!.assignedReviewerId,
      decided: version!.decidedAt !== null,
      reviewedBy: version!.reviewedBy,
    },
    student: {
      status: student!.status,
      approvedVersionId: student!.approvedVersionId,
      residentIdIndex: student!.residentIdIndex,
      classId: student!.classId,
      cardNumber: student!.cardNumber,
      cardIssued: student!.cardIssuedAt !== null,
      reconfirmedSemesterId: student!.reconfirmedSemesterId,
    },
    audit,
    told,
  };
  const names: [string | null | undefined, string][] = [
    [built.version.id, '<version>'],
    [built.student.id, '<student>'],
    [built.family.id, '<family>'],
    [built.klass.id, '<class>'],
    [scenario.registryId, '<registry>'],
    [built.version.residentIdIndex, '<resident-id-index>'],
    [student!.cardNumber, '<card>'],
  ];
  let json = JSON.stringify(facts);
  for (const [value, name] of names) if (value) json = json.split(value).join(name);
  return JSON.parse(json) as unknown;
}

const fulfilled = (value: RegistryMatchResult): VersionMatchOutcome => ({ status: 'fulfilled', value });

describe('matching many versions in one call', () => {
  test('When a batch mixes matched, mismatch, not_found, transient and ID-already-approved versions, then each gets exactly what matching it alone gives', async () => {
    const place = await schoolWithTeacher();
    const alone = await buildScenarios(place);
    const batched = await buildScenarios(place);
    const names = Object.keys(SCENARIOS);

    const aloneOutcomes: VersionMatchOutcome[] = [];
    for (const name of names) aloneOutcomes.push(fulfilled(await matchProfileVersion(ctx, alone[name]!.built.version.id)));
    const batchOutcomes = await matchProfileVersions(names.map((name) => batched[name]!.built.version.id));

    for (const [i, name] of names.entries()) {
      expect({ [name]: await decisionOf(batched[name]!, batchOutcomes[i]!) }).toEqual({ [name]: await decisionOf(alone[name]!, aloneOutcomes[i]!) });
    }
    expect(batchOutcomes.map((o) => (o.status === 'fulfilled' ? [o.value.changed && o.value.outcome, o.value.changed && o.value.status] : o.status))).toEqual([
      ['matched', 'approved'],
      ['mismatch', 'pending_review'],
      ['not_found', 'pending_review'],
      ['transient_status', 'pending_review'],
      ['matched', 'disputed'],
      ['guardian_mismatch', 'pending_review'],
      ['no_guardian_phone', 'pending_review'],
    ]);
    expect(batchOutcomes[4]).toMatchObject({ value: { disputed: true, assignedReviewerId: place.teacher.id } });
  });

  test('When the batch is delivered again, then every version answers not_awaiting_match and nothing changes', async () => {
    const place = await schoolWithTeacher();
    const scenarios = Object.values(await buildScenarios(place));
    const ids = scenarios.map((s) => s.built.version.id);
    const first = await matchProfileVersions(ids);
    const before = await Promise.all(scenarios.map((s, i) => decisionOf(s, first[i]!)));

    const again = await matchProfileVersions(ids);

    expect(again.map((o) => (o.status === 'fulfilled' ? o.value : o.reason))).toEqual([
      { changed: false, reason: 'not_awaiting_match', status: 'approved' },
      ...Array.from({ length: 3 }, () => ({ changed: false, reason: 'not_awaiting_match', status: 'pending_review' })),
      { changed: false, reason: 'not_awaiting_match', status: 'disputed' },
      ...Array.from({ length: 2 }, () => ({ changed: false, reason: 'not_awaiting_match', status: 'pending_review' })),
    ]);
    expect(await Promise.all(scenarios.map((s, i) => decisionOf(s, first[i]!)))).toEqual(before);
  });

  test('When two students with the same resident ID match in one batch, then the first is approved and the second becomes a dispute', async () => {
    const { school, teacher } = await schoolWithTeacher();
    const residentId = randomStudentResidentId();
    const first = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, residentId, withOutbox: false });
    const second = await buildSubmittedVersion(ctx, { school, klass: first.klass, residentId, name: first.name, withOutbox: false });
    const registry = await buildRegistryRecord(ctx, registryRowFor(first));

    const outcomes = await matchProfileVersions([first.version.id, second.version.id]);

    expect(outcomes).toEqual([
      fulfilled({ changed: true, outcome: 'matched', status: 'approved', assignedReviewerId: null, matchedRegistryId: registry.id, evidence: 'guardian_phone' }),
      fulfilled({
        changed: true,
        outcome: 'matched',
        status: 'disputed',
        assignedReviewerId: teacher.id,
        matchedRegistryId: registry.id,
        disputed: true,
      }),
    ]);
    const holders = await ctx.db.select().from(students).where(eq(students.residentIdIndex, first.version.residentIdIndex));
    expect(holders.filter((s) => s.approvedVersionId !== null).map((s) => s.id)).toEqual([first.student.id]);
    expect(holders.filter((s) => s.cardNumber !== null)).toHaveLength(1);
    const [audit] = await ctx.db.select().from(auditLog).where(eq(auditLog.subjectId, second.version.id));
    expect(audit).toMatchObject({ action: 'review.dispute_filed', detail: { outcome: 'dispute', diffFields: [] } });
  });

  test('When the same version is in a batch twice, then it is decided once and the other delivery changes nothing', async () => {
    const { school, teacher } = await schoolWithTeacher();
    const built = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, withOutbox: false });
    await buildRegistryRecord(ctx, registryRowFor(built));

    const outcomes = await matchProfileVersions([built.version.id, built.version.id]);

    expect(outcomes).toEqual([
      fulfilled(expect.objectContaining({ changed: true, status: 'approved' }) as RegistryMatchResult),
      fulfilled({ changed: false, reason: 'not_awaiting_match', status: 'approved' }),
    ]);
    const audit = await ctx.db.select().from(auditLog).where(eq(auditLog.subjectId, built.version.id));
    expect(audit.map((a) => a.action)).toEqual(['review.auto_matched']);
  });

  test('When one snapshot cannot be decrypted, then that version alone fails and stays submitted; the others are decided', async () => {
    const { school, teacher } = await schoolWithTeacher();
    const good = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, withOutbox: false });
    await buildRegistryRecord(ctx, registryRowFor(good));
    const broken = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, withOutbox: false });
    const sealed = broken.version.piiCipher;
    await ctx.db
      .update(profileVersions)
      .set({ piiCipher: sealed.slice(0, -2) + (sealed.at(-2) === 'A' ? 'B' : 'A') + sealed.at(-1) })
      .where(eq(profileVersions.id, broken.version.id));

    const [brokenOutcome, goodOutcome, missing] = await matchProfileVersions([
      broken.version.id,
      good.version.id,
      '00000000-0000-4000-8000-000000000000',
    ]);

    expect(brokenOutcome).toEqual({ status: 'rejected', reason: expect.any(ProfileSnapshotError) });
    expect(goodOutcome).toMatchObject({ status: 'fulfilled', value: { outcome: 'matched', status: 'approved' } });
    expect(missing).toEqual(fulfilled({ changed: false, reason: 'version_not_found' }));
    const [row] = await ctx.db.select().from(profileVersions).where(eq(profileVersions.id, broken.version.id));
    expect(row).toMatchObject({ status: 'submitted', matchOutcome: null });
  });
});
