/**
 * 注销账号: a family cancels its account, and its personal data is erased.
 *
 * Asking (POST /api/me/cancellation): the current password AND an SMS code of
 * purpose cancel_account to the bound phone (a stolen session alone cannot
 * erase a family). Then a cool-off of ACCOUNT_CANCEL_COOLOFF_DAYS: every
 * session is revoked, the phone and WeChat are told, and signing in again
 * withdraws the request (startSession, cancellation-withdrawal.ts). The daily cleanup job erases the
 * accounts whose cool-off ended (eraseDueAccounts); 0 days erases at once.
 *
 * Erasing (eraseAccount, one transaction, the account row locked):
 * - cards: each student's card is revoked through revokeCard ("账号已注销"),
 *   so a QR shown before verifies as revoked;
 * - deleted: drafts, profile versions (the submitted snapshots: names,
 *   encrypted ID numbers and phones, addresses), guardian consents,
 *   communication-card bindings, notice receipts, notifications and their
 *   delivery records (also the teachers' rows about these students, which
 *   carry masked names), subscribe grants, sessions, SMS challenges of the
 *   phone, agreements, manual recovery requests, the official-account user;
 * - kept as pseudonymous anchors: the account row (id, role, dates; every
 *   identifier nulled, status cancelled) and the student rows (id, the revoked
 *   card's number and reference; no class, no versions, no ID index), because
 *   the audit log and the payment records point at them;
 * - payment records (orders, refunds, WeChat Pay notifications) are kept for
 *   the accounting retention, with the payer's openid replaced;
 * - audit entries are kept (network logs: Cybersecurity Law art. 21, at least
 *   six months; PIPL art. 47 lets a retention that a law requires run its
 *   course) but pseudonymised: the family's own entries lose their IP, and
 *   every entry about the family loses its detail (masked names, card numbers);
 *   they keep action, time and ids only;
 * - registry rows (学籍库) belong to the school and stay;
 * - backups age out on their schedule (docs/OPERATIONS.md).
 */
import { and, eq, inArray, isNotNull, lte, or, sql } from 'drizzle-orm';
import type { CancelAccountRequest, CancelAccountResponse } from '../../../domain/api/account-data';
import { FAMILY_ROLES } from '../../../domain/api/auth';
import { AppError } from '../../../domain/errors';
import type { AppContext } from '../../context';
import type { Tx } from '../../db/client';
import {
  accountAgreements,
  accounts,
  auditLog,
  commCardBindings,
  guardianConsents,
  messageDeliveries,
  noticeRecipients,
  notifications,
  orders,
  profileDrafts,
  profileVersions,
  recoveryRequests,
  sessions,
  smsChallenges,
  students,
  subscriptionGrants,
  wechatOaUsers,
} from '../../db/schema';
import { verifyPassword } from '../../security/passwords';
import { revokeCard } from '../ecard/ecard';
import { loadAccount, phoneOf, type AccountRow } from './account-view';
import { writeAudit } from '../audit/audit';
import { writeAccountAudit } from './audit';
import { fieldError } from './errors';
import type { RequestMeta } from './request-meta';
import { announceSecurityEvent } from './security-notices';
import { revokeAllSessions } from './sessions';
import { consumeSmsCode, sendSmsCode, smsCodeInvalid, type SentSmsCode } from './sms-codes';

/** What the family's card page says about a card revoked by the cancellation. */
export const CANCELLED_CARD_REASON = '账号已注销';
/** What replaces the payer's openid on the payment records that are kept. */
export const ERASED_OPENID = 'erased';

const FAMILY: ReadonlySet<string> = new Set(FAMILY_ROLES);

function assertFamily(account: AccountRow): void {
  // Staff accounts belong to their school: the school admin or the centre ends them.
  if (!FAMILY.has(account.role)) throw new AppError('FORBIDDEN', { message: '教职工账号请联系学校管理员注销' });
}

/** A cancel_account code to the bound phone. */
export async function sendCancellationCode(app: AppContext, accountId: string, meta: RequestMeta): Promise<SentSmsCode> {
  const account = await loadAccount(app.db, accountId);
  assertFamily(account);
  const phone = phoneOf(app, account);
  if (!phone) throw new AppError('PHONE_NOT_BOUND');
  return sendSmsCode(app, { phone, purpose: 'cancel_account', meta });
}

