/**
 * Rolling out guardian evidence (issue 12). Approvals made before the rule (evidence 'legacy') or without a
 * guardian phone in the registry ('none_allowed_by_setting') carry no guardian evidence. When a registry with
 * guardian phones is imported, the import writes a guardian-recheck outbox row; this check then looks at every
 * such approval whose registry row (by resident ID) names guardian phones:
 *
 * - the family account's verified phone is one of them → the approval's evidence becomes 'guardian_phone'
 *   (audit review.evidence_confirmed);
 * - it is not → the student's latest version, when it is that approved version, goes to the head teacher
 *   (state machine `evidence_mismatch`, approved → pending_review, reason guardian_mismatch, the usual
 *   review.waiting row); the card stays valid meanwhile (students.approved_version_id is kept). A student
 *   whose latest version is in another state (a change in flight, a reconfirmation) is left for its own review.
 *
 * Idempotent: a re-delivered job finds the approvals already confirmed or sent. Students are handled in chunks,
 * each in its own transaction, student then version locked (the order of every review write).
 *
 * countApprovalsWithoutEvidence is the operators' figure (tools/registry-import.ts prints it).
 */
import { and, eq, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import { EVIDENCE_LACKING, transition, type ReviewState } from '../../../domain/review/state-machine';
import type { AppContext } from '../../context';
import { rowsOf, type DbOrTx } from '../../db/client';
import { accounts, profileVersions, registryRecords, students } from '../../db/schema';
import { findReviewers, sendToReviewers } from './reviewer-handover';
import { writeAudit } from '../audit/audit';

export type GuardianRecheckContext = Pick<AppContext, 'db'>;

export interface GuardianRecheckResult {
  /** Approvals without evidence whose registry row names guardian phones. */
  checked: number;
  /** Of those: the family's phone is a guardian phone (evidence recorded). */
  confirmed: number;
  /** Of those: other phones, sent to the head teacher. */
  sentToTeacher: number;
  /** Other phones, but the latest version is not the approved one: left as it is. */
  skipped: number;
  /** Approvals without guardian evidence left after the check (all registries). */
  withoutEvidence: number;
}

const CHUNK = 500;

/** Approved versions without guardian evidence (legacy, allowed by the setting, or unrecorded). */
const lacksEvidence = or(isNull(profileVersions.approvalEvidence), inArray(profileVersions.approvalEvidence, [...EVIDENCE_LACKING]));

/** How many students hold an approval (a valid card) without guardian evidence. */
export async function countApprovalsWithoutEvidence(db: DbOrTx): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(students)
    .innerJoin(profileVersions, eq(profileVersions.id, students.approvedVersionId))
    .where(and(isNotNull(students.approvedVersionId), isNull(students.cardRevokedAt), lacksEvidence));
  return row?.n ?? 0;
}

interface Candidate {
  studentId: string;
  approvedVersionId: string;
  familyPhoneIndex: string | null;
  guardianPhoneIndexes: string[];
}

/** The check (see the module comment); `batchId` limits it to the registry rows that import wrote. */
export async function recheckApprovalsWithoutEvidence(ctx: GuardianRecheckContext, options: { batchId?: string } = {}): Promise<GuardianRecheckResult> {
  const result: GuardianRecheckResult = { checked: 0, confirmed: 0, sentToTeacher: 0, skipped: 0, withoutEvidence: 0 };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const candidates = rowsOf<Candidate>(
      await ctx.db.execute(sql`
        select s.id as "studentId", s.approved_version_id as "approvedVersionId", a.phone_index as "familyPhoneIndex",
               r.guardian_phone_indexes as "guardianPhoneIndexes"
          from ${students} s
          join ${profileVersions} v on v.id = s.approved_version_id
          join ${accounts} a on a.id = s.family_account_id
          join lateral (
            select array(select distinct unnest(rr.guardian_phone_indexes)) as guardian_phone_indexes
              from ${registryRecords} rr
             where rr.resident_id_index = s.resident_id_index and cardinality(rr.guardian_phone_indexes) > 0
               ${options.batchId ? sql`and rr.batch_id = ${options.batchId}::uuid` : sql``}
             limit 1
          ) r on true
         where s.approved_version_id is not null and s.card_revoked_at is null and s.id > ${after}::uuid
           and (v.approval_evidence is null or v.approval_evidence in ('legacy', 'none_allowed_by_setting'))
         order by s.id
         limit ${CHUNK}`),
    );
    if (candidates.length === 0) break;
    after = candidates[candidates.length - 1]!.studentId;
    await ctx.db.transaction(async (tx) => {
      const ids = candidates.map((c) => c.studentId);
      await tx.select({ id: students.id }).from(students).where(inArray(students.id, ids)).orderBy(students.id).for('update');
      const current = await tx
        .select({ studentId: students.id, approvedVersionId: students.approvedVersionId, version: profileVersions })
        .from(students)
        .innerJoin(profileVersions, eq(profileVersions.id, sql`coalesce(${students.currentVersionId}, ${students.approvedVersionId})`))
        .where(inArray(students.id, ids))
        .orderBy(profileVersions.id)
        .for('update', { of: profileVersions });
      const currentOf = new Map(current.map((c) => [c.studentId, c]));
      const confirmed: Candidate[] = [];
      const mismatched: (typeof current)[number]['version'][] = [];
      for (const c of candidates) {
        const now = currentOf.get(c.studentId);
        if (!now || now.approvedVersionId !== c.approvedVersionId) continue; // changed meanwhile
        result.checked += 1;
        if (c.familyPhoneIndex !== null && c.guardianPhoneIndexes.includes(c.familyPhoneIndex)) confirmed.push(c);
        else if (now.version.id === c.approvedVersionId && now.version.status === 'approved') mismatched.push(now.version);
        else result.skipped += 1;
      }
      if (confirmed.length > 0) {
        await tx
          .update(profileVersions)
          .set({ approvalEvidence: 'guardian_phone' })
          .where(and(inArray(profileVersions.id, confirmed.map((c) => c.approvedVersionId)), lacksEvidence));
        await writeAudit(
          tx,
          confirmed.map((c) => ({
            actor: 'system' as const,
            action: 'review.evidence_confirmed',
            subject: { type: 'profile_version', id: c.approvedVersionId },
            detail: { studentId: c.studentId, evidence: 'guardian_phone', batchId: options.batchId ?? null },
          })),
        );
        result.confirmed += confirmed.length;
      }
      if (mismatched.length > 0) {
        const status = transition('approved', { type: 'evidence_mismatch' }) as ReviewState;
        await tx
          .update(profileVersions)
          .set({ matchOutcome: 'guardian_mismatch' })
          .where(inArray(profileVersions.id, mismatched.map((v) => v.id)));
        const reviewers = await findReviewers(tx, mismatched);
        await sendToReviewers(
          tx,
          mismatched.map((version, i) => ({ version, status, reviewerId: reviewers[i] ?? null, detail: { outcome: 'guardian_mismatch', diffFields: [] } })),
        );
        result.sentToTeacher += mismatched.length;
      }
    });
    if (candidates.length < CHUNK) break;
  }
  result.withoutEvidence = await countApprovalsWithoutEvidence(ctx.db);
  return result;
}
