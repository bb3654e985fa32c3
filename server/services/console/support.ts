/**
 * The card centre's support look-up (operators only): find a family by the
 * one thing a parent on the hotline can say — a phone number, a resident ID, a
 * card number, a username or an order number — and act for them.
 *
 * Every look-up is an equality on a blind index or a unique column
 * (accounts_phone_index_idx, comm_card_bindings_phone_index_idx,
 * students_resident_id_index_idx, profile_versions_resident_id_index_idx,
 * students.card_number, retired_cards, accounts.username_key,
 * orders.out_trade_no): nothing is decrypted to search. Only the few rows
 * found are decrypted, to be masked. A full value is shown only through
 * `revealField`, one field of one record, with a reason, audited
 * ('console.pii_revealed'); the search itself is audited with its kind and the
 * masked query, so who looked up whom stays answerable.
 */
import { and, desc, eq, inArray } from 'drizzle-orm';
import { usernameKey } from '../../../domain/account/credentials';
import { RECOVERY_STATUS_LABELS } from '../../../domain/api/auth';
import { ORDER_STATUS_LABELS } from '../../../domain/api/comm-card';
import {
  REVEAL_FIELD_LABELS,
  type SupportFamilyDetail,
  type SupportFamilySummary,
  type SupportOrder,
  type SupportRevealRequest,
  type SupportRevealResponse,
  type SupportSearchQuery,
  type SupportSearchResponse,
  type SupportStudent,
} from '../../../domain/api/console-operator';
import { ECARD_STATUS_LABELS } from '../../../domain/api/ecard';
import { normalizeCardNumber } from '../../../domain/card/card-number';
import { parsePhone } from '../../../domain/contact/phone';
import { AppError } from '../../../domain/errors';
import { normalizeResidentId } from '../../../domain/identity/resident-id';
import { maskName, maskPhone, maskResidentId } from '../../../domain/masking';
import { GRADE_LABELS, type Grade } from '../../../domain/profile/schemas';
import { REVIEW_STATE_LABELS, type ReviewState } from '../../../domain/review/state-machine';
import type { AppContext } from '../../context';
import type { DbOrTx } from '../../db/client';
import { accounts, auditLog, classes, commCardBindings, orders, profileVersions, recoveryRequests, retiredCards, schools, students } from '../../db/schema';
import { accountGuardKey } from '../../security/login-guard';
import { maskUsername, phoneIndexOf, phoneOf, type AccountRow } from '../accounts/account-view';
import type { RequestMeta } from '../accounts/request-meta';
import { RECOVERY_NEW_PHONE_CONTEXT } from '../accounts/recovery-requests';
import { cardStatus } from '../ecard/ecard';
import { openProfilePii, readProfileData } from '../profiles/profile-snapshot';
import { refundOrder } from '../payments/refunds';
import type { ConsoleActor } from './console-schools';

/** Families shown for one search (an identifier shared by more is a case for the audit, not a list). */
export const SUPPORT_SEARCH_LIMIT = 20;

function requireOperator(actor: ConsoleActor): void {
  if (actor.role !== 'operator') throw new AppError('FORBIDDEN');
}

function queryError(message: string): AppError {
  return new AppError('VALIDATION_FAILED', { message, fields: { 'query.q': message } });
}

interface Match {
  accountId: string;
  matchedBy: string;
}

