/**
 * "Has a valid card" in SQL: the server's form of domain/card/card-holder.ts
 * (an approved version, card not revoked). The one predicate behind who gets
 * class notices (the fan-out, and the catch-up at approval), who the receipts
 * count as 应读, who a reminder reaches and which notices a family can open.
 * It never looks at the review status of the latest version: a key-field
 * change being reviewed or returned leaves the card — and all of this — as it was.
 */
import { and, isNotNull, isNull, type SQL } from 'drizzle-orm';
import { students } from '../../db/schema';

export function holdsValidCard(): SQL {
  return and(isNotNull(students.approvedVersionId), isNull(students.cardRevokedAt))!;
}