export async function requestCancellation(
  app: AppContext,
  input: CancelAccountRequest & { accountId: string },
  meta: RequestMeta,
): Promise<CancelAccountResponse> {
  const account = await loadAccount(app.db, input.accountId);
  assertFamily(account);
  const phone = phoneOf(app, account);
  if (!phone) throw new AppError('PHONE_NOT_BOUND');
  // Wrong passwords share the password change's counter: five in 15 minutes, then 429.
  const limiter = app.security.limits.passwordChangeFailures;
  await limiter.checkOrThrow(account.id);
  if (!(await verifyPassword(account.passwordHash, input.password))) {
    await limiter.add(account.id);
    throw fieldError('CURRENT_PASSWORD_WRONG', 'password', '登录密码不正确');
  }
  const days = app.config.ACCOUNT_CANCEL_COOLOFF_DAYS;
  const outcome = await app.db.transaction(async (tx) => {
    if (!(await consumeSmsCode(tx, app, { phone, purpose: 'cancel_account', code: input.smsCode, ip: meta.ip }))) return null;
    await writeAccountAudit(tx, meta, {
      action: 'account.cancellation_requested',
      account: { id: account.id, role: account.role },
      detail: { reason: input.reason ?? null, coolOffDays: days },
    });
    if (days === 0) {
      const erased = await eraseAccount(tx, account.id);
      return { state: 'erased' as const, eraseAfter: null, cardsRevoked: erased.cardsRevoked };
    }
    const now = new Date();
    const eraseAfter = new Date(now.getTime() + days * 24 * 3600 * 1000);
    await tx.update(accounts).set({ cancelRequestedAt: now, eraseAfter, updatedAt: now }).where(eq(accounts.id, account.id));
    await revokeAllSessions(tx, account.id);
    await announceSecurityEvent(tx, app, { accountId: account.id, event: 'cancellation_requested', phone });
    return { state: 'scheduled' as const, eraseAfter: eraseAfter.toISOString(), cardsRevoked: 0 };
  });
  if (!outcome) throw smsCodeInvalid();
  if (outcome.state === 'erased') app.logger.info({ accountId: account.id }, 'account erased');
  await limiter.delete(account.id);
  return outcome;
}

/** Erase every account whose cool-off ended (the daily cleanup job); one transaction per account. */
export async function eraseDueAccounts(app: Pick<AppContext, 'db'> & Partial<Pick<AppContext, 'logger'>>, now = new Date(), limit = 500): Promise<number> {
  const due = await app.db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(isNotNull(accounts.eraseAfter), lte(accounts.eraseAfter, now), eq(accounts.status, 'active')))
    .limit(limit);
  let erased = 0;
  for (const { id } of due) {
    await app.db.transaction(async (tx) => {
      const [row] = await tx.select({ eraseAfter: accounts.eraseAfter }).from(accounts).where(eq(accounts.id, id)).for('update');
      // Signed in again since it was read: withdrawn, nothing to do.
      if (!row?.eraseAfter || row.eraseAfter > now) return;
      await eraseAccount(tx, id);
      erased += 1;
    });
    // The ledger a restore from backup re-applies (docs/OPERATIONS.md): ids only.
    app.logger?.info({ accountId: id }, 'account erased');
  }
  return erased;
}

