/**
 * The guardian evidence a reviewer sees (issue 12), masked: the submitting
 * account's verified phone next to the guardians the registry names, and for a
 * dispute (身份申诉) both claims side by side — the family holding the card and
 * the family claiming it — each with its own evidence.
 */
import { eq } from 'drizzle-orm';
import { GUARDIAN_EVIDENCE_LABELS, type GuardianEvidence, type GuardianEvidenceOutcome } from '../../../domain/api/reviews';
import { maskName, maskPhone } from '../../../domain/masking';
import { APPROVAL_EVIDENCE_LABELS } from '../../../domain/review/state-machine';
import type { AppContext } from '../../context';
import type { DbOrTx } from '../../db/client';
import { accounts, profileVersions, registryRecords } from '../../db/schema';
import { phoneOf } from '../accounts/account-view';
import { schoolClassNames } from '../profiles/profile-content';
import type { RegistryGuardian } from '../registry-import/registry-row';
import { GUARDIANS_CONTEXT, PHONE_INDEX_KIND } from '../registry-import/registry-writer';
import type { ProfileVersionRow } from './review-approval';
import { cardHolderOf } from './dispute-notices';

type EvidenceContext = Pick<AppContext, 'db' | 'pii'>;
type RegistryRow = typeof registryRecords.$inferSelect;

/** The guardians of a registry row (decrypted); empty when none or unreadable. */
export function registryGuardiansOf(ctx: Pick<AppContext, 'pii'>, row: Pick<RegistryRow, 'guardiansCipher'>): RegistryGuardian[] {
  if (!row.guardiansCipher) return [];
  try {
    const parsed = JSON.parse(ctx.pii.decrypt(row.guardiansCipher, GUARDIANS_CONTEXT)) as unknown;
    return Array.isArray(parsed)
      ? parsed.map((g: { name?: unknown; phone?: unknown }) => ({
          name: typeof g?.name === 'string' ? g.name : null,
          phone: typeof g?.phone === 'string' ? g.phone : null,
        }))
      : [];
  } catch {
    return [];
  }
}

/** The evidence of `accountId` against the registry row (null: not found). */
export async function guardianEvidenceOf(ctx: EvidenceContext, accountId: string, registry: RegistryRow | null): Promise<GuardianEvidence> {
  const [account] = await ctx.db.select({ phoneCipher: accounts.phoneCipher, phoneIndex: accounts.phoneIndex }).from(accounts).where(eq(accounts.id, accountId));
  const phone = account ? phoneOf(ctx, account) : null;
  const guardians = registry ? registryGuardiansOf(ctx, registry) : [];
  const phoneIndexes = registry?.guardianPhoneIndexes ?? [];
  const matchesAccount = (g: RegistryGuardian) =>
    g.phone !== null && account?.phoneIndex != null && ctx.pii.blindIndex(PHONE_INDEX_KIND, g.phone) === account.phoneIndex;
  let outcome: GuardianEvidenceOutcome;
  if (!registry) outcome = 'no_registry';
  else if (phoneIndexes.length === 0) outcome = 'registry_has_none';
  else outcome = account?.phoneIndex != null && phoneIndexes.includes(account.phoneIndex) ? 'match' : 'mismatch';
  return {
    accountPhoneMasked: phone ? maskPhone(phone) : null,
    registryGuardians: guardians.map((g) => ({
      nameMasked: g.name ? maskName(g.name) : null,
      phoneMasked: g.phone ? maskPhone(g.phone) : null,
      matchesAccount: matchesAccount(g),
    })),
    outcome,
    label: GUARDIAN_EVIDENCE_LABELS[outcome],
  };
}

function nameOf(data: unknown): string {
  const name = (data as { personal?: { name?: unknown } } | null)?.personal?.name;
  return typeof name === 'string' ? name : '';
}

async function placeOf(db: DbOrTx, version: Pick<ProfileVersionRow, 'schoolId' | 'classId'>) {
  const names = await schoolClassNames(db, version.schoolId, version.classId);
  return { schoolName: names.schoolName, className: names.className };
}

/** Both sides of a dispute: the holder (null when the card was revoked meanwhile) and the claimant. */
export async function disputeSides(ctx: EvidenceContext, claim: ProfileVersionRow, claimEvidence: GuardianEvidence, registry: RegistryRow | undefined) {
  const holder = await cardHolderOf(ctx.db, claim);
  let holderSide = null;
  if (holder) {
    const [approved] = await ctx.db.select().from(profileVersions).where(eq(profileVersions.id, holder.approvedVersionId));
    if (approved) {
      // The same child: the holder's approval is weighed against the registry row the claim was compared with.
      const [holderRegistry] = approved.matchedRegistryId
        ? await ctx.db.select().from(registryRecords).where(eq(registryRecords.id, approved.matchedRegistryId))
        : [];
      const [family] = await ctx.db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, holder.familyAccountId));
      holderSide = {
        studentId: holder.studentId,
        versionId: approved.id,
        nameMasked: maskName(nameOf(approved.data)),
        ...(await placeOf(ctx.db, approved)),
        submittedAt: approved.submittedAt.toISOString(),
        guardianEvidence: await guardianEvidenceOf(ctx, family?.id ?? approved.submittedBy, registry ?? holderRegistry ?? null),
        approvalEvidence: approved.approvalEvidence,
        approvalEvidenceLabel: approved.approvalEvidence ? APPROVAL_EVIDENCE_LABELS[approved.approvalEvidence] : null,
        cardNumber: holder.cardNumber,
      };
    }
  }
  return {
    holder: holderSide,
    claimant: {
      studentId: claim.studentId,
      versionId: claim.id,
      nameMasked: maskName(nameOf(claim.data)),
      ...(await placeOf(ctx.db, claim)),
      submittedAt: claim.submittedAt.toISOString(),
      guardianEvidence: claimEvidence,
      approvalEvidence: null,
      approvalEvidenceLabel: null,
      cardNumber: null,
    },
  };
}
