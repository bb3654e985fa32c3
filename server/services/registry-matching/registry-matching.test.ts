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
import { compareWithRegistry, matchProfileVersion, matchVersions, type RegistryMatchResult, type SubmittedKeyFields, type VersionMatchOutcome } from '.';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

/** A submitted version in a class whose head teacher is built too. */
async function submittedWithHeadTeacher(options: Parameters<typeof buildSubmittedVersion>[1] = {}) {
  const school = await buildSchool(ctx.db);
  const teacher = await buildAccount(ctx.db, { role: 'teacher', schoolId: school.id });
  const built = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, ...options });
  return { ...built, teacher };
}

async function versionOf(built: BuiltSubmission) {
  const [version] = await ctx.db.select().from(profileVersions).where(eq(profileVersions.id, built.version.id));
  const [student] = await ctx.db.select().from(students).where(eq(students.id, built.student.id));
  return { version: version!, student: student! };
}

async function auditActions(built: BuiltSubmission): Promise<string[]> {
  const rows = await ctx.db
    .select({ action: auditLog.action })
    .from(auditLog)
    .where(and(eq(auditLog.subjectType, 'profile_version'), eq(auditLog.subjectId, built.version.id)));
  return rows.map((r) => r.action);
}

describe('registry match: guardian evidence (issue 12, attack 1)', () => {
  test('When a stranger submits every right fact but the registry names other guardian phones, then a person reviews (guardian_mismatch), no card', async () => {
    const built = await submittedWithHeadTeacher();
    await buildRegistryRecord(ctx, registryRowFor(built, { guardianPhones: ['13700000001', '13700000002'] }));

    const result = await matchProfileVersion(ctx, built.version.id);

    expect(result).toMatchObject({ changed: true, outcome: 'guardian_mismatch', status: 'pending_review', assignedReviewerId: built.teacher.id });
    const { version, student } = await versionOf(built);
    expect(version).toMatchObject({ status: 'pending_review', matchOutcome: 'guardian_mismatch', approvalEvidence: null });
    expect(student).toMatchObject({ status: 'pending_review', approvedVersionId: null, cardNumber: null });
  });

  test('When the registry row names no guardian phone, then a person reviews (no_guardian_phone); with AUTO_APPROVE_WITHOUT_GUARDIAN_PHONE it is approved and says so', async () => {
    const strict = await submittedWithHeadTeacher();
    await buildRegistryRecord(ctx, registryRowFor(strict, { guardianPhones: [] }));
    expect(await matchProfileVersion(ctx, strict.version.id)).toMatchObject({ outcome: 'no_guardian_phone', status: 'pending_review' });

    const allowed = await submittedWithHeadTeacher();
    await buildRegistryRecord(ctx, registryRowFor(allowed, { guardianPhones: [] }));
    const result = await matchProfileVersion({ ...ctx, config: { AUTO_APPROVE_WITHOUT_GUARDIAN_PHONE: true } }, allowed.version.id);
    expect(result).toMatchObject({ outcome: 'matched', status: 'approved', evidence: 'none_allowed_by_setting' });
    expect((await versionOf(allowed)).version.approvalEvidence).toBe('none_allowed_by_setting');
    const [audit] = await ctx.db.select().from(auditLog).where(eq(auditLog.subjectId, allowed.version.id));
    expect(audit).toMatchObject({ action: 'review.auto_matched', detail: { evidence: 'none_allowed_by_setting' } });
  });

  test('When the setting is on but the registry names other guardian phones, then it still goes to a person', async () => {
    const built = await submittedWithHeadTeacher();
    await buildRegistryRecord(ctx, registryRowFor(built, { guardianPhones: ['13700000003'] }));
    const result = await matchProfileVersion({ ...ctx, config: { AUTO_APPROVE_WITHOUT_GUARDIAN_PHONE: true } }, built.version.id);
    expect(result).toMatchObject({ outcome: 'guardian_mismatch', status: 'pending_review' });
  });

  test('When the family phone is the second guardian of the row, then it is approved at once', async () => {
    const built = await submittedWithHeadTeacher();
    await buildRegistryRecord(ctx, registryRowFor(built, { guardianPhones: ['13700000004', built.familyPhone!] }));
    expect(await matchProfileVersion(ctx, built.version.id)).toMatchObject({ status: 'approved', evidence: 'guardian_phone' });
  });
});