/** The families an identifier points at, by index only; and the query as it may be written to the audit log. */
async function matchFamilies(app: AppContext, query: SupportSearchQuery): Promise<{ matches: Match[]; masked: string }> {
  const db = app.db;
  const limit = SUPPORT_SEARCH_LIMIT;
  switch (query.kind) {
    case 'phone': {
      const phone = parsePhone(query.q);
      if (!phone.ok) throw queryError('请输入 11 位手机号');
      const index = phoneIndexOf(app, phone.value);
      const [own, bound] = await Promise.all([
        db.select({ id: accounts.id }).from(accounts).where(eq(accounts.phoneIndex, index)).limit(limit),
        db.select({ id: commCardBindings.accountId }).from(commCardBindings).where(eq(commCardBindings.phoneIndex, index)).limit(limit),
      ]);
      return {
        matches: [...own.map((r) => ({ accountId: r.id, matchedBy: '账号手机号' })), ...bound.map((r) => ({ accountId: r.id, matchedBy: '通讯卡绑定号码' }))],
        masked: maskPhone(phone.value),
      };
    }
    case 'residentId': {
      const id = normalizeResidentId(query.q);
      if (!/^\d{17}[\dX]$/.test(id)) throw queryError('请输入 18 位身份证号');
      const index = app.pii.blindIndex('resident_id', id);
      const [holders, submitted, staff] = await Promise.all([
        db.select({ id: students.familyAccountId }).from(students).where(eq(students.residentIdIndex, index)).limit(limit),
        db
          .select({ id: students.familyAccountId })
          .from(profileVersions)
          .innerJoin(students, eq(students.id, profileVersions.studentId))
          .where(eq(profileVersions.residentIdIndex, index))
          .limit(limit),
        db.select({ id: accounts.id }).from(accounts).where(eq(accounts.residentIdIndex, index)).limit(limit),
      ]);
      return {
        matches: [
          ...holders.map((r) => ({ accountId: r.id, matchedBy: '学生身份证号' })),
          ...submitted.map((r) => ({ accountId: r.id, matchedBy: '提交过的学生身份证号' })),
          ...staff.map((r) => ({ accountId: r.id, matchedBy: '账号本人身份证号' })),
        ],
        masked: maskResidentId(id),
      };
    }
    case 'cardNumber': {
      const number = normalizeCardNumber(query.q);
      if (!/^[A-Z0-9]{6,20}$/.test(number)) throw queryError('教育卡号格式不正确');
      const [current, retired] = await Promise.all([
        db.select({ id: students.familyAccountId }).from(students).where(eq(students.cardNumber, number)).limit(1),
        db
          .select({ id: students.familyAccountId })
          .from(retiredCards)
          .innerJoin(students, eq(students.id, retiredCards.studentId))
          .where(eq(retiredCards.cardNumber, number))
          .limit(1),
      ]);
      return {
        matches: [...current.map((r) => ({ accountId: r.id, matchedBy: '教育卡号' })), ...retired.map((r) => ({ accountId: r.id, matchedBy: '补发前的教育卡号' }))],
        masked: number,
      };
    }
    case 'username': {
      const key = usernameKey(query.q);
      const rows = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.usernameKey, key)).limit(1);
      return { matches: rows.map((r) => ({ accountId: r.id, matchedBy: '用户名' })), masked: maskUsername(key) };
    }
    case 'order': {
      const no = query.q.replace(/\s+/g, '');
      const rows = await db.select({ id: orders.accountId }).from(orders).where(eq(orders.outTradeNo, no)).limit(1);
      return { matches: rows.map((r) => ({ accountId: r.id, matchedBy: '订单号' })), masked: no };
    }
  }
}

async function isLocked(app: AppContext, account: AccountRow): Promise<boolean> {
  if (account.lockedUntil && account.lockedUntil.getTime() > Date.now()) return true;
  try {
    const state = await app.security.loginGuard.state([accountGuardKey(account.id)]);
    return state.delayedForSeconds !== null;
  } catch {
    // Redis down: the lock cannot be read (nor can anyone sign in past it); show the database's view.
    return false;
  }
}

async function presentAccountRow(app: AppContext, account: AccountRow) {
  const phone = phoneOf(app, account);
  return {
    id: account.id,
    role: account.role,
    usernameMasked: account.username ? maskUsername(account.username) : null,
    displayName: account.displayName,
    phoneMasked: phone ? maskPhone(phone) : null,
    status: account.status,
    locked: await isLocked(app, account),
    failedLoginCount: account.failedLoginCount,
    createdAt: account.createdAt.toISOString(),
  };
}

