/**
 * The family's unsubmitted form (one draft per student). ID numbers and
 * phones are encrypted (`pii_cipher`, context DRAFT_PII_CONTEXT) like a
 * version's; the rest is jsonb.
 *
 * Reading the draft back decrypts it for its owner without an audit row: the
 * values are the family's own input, shown to the family that typed them, and
 * auditing every form load would bury the reveals that matter. When there is
 * no draft, the latest submitted version is returned instead (to correct and
 * resubmit a returned profile without retyping ID numbers); that reveal of a
 * stored version is audited as 'profile.reveal_for_edit'.
 */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { CHILDREN_RULES_VERSION } from '../../../domain/api/auth';
import type { ProfileDraft } from '../../../domain/profile/schemas';
import type { AppContext } from '../../context';
import { profileDrafts, profileVersions } from '../../db/schema';
import type { RequestMeta } from '../accounts/request-meta';
import { loadOwnStudent, openVersionContent, submissionOf, toIso, type Actor } from './profile-content';
import { writeAudit } from '../audit/audit';

export const DRAFT_PII_CONTEXT = 'profile_drafts.pii';

const DraftPiiSchema = z.object({
  studentResidentId: z.string().optional(),
  studentPhone: z.string().optional(),
  guardians: z.array(z.object({ residentId: z.string().optional(), phone: z.string().optional() })).default([]),
});
type DraftPii = z.infer<typeof DraftPiiSchema>;

/** Split a draft into its jsonb part and its encrypted part (null when it holds no ID number or phone). */
export function sealDraft(ctx: Pick<AppContext, 'pii'>, draft: ProfileDraft): { data: Record<string, unknown>; piiCipher: string | null } {
  const { residentId, phone, ...personal } = draft.personal ?? {};
  const guardians = (draft.guardians ?? []).map((g) => {
    const { residentId: gid, phone: gphone, ...rest } = g;
    return { rest, secret: { ...(gid ? { residentId: gid } : {}), ...(gphone ? { phone: gphone } : {}) } };
  });
  const secret: DraftPii = {
    ...(residentId ? { studentResidentId: residentId } : {}),
    ...(phone ? { studentPhone: phone } : {}),
    guardians: guardians.map((g) => g.secret),
  };
  const hasSecret = Boolean(secret.studentResidentId || secret.studentPhone || secret.guardians.some((g) => g.residentId || g.phone));
  return {
    data: {
      ...(draft.personal ? { personal } : {}),
      ...(draft.school ? { school: draft.school } : {}),
      ...(draft.guardians ? { guardians: guardians.map((g) => g.rest) } : {}),
    },
    piiCipher: hasSecret ? ctx.pii.encrypt(JSON.stringify(secret), DRAFT_PII_CONTEXT) : null,
  };
}

/** The draft as the form holds it, values in clear. */
export function openDraft(ctx: Pick<AppContext, 'pii'>, row: { data: unknown; piiCipher: string | null }): Record<string, unknown> {
  const data = (row.data ?? {}) as { personal?: Record<string, unknown>; school?: Record<string, unknown>; guardians?: Record<string, unknown>[] };
  const secret = row.piiCipher ? DraftPiiSchema.parse(JSON.parse(ctx.pii.decrypt(row.piiCipher, DRAFT_PII_CONTEXT))) : { guardians: [] };
  const out: Record<string, unknown> = {};
  if (data.personal || secret.studentResidentId || secret.studentPhone) {
    out.personal = {
      ...data.personal,
      ...(secret.studentResidentId ? { residentId: secret.studentResidentId } : {}),
      ...(secret.studentPhone ? { phone: secret.studentPhone } : {}),
    };
  }
  if (data.school) out.school = data.school;
  if (data.guardians) out.guardians = data.guardians.map((g, i) => ({ ...g, ...secret.guardians[i] }));
  return out;
}

export async function saveDraft(
  ctx: Pick<AppContext, 'db' | 'pii'>,
  actor: Actor,
  studentId: string,
  draft: ProfileDraft,
): Promise<{ updatedAt: string }> {
  const student = await loadOwnStudent(ctx.db, actor.id, studentId);
  const sealed = sealDraft(ctx, draft);
  const [row] = await ctx.db
    .insert(profileDrafts)
    .values({ studentId: student.id, data: sealed.data, piiCipher: sealed.piiCipher, updatedBy: actor.id })
    .onConflictDoUpdate({
      target: profileDrafts.studentId,
      set: { data: sealed.data, piiCipher: sealed.piiCipher, updatedBy: actor.id, updatedAt: sql`now()` },
    })
    .returning({ updatedAt: profileDrafts.updatedAt });
  return { updatedAt: row!.updatedAt.toISOString() };
}

/** The version's consent when it was given to the children's rules in force (CHILDREN_RULES_VERSION). */
function consentOf(data: unknown): { agreed: true; policyVersion: string; guardianIndex: number } | null {
  const consent = (data as { consent?: { agreed?: unknown; policyVersion?: unknown; guardianIndex?: unknown } } | null)?.consent;
  if (!consent || consent.agreed !== true || consent.policyVersion !== CHILDREN_RULES_VERSION) return null;
  return { agreed: true, policyVersion: CHILDREN_RULES_VERSION, guardianIndex: typeof consent.guardianIndex === 'number' ? consent.guardianIndex : 0 };
}

export async function getDraft(
  ctx: Pick<AppContext, 'db' | 'pii'>,
  actor: Actor,
  studentId: string,
  meta: RequestMeta,
): Promise<{ source: 'draft' | 'latest_version' | 'none'; draft: Record<string, unknown> | null; updatedAt: string | null }> {
  const student = await loadOwnStudent(ctx.db, actor.id, studentId);
  const [draft] = await ctx.db.select().from(profileDrafts).where(eq(profileDrafts.studentId, student.id));
  if (draft) return { source: 'draft', draft: openDraft(ctx, draft), updatedAt: toIso(draft.updatedAt) };
  if (!student.currentVersionId) return { source: 'none', draft: null, updatedAt: null };

  const [version] = await ctx.db.select().from(profileVersions).where(eq(profileVersions.id, student.currentVersionId));
  if (!version) return { source: 'none', draft: null, updatedAt: null };
  const content = openVersionContent(ctx.pii, version);
  await writeAudit(ctx.db, {
    meta,
    actor,
    action: 'profile.reveal_for_edit',
    subject: { type: 'student', id: student.id },
    detail: { versionId: version.id },
  });
  return {
    source: 'latest_version',
    // The guardian's consent to the current children's rules carries over to the correction (shown ticked, sent again).
    draft: submissionOf(content, consentOf(version.data)),
    updatedAt: version.submittedAt.toISOString(),
  };
}