describe('registry match', () => {
  test('When every key field equals an enrolled registry row, then the version is approved automatically', async () => {
    const built = await submittedWithHeadTeacher();
    const registry = await buildRegistryRecord(ctx, registryRowFor(built));

    const result = await matchProfileVersion(ctx, built.version.id);

    expect(result).toEqual({
      changed: true,
      outcome: 'matched',
      status: 'approved',
      assignedReviewerId: null,
      matchedRegistryId: registry.id,
      evidence: 'guardian_phone',
    });
    const { version, student } = await versionOf(built);
    expect(version).toMatchObject({
      status: 'approved',
      matchOutcome: 'matched',
      matchDiff: null,
      matchedRegistryId: registry.id,
      assignedReviewerId: null,
      reviewedBy: null,
      approvalEvidence: 'guardian_phone',
    });
    expect(version.decidedAt).toBeInstanceOf(Date);
    expect(version.statusChangedAt.getTime()).toBeGreaterThanOrEqual(built.version.statusChangedAt.getTime());
    expect(student).toMatchObject({ status: 'approved', approvedVersionId: version.id, cardNumber: expect.stringMatching(/^JY32\d{11}[0-9X]$/) });
    expect(await auditActions(built)).toEqual(['review.auto_matched']);
  });

  test('When names differ only in spacing and the form of the middle dot, then they count as equal', async () => {
    const built = await submittedWithHeadTeacher({ name: '阿卜杜热西提·买买提' });
    await buildRegistryRecord(ctx, registryRowFor(built, { name: ' 阿卜杜热西提 ・ 买买提 ', className: ` ${built.klass.name} ` }));

    const result = await matchProfileVersion(ctx, built.version.id);

    expect(result).toMatchObject({ outcome: 'matched', status: 'approved' });
  });

  test('When the name differs, then the version waits for the head teacher with a diff naming the name', async () => {
    const built = await submittedWithHeadTeacher({ name: '王小明' });
    await buildRegistryRecord(ctx, registryRowFor(built, { name: '王晓明' }));

    const result = await matchProfileVersion(ctx, built.version.id);

    expect(result).toMatchObject({ changed: true, outcome: 'mismatch', status: 'pending_review', assignedReviewerId: built.teacher.id });
    const { version, student } = await versionOf(built);
    expect(version).toMatchObject({
      status: 'pending_review',
      matchOutcome: 'mismatch',
      matchDiff: [{ field: 'name', submitted: '王小明', registry: '王晓明' }],
      assignedReviewerId: built.teacher.id,
      decidedAt: null,
    });
    expect(student).toMatchObject({ status: 'pending_review', approvedVersionId: null });
    expect(await auditActions(built)).toEqual(['review.sent_to_teacher']);
    const told = await ctx.db.select().from(notifications).where(eq(notifications.dedupKey, `review.waiting:${built.version.id}`));
    expect(told).toEqual([
      expect.objectContaining({ accountId: built.teacher.id, kind: 'review.waiting', pagePath: `pages/review/detail?id=${built.version.id}` }),
    ]);
  });

  test('When school, grade and class all differ, then the diff lists each with school code and class name', async () => {
    const built = await submittedWithHeadTeacher({ grade: 'P4' });
    await buildRegistryRecord(ctx, registryRowFor(built, { schoolCode: '1234567890', grade: 'P5', className: '99班' }));

    await matchProfileVersion(ctx, built.version.id);

    const { version } = await versionOf(built);
    expect(version.matchDiff).toEqual([
      { field: 'school', submitted: built.school.code, registry: '1234567890' },
      { field: 'grade', submitted: 'P4', registry: 'P5' },
      { field: 'class', submitted: built.klass.name, registry: '99班' },
    ]);
  });

  test('When the ID is not in the registry, then the outcome is not_found and the head teacher reviews', async () => {
    const built = await submittedWithHeadTeacher();

    const result = await matchProfileVersion(ctx, built.version.id);

    expect(result).toEqual({
      changed: true,
      outcome: 'not_found',
      status: 'pending_review',
      assignedReviewerId: built.teacher.id,
      matchedRegistryId: null,
    });
    const { version } = await versionOf(built);
    expect(version).toMatchObject({ matchOutcome: 'not_found', matchDiff: null, matchedRegistryId: null });
  });

  test('When the registry says 借读, then the outcome is transient_status with the registry status in the diff', async () => {
    const built = await submittedWithHeadTeacher();
    await buildRegistryRecord(ctx, registryRowFor(built, { registryStatus: '借读' }));

    const result = await matchProfileVersion(ctx, built.version.id);

    expect(result).toMatchObject({ outcome: 'transient_status', status: 'pending_review', assignedReviewerId: built.teacher.id });
    const { version } = await versionOf(built);
    expect(version.matchDiff).toEqual([{ field: 'registryStatus', submitted: null, registry: '借读' }]);
  });

  test('When the class has no head teacher, then a school administrator reviews; with none, nobody is assigned', async () => {
    const school = await buildSchool(ctx.db);
    const admin = await buildAccount(ctx.db, { role: 'school_admin', schoolId: school.id });
    await buildAccount(ctx.db, { role: 'school_admin', schoolId: school.id, status: 'disabled' });
    const withAdmin = await buildSubmittedVersion(ctx, { school });
    const lonelySchool = await buildSchool(ctx.db);
    const withNobody = await buildSubmittedVersion(ctx, { school: lonelySchool });

    const first = await matchProfileVersion(ctx, withAdmin.version.id);
    const second = await matchProfileVersion(ctx, withNobody.version.id);

    expect(first).toMatchObject({ status: 'pending_review', assignedReviewerId: admin.id });
    expect(second).toMatchObject({ status: 'pending_review', assignedReviewerId: null });
  });

  test('When the head teacher account is disabled, then the school administrator reviews instead', async () => {
    const school = await buildSchool(ctx.db);
    const teacher = await buildAccount(ctx.db, { role: 'teacher', schoolId: school.id, status: 'disabled' });
    const admin = await buildAccount(ctx.db, { role: 'school_admin', schoolId: school.id });
    const built = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id });

    expect(await matchProfileVersion(ctx, built.version.id)).toMatchObject({ assignedReviewerId: admin.id });
  });

  test('When the same job runs again, then nothing changes: statuses, diff and audit rows stay as they were', async () => {
    const approved = await submittedWithHeadTeacher();
    await buildRegistryRecord(ctx, registryRowFor(approved));
    const pending = await submittedWithHeadTeacher({ name: '李四' });
    await buildRegistryRecord(ctx, registryRowFor(pending, { name: '李思' }));
    await matchProfileVersion(ctx, approved.version.id);
    await matchProfileVersion(ctx, pending.version.id);
    const before = [await versionOf(approved), await versionOf(pending)];

    const again = [await matchProfileVersion(ctx, approved.version.id), await matchProfileVersion(ctx, pending.version.id)];

    expect(again).toEqual([
      { changed: false, reason: 'not_awaiting_match', status: 'approved' },
      { changed: false, reason: 'not_awaiting_match', status: 'pending_review' },
    ]);
    expect([await versionOf(approved), await versionOf(pending)]).toEqual(before);
    expect(await auditActions(approved)).toEqual(['review.auto_matched']);
    expect(await auditActions(pending)).toEqual(['review.sent_to_teacher']);
  });

  test('When two deliveries of one job run at once, then exactly one decides and the other changes nothing', async () => {
    const built = await submittedWithHeadTeacher();
    await buildRegistryRecord(ctx, registryRowFor(built));

    const results = await Promise.all([matchProfileVersion(ctx, built.version.id), matchProfileVersion(ctx, built.version.id)]);

    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(results.filter((r) => !r.changed)).toEqual([{ changed: false, reason: 'not_awaiting_match', status: 'approved' }]);
    expect(await auditActions(built)).toEqual(['review.auto_matched']);
  });

  test('When a version was left in matching by an interrupted run, then it is matched', async () => {
    const built = await submittedWithHeadTeacher();
    await buildRegistryRecord(ctx, registryRowFor(built));
    await ctx.db.update(profileVersions).set({ status: 'matching' }).where(eq(profileVersions.id, built.version.id));

    expect(await matchProfileVersion(ctx, built.version.id)).toMatchObject({ outcome: 'matched', status: 'approved' });
  });

  test('When the version does not exist, then nothing happens', async () => {
    expect(await matchProfileVersion(ctx, '00000000-0000-4000-8000-000000000000')).toEqual({
      changed: false,
      reason: 'version_not_found',
    });
  });

  test('When a newer version is current, then the decision on the older one leaves the student alone', async () => {
    const built = await submittedWithHeadTeacher();
    await buildRegistryRecord(ctx, registryRowFor(built));
    const other = await buildSubmittedVersion(ctx, { withOutbox: false });
    // Point the student at an unrelated version id to play "a newer version exists".
    await ctx.db.update(students).set({ currentVersionId: other.version.id }).where(eq(students.id, built.student.id));

    await matchProfileVersion(ctx, built.version.id);

    const { version, student } = await versionOf(built);
    expect(version.status).toBe('approved');
    expect(student).toMatchObject({ status: 'submitted', approvedVersionId: null });
  });

  test('When the match stores a diff, then neither the diff nor the audit detail holds the plaintext ID number', async () => {
    const built = await submittedWithHeadTeacher();
    await buildRegistryRecord(ctx, registryRowFor(built, { name: '赵钱孙', grade: 'S3', registryStatus: '休学' }));

    await matchProfileVersion(ctx, built.version.id);

    const { version } = await versionOf(built);
    const audit = await ctx.db.select().from(auditLog).where(eq(auditLog.subjectId, built.version.id));
    const stored = JSON.stringify([version.matchDiff, version.data, audit.map((a) => a.detail)]);
    expect(version.matchDiff).toHaveLength(3);
    expect(stored).not.toContain(built.residentId);
    expect(stored).not.toContain(built.residentId.slice(6, 14)); // not even the birth date part
  });
});