/** The students of these families, masked (each one's latest version decrypted for its masked ID). */
async function studentsOf(app: AppContext, accountIds: string[]): Promise<Map<string, SupportStudent[]>> {
  const out = new Map<string, SupportStudent[]>();
  if (accountIds.length === 0) return out;
  const rows = await app.db
    .select({
      student: students,
      versionData: profileVersions.data,
      versionPii: profileVersions.piiCipher,
      grade: classes.grade,
      className: classes.name,
      schoolName: schools.name,
    })
    .from(students)
    .leftJoin(profileVersions, eq(profileVersions.id, students.currentVersionId))
    .leftJoin(classes, eq(classes.id, students.classId))
    .leftJoin(schools, eq(schools.id, classes.schoolId))
    .where(inArray(students.familyAccountId, accountIds))
    .orderBy(students.createdAt)
    .limit(accountIds.length * 10);
  for (const row of rows) {
    const s = row.student;
    let name: string | null = null;
    let residentId: string | null = null;
    if (row.versionData) name = readProfileData(row.versionData).personal.name;
    if (row.versionPii) residentId = openProfilePii(app.pii, row.versionPii).studentResidentId;
    const status = cardStatus(s);
    const list = out.get(s.familyAccountId) ?? [];
    list.push({
      id: s.id,
      nameMasked: name ? maskName(name) : null,
      residentIdMasked: residentId ? maskResidentId(residentId) : null,
      schoolName: row.schoolName ?? null,
      classLabel: row.grade && row.className ? `${GRADE_LABELS[row.grade as Grade] ?? row.grade}${row.className}` : null,
      status: s.status,
      statusLabel: REVIEW_STATE_LABELS[s.status as ReviewState] ?? s.status,
      cardNumber: s.cardNumber,
      cardStatus: status,
      cardRevokedReason: status === 'revoked' ? s.cardRevokedReason : null,
    });
    out.set(s.familyAccountId, list);
  }
  return out;
}

export async function writeSupportAudit(
  db: DbOrTx,
  actor: ConsoleActor,
  meta: Pick<RequestMeta, 'ip' | 'requestId'>,
  entry: { action: `console.${string}`; subject: { type: string; id: string } | null; detail: Record<string, unknown>; success?: boolean },
): Promise<number> {
  const [row] = await db
    .insert(auditLog)
    .values({
      actorAccountId: actor.id,
      actorRole: actor.role,
      action: entry.action,
      subjectType: entry.subject?.type ?? null,
      subjectId: entry.subject?.id ?? null,
      ip: meta.ip,
      requestId: meta.requestId,
      detail: entry.detail,
      success: entry.success ?? true,
    })
    .returning({ id: auditLog.id });
  return row!.id;
}

/** GET /api/console/support/search */
export async function supportSearch(app: AppContext, actor: ConsoleActor, query: SupportSearchQuery, meta: RequestMeta): Promise<SupportSearchResponse> {
  requireOperator(actor);
  const { matches, masked } = await matchFamilies(app, query);
  const why = new Map<string, string>();
  for (const m of matches) if (!why.has(m.accountId)) why.set(m.accountId, m.matchedBy);
  const ids = [...why.keys()].slice(0, SUPPORT_SEARCH_LIMIT);
  const rows = ids.length ? await app.db.select().from(accounts).where(inArray(accounts.id, ids)) : [];
  const byFamily = await studentsOf(app, ids);
  const items: SupportFamilySummary[] = [];
  for (const id of ids) {
    const account = rows.find((r) => r.id === id);
    if (!account) continue;
    items.push({ account: await presentAccountRow(app, account), students: byFamily.get(id) ?? [], matchedBy: why.get(id)! });
  }
  await writeSupportAudit(app.db, actor, meta, {
    action: 'console.support_search',
    subject: null,
    detail: { kind: query.kind, query: masked, results: items.length },
  });
  return { items };
}

export function presentOrder(row: typeof orders.$inferSelect): SupportOrder {
  return {
    outTradeNo: row.outTradeNo,
    studentId: row.studentId,
    description: row.description,
    amountFen: row.amountFen,
    status: row.status,
    statusLabel: ORDER_STATUS_LABELS[row.status],
    flaggedReason: row.flaggedReason,
    createdAt: row.createdAt.toISOString(),
    paidAt: row.paidAt?.toISOString() ?? null,
    shippedAt: row.shippedAt?.toISOString() ?? null,
    shippingCarrier: row.shippingCarrier,
    shippingTrackingNo: row.shippingTrackingNo,
    shippingUploadedAt: row.shippingUploadedAt?.toISOString() ?? null,
  };
}

