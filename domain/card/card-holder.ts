/**
 * The one rule of who holds a valid education card (电子教育卡有效): the
 * student has an approved version and the card was not revoked. A key-field
 * change after approval — being matched, waiting for the head teacher, or
 * returned — does not matter: the card keeps the approved version's data.
 *
 * Everything a card holder is entitled to follows this rule, not the review
 * status of the latest version: class notices and their receipts and
 * reminders (server/services/notices), the 公告作业 page, the e-card. The
 * server's SQL form of the same rule is server/services/ecard/card-holders.ts.
 */
export interface CardHolderFacts {
  approvedVersionId: string | null;
  cardRevokedAt: Date | string | null;
}

export function hasValidCard(student: CardHolderFacts): boolean {
  return student.approvedVersionId !== null && student.cardRevokedAt === null;
}