describe('compareWithRegistry', () => {
  const submitted: SubmittedKeyFields = {
    name: '张三',
    residentId: randomStudentResidentId(),
    schoolCode: '1100000001',
    grade: 'P3',
    className: '2班',
  };
  const row = { registryId: '00000000-0000-4000-8000-000000000001', name: '张三', schoolCode: '1100000001', grade: 'P3', className: '2班', registryStatus: '在籍' };

  test('When several rows share the ID, then the closest enrolled one decides', () => {
    const result = compareWithRegistry(submitted, [
      { ...row, registryId: '00000000-0000-4000-8000-000000000009', grade: 'P4' },
      { ...row, registryId: '00000000-0000-4000-8000-000000000005', registryStatus: '转出' },
      { ...row, registryId: '00000000-0000-4000-8000-000000000007' },
    ]);

    expect(result).toEqual({ outcome: 'matched', diff: null, registryId: '00000000-0000-4000-8000-000000000007', guardianPhoneIndexes: [] });
  });

  test('When the registry row carries a different ID, then both ID values in the diff are masked', () => {
    const other = randomStudentResidentId();

    const result = compareWithRegistry(submitted, [{ ...row, residentId: other }]);

    expect(result.outcome).toBe('mismatch');
    expect(result.diff).toEqual([
      {
        field: 'residentId',
        submitted: `${submitted.residentId.slice(0, 6)}********${submitted.residentId.slice(14)}`,
        registry: `${other.slice(0, 6)}********${other.slice(14)}`,
      },
    ]);
  });
});

/** Several versions decided by one matchVersions call, in a transaction of their own. */
const matchProfileVersions = (ids: readonly string[]) => ctx.db.transaction((tx) => matchVersions(ctx, tx, ids));

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