/** GET /api/console/support/families/:accountId */
export async function supportFamily(app: AppContext, actor: ConsoleActor, accountId: string): Promise<SupportFamilyDetail> {
  requireOperator(actor);
  const [account] = await app.db.select().from(accounts).where(eq(accounts.id, accountId));
  if (!account) throw new AppError('NOT_FOUND');
  const [byFamily, orderRows, recoveries] = await Promise.all([
    studentsOf(app, [account.id]),
    app.db.select().from(orders).where(eq(orders.accountId, account.id)).orderBy(desc(orders.createdAt)).limit(20),
    app.db.select().from(recoveryRequests).where(eq(recoveryRequests.accountId, account.id)).orderBy(desc(recoveryRequests.createdAt)).limit(5),
  ]);
  return {
    account: await presentAccountRow(app, account),
    students: byFamily.get(account.id) ?? [],
    orders: orderRows.map(presentOrder),
    recoveryRequests: recoveries.map((r) => ({
      id: r.id,
      status: r.status,
      statusLabel: RECOVERY_STATUS_LABELS[r.status],
      newPhoneMasked: maskPhone(app.pii.decrypt(r.newPhoneCipher, RECOVERY_NEW_PHONE_CONTEXT)),
      note: r.note,
      createdAt: r.createdAt.toISOString(),
    })),
  };
}

/** POST /api/console/support/reveal: one field of one record, with a reason, audited before it is answered. */
export async function revealField(app: AppContext, actor: ConsoleActor, input: SupportRevealRequest, meta: RequestMeta): Promise<SupportRevealResponse> {
  requireOperator(actor);
  let value: string | null = null;
  let subject: { type: string; id: string };
  if (input.field === 'accountPhone') {
    const [account] = await app.db.select().from(accounts).where(eq(accounts.id, input.subjectId));
    if (!account) throw new AppError('NOT_FOUND');
    value = phoneOf(app, account);
    subject = { type: 'account', id: account.id };
  } else {
    const [row] = await app.db
      .select({ id: students.id, data: profileVersions.data, pii: profileVersions.piiCipher })
      .from(students)
      .leftJoin(profileVersions, eq(profileVersions.id, students.currentVersionId))
      .where(eq(students.id, input.subjectId));
    if (!row) throw new AppError('NOT_FOUND');
    subject = { type: 'student', id: row.id };
    if (input.field === 'studentResidentId' && row.pii) value = openProfilePii(app.pii, row.pii).studentResidentId;
    if (input.field === 'studentName' && row.data) value = readProfileData(row.data).personal.name;
  }
  if (value === null) throw new AppError('NOT_FOUND', { message: `没有可查看的${REVEAL_FIELD_LABELS[input.field]}` });
  const auditId = await writeSupportAudit(app.db, actor, meta, {
    action: 'console.pii_revealed',
    subject,
    detail: { field: input.field, reason: input.reason },
  });
  return { field: input.field, value, auditId };
}

/** POST /api/console/support/accounts/:accountId/unlock: end the sign-in delay and clear the failure counters. */
export async function unlockAccount(app: AppContext, actor: ConsoleActor, accountId: string, reason: string, meta: RequestMeta) {
  requireOperator(actor);
  const [account] = await app.db.select().from(accounts).where(eq(accounts.id, accountId));
  if (!account) throw new AppError('NOT_FOUND');
  await app.security.loginGuard.reset([accountGuardKey(account.id)]);
  const [updated] = await app.db
    .update(accounts)
    .set({ failedLoginCount: 0, lockedUntil: null, updatedAt: new Date() })
    .where(eq(accounts.id, account.id))
    .returning();
  await writeSupportAudit(app.db, actor, meta, { action: 'console.account_unlocked', subject: { type: 'account', id: account.id }, detail: { reason } });
  return { ok: true as const, account: await presentAccountRow(app, updated!) };
}

/** POST /api/console/support/orders/:outTradeNo/refund: the one refund path (refundOrder), audited with the operator. */
export async function refundOrderForSupport(app: AppContext, actor: ConsoleActor, outTradeNo: string, reason: string, meta: RequestMeta) {
  requireOperator(actor);
  const [order] = await app.db.select({ id: orders.id }).from(orders).where(eq(orders.outTradeNo, outTradeNo));
  if (!order) throw new AppError('ORDER_NOT_FOUND');
  const result = await refundOrder(app, { outTradeNo, reason, requestedBy: `operator:${actor.id}` });
  await writeSupportAudit(app.db, actor, meta, { action: 'console.order_refunded', subject: { type: 'order', id: outTradeNo }, detail: { reason, refund: result.refund.outRefundNo } });
  const [row] = await app.db.select().from(orders).where(and(eq(orders.outTradeNo, outTradeNo)));
  return { order: presentOrder(row!), refundStatus: result.refund.status };
}