/** Erase a family account's personal data (see the file comment). Runs in the caller's transaction. */
export async function eraseAccount(tx: Tx, accountId: string): Promise<{ cardsRevoked: number }> {
  const [account] = await tx.select().from(accounts).where(eq(accounts.id, accountId)).for('update');
  if (!account) throw new AppError('NOT_FOUND');
  if (account.status === 'cancelled') return { cardsRevoked: 0 };
  const actor = { id: account.id, role: account.role };
  const studentIds = (await tx.select({ id: students.id }).from(students).where(eq(students.familyAccountId, accountId)).for('update')).map((s) => s.id);

  let cardsRevoked = 0;
  for (const studentId of studentIds) {
    const result = await revokeCard(tx, { studentId, reason: CANCELLED_CARD_REASON, actor, detail: { cause: 'account_cancelled' } });
    if (result.revoked) cardsRevoked += 1;
  }
  const versionIds = studentIds.length
    ? (await tx.select({ id: profileVersions.id }).from(profileVersions).where(inArray(profileVersions.studentId, studentIds))).map((v) => v.id)
    : [];

  // Notifications of the family, and those of teachers about its students (review.waiting, digests carry masked names).
  const aboutStudents = studentIds.length ? sql`(${notifications.data}->>'studentId') = any(${`{${studentIds.join(',')}}`}::text[])` : sql`false`;
  const notificationIds = (
    await tx.select({ id: notifications.id }).from(notifications).where(or(eq(notifications.accountId, accountId), aboutStudents))
  ).map((n) => n.id);
  if (notificationIds.length) {
    await tx.delete(messageDeliveries).where(inArray(messageDeliveries.notificationId, notificationIds));
    await tx.delete(notifications).where(inArray(notifications.id, notificationIds));
  }
  await tx.delete(messageDeliveries).where(eq(messageDeliveries.accountId, accountId));

  if (studentIds.length) {
    await tx.delete(profileDrafts).where(inArray(profileDrafts.studentId, studentIds));
    await tx.delete(guardianConsents).where(inArray(guardianConsents.studentId, studentIds));
    await tx.delete(commCardBindings).where(inArray(commCardBindings.studentId, studentIds));
    await tx.delete(noticeRecipients).where(inArray(noticeRecipients.studentId, studentIds));
    // The kept student rows: no class (out of the school's statistics), no versions, no ID index; the revoked card stays.
    await tx
      .update(students)
      .set({ status: 'draft', classId: null, currentVersionId: null, approvedVersionId: null, residentIdIndex: null, reconfirmedSemesterId: null, updatedAt: new Date() })
      .where(inArray(students.id, studentIds));
    await tx.delete(profileVersions).where(inArray(profileVersions.studentId, studentIds));
  }
  await tx.delete(profileDrafts).where(eq(profileDrafts.updatedBy, accountId));
  await tx.delete(guardianConsents).where(eq(guardianConsents.accountId, accountId));
  await tx.delete(commCardBindings).where(eq(commCardBindings.accountId, accountId));
  await tx.delete(noticeRecipients).where(eq(noticeRecipients.accountId, accountId));
  await tx.delete(subscriptionGrants).where(eq(subscriptionGrants.accountId, accountId));
  await tx.delete(sessions).where(eq(sessions.accountId, accountId));
  await tx.delete(accountAgreements).where(eq(accountAgreements.accountId, accountId));
  await tx.delete(recoveryRequests).where(eq(recoveryRequests.accountId, accountId));
  if (account.phoneIndex) await tx.delete(smsChallenges).where(eq(smsChallenges.phoneIndex, account.phoneIndex));
  if (account.wechatUnionid) await tx.delete(wechatOaUsers).where(eq(wechatOaUsers.unionid, account.wechatUnionid));
  await tx.update(orders).set({ payerOpenid: ERASED_OPENID, updatedAt: new Date() }).where(eq(orders.accountId, accountId));

  // Audit entries: kept, pseudonymised.
  const subjects = [
    and(eq(auditLog.subjectType, 'account'), eq(auditLog.subjectId, accountId)),
    ...(studentIds.length ? [and(eq(auditLog.subjectType, 'student'), inArray(auditLog.subjectId, studentIds))] : []),
    ...(versionIds.length ? [and(eq(auditLog.subjectType, 'profile_version'), inArray(auditLog.subjectId, versionIds))] : []),
  ];
  // The personal part of the family's entries goes; the chain keeps proving the rest (services/audit/audit-chain.ts).
  await tx.update(auditLog).set({ ip: null, detail: null, personalErasedAt: new Date() }).where(eq(auditLog.actorAccountId, accountId));
  await tx.update(auditLog).set({ detail: null }).where(or(...subjects));

  await tx
    .update(accounts)
    .set({
      status: 'cancelled',
      username: null,
      usernameKey: null,
      passwordHash: null,
      displayName: null,
      phoneCipher: null,
      phoneIndex: null,
      residentIdCipher: null,
      residentIdIndex: null,
      wechatMpOpenid: null,
      wechatOaOpenid: null,
      wechatUnionid: null,
      failedLoginCount: 0,
      lockedUntil: null,
      cancelRequestedAt: null,
      eraseAfter: null,
      updatedAt: new Date(),
    })
    .where(eq(accounts.id, accountId));
  // The erasure's own entry: pseudonyms only (no IP, no names), the counts for the operator.
  await writeAudit(tx, {
    action: 'account.erased',
    actor,
    subject: { type: 'account', id: accountId },
    detail: { students: studentIds.length, cardsRevoked, versionsDeleted: versionIds.length },
  });
  return { cardsRevoked };
}
