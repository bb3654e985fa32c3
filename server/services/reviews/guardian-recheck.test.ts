import { eq } from 'drizzle-orm';
import { auditLog, notifications, profileVersions, registryBatches, registryRecords, students } from '../../db/schema';
import { createTestContext, type TestContext } from '../../test/context';
import { buildAccount, buildRegistryRecord, buildSchool, buildSubmittedVersion, registryRowFor } from '../../test/factories';
import { countApprovalsWithoutEvidence, recheckApprovalsWithoutEvidence } from './guardian-recheck';
import { matchProfileVersion } from '../registry-matching';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

/** A student approved before guardian evidence existed: its approval marked 'legacy', the registry row without phones. */
async function legacyApproval() {
  const school = await buildSchool(ctx.db);
  const teacher = await buildAccount(ctx.db, { role: 'teacher', schoolId: school.id });
  const built = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, withOutbox: false });
  const registry = await buildRegistryRecord(ctx, registryRowFor(built));
  await matchProfileVersion(ctx, built.version.id);
  await ctx.db.update(profileVersions).set({ approvalEvidence: 'legacy' }).where(eq(profileVersions.id, built.version.id));
  await ctx.db.update(registryRecords).set({ guardianPhoneIndexes: [] }).where(eq(registryRecords.id, registry.id));
  return { built, teacher, registry };
}

/** The registry row as a later import with guardian phones leaves it (its batch: the re-check looks at that batch only). */
async function newRegistryPhones(registryId: string, phones: string[], batchId: string) {
  await ctx.db
    .update(registryRecords)
    .set({ guardianPhoneIndexes: phones.map((p) => ctx.pii.blindIndex('phone', p)), batchId })
    .where(eq(registryRecords.id, registryId));
}

describe('rolling out guardian evidence', () => {
  test('When a registry with guardian phones arrives, then a legacy approval whose family phone is listed gains the evidence, and one whose phone is not goes to the head teacher with its card still valid', async () => {
    const good = await legacyApproval();
    const bad = await legacyApproval();
    expect(await countApprovalsWithoutEvidence(ctx.db)).toBeGreaterThanOrEqual(2);
    const [batch] = await ctx.db.insert(registryBatches).values({ fileName: 'guardians.csv', fileSha256: '' }).returning();
    await newRegistryPhones(good.registry.id, [good.built.familyPhone!], batch!.id);
    await newRegistryPhones(bad.registry.id, ['13700000077'], batch!.id);

    const result = await recheckApprovalsWithoutEvidence(ctx, { batchId: batch!.id });

    expect(result).toMatchObject({ checked: 2, confirmed: 1, sentToTeacher: 1, skipped: 0 });
    const [goodVersion] = await ctx.db.select().from(profileVersions).where(eq(profileVersions.id, good.built.version.id));
    expect(goodVersion).toMatchObject({ status: 'approved', approvalEvidence: 'guardian_phone' });
    const [badVersion] = await ctx.db.select().from(profileVersions).where(eq(profileVersions.id, bad.built.version.id));
    expect(badVersion).toMatchObject({ status: 'pending_review', matchOutcome: 'guardian_mismatch', assignedReviewerId: bad.teacher.id });
    const [badStudent] = await ctx.db.select().from(students).where(eq(students.id, bad.built.student.id));
    expect(badStudent).toMatchObject({ status: 'pending_review', approvedVersionId: bad.built.version.id, cardRevokedAt: null });
    expect(badStudent!.cardNumber).toMatch(/^JY/);
    const waiting = await ctx.db.select().from(notifications).where(eq(notifications.accountId, bad.teacher.id));
    expect(waiting.map((n) => n.kind)).toContain('review.waiting');
    const audits = await ctx.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.subjectId, good.built.version.id));
    expect(audits.map((a) => a.action)).toContain('review.evidence_confirmed');

    // Again (a re-delivered job): nothing changes.
    const again = await recheckApprovalsWithoutEvidence(ctx, { batchId: batch!.id });
    expect(again).toMatchObject({ checked: 1, confirmed: 0, sentToTeacher: 0, skipped: 1 });
    const [still] = await ctx.db.select().from(profileVersions).where(eq(profileVersions.id, bad.built.version.id));
    expect(still!.status).toBe('pending_review');
  });
});
