/**
 * Manual account recovery (人工找回, issue 12 attack 2) when the bound phone is
 * lost. Facts about a child are not an authenticator (NIST SP 800-63B), so no
 * answer to "who is the child" resets a password any more. Instead:
 *
 * 1. File (public): the username, a NEW phone proven by an SMS code (purpose
 *    `recovery`), a note for the reviewer, a captcha. The answer is the same
 *    whether or not the username exists or already has an open request. The
 *    account's old phone (SMS) and WeChat are told at once.
 * 2. Decide (head teacher of one of the account's students' classes, or the
 *    school admin of their school; a staff account: its school's admin):
 *    approve or reject. An approved request takes effect RECOVERY_WAIT_HOURS
 *    later; the old phone and WeChat are told again.
 * 3. Complete (public, after the wait): the same username and new phone with a
 *    fresh code, and a new password: the phone is replaced, every session
 *    revoked, the old phone and WeChat told. Wrong attempts count on the
 *    account's one failure counter (LoginGuard).
 *
 * The owner cancels any open request by signing in (login.ts) or from 我的
 * (POST /api/me/recovery-requests/cancel).
 */
import { and, count, desc, eq, inArray, sql } from 'drizzle-orm';
import { usernameKey } from '../../../domain/account/credentials';
import type { AccountRole, RecoveryStatus } from '../../../domain/api/auth';
import { AppError } from '../../../domain/errors';
import { maskName, maskPhone } from '../../../domain/masking';
import type { AppContext } from '../../context';
import type { DbOrTx } from '../../db/client';
import { accounts, classes, profileVersions, recoveryRequests, students } from '../../db/schema';
import { accountGuardKey } from '../../security/login-guard';
import { hashPassword } from '../../security/passwords';
import { waitPhrase } from '../../security/rate-limits';
import { encryptPhone, maskUsername, phoneIndexOf, phoneOf, type AccountRow } from './account-view';
import { writeAccountAudit } from './audit';
import { assertPasswordAllowed, fieldError } from './errors';
import type { RequestMeta } from './request-meta';
import { announceSecurityEvent } from './security-notices';
import { revokeAllSessions } from './sessions';
import { consumeSmsCode, smsCodeInvalid } from './sms-codes';

const OPEN: RecoveryStatus[] = ['pending', 'approved'];
export const RECOVERY_NEW_PHONE_CONTEXT = 'recovery_requests.new_phone';

type RequestRow = typeof recoveryRequests.$inferSelect;

export interface RecoveryFileInput {
  username: string;
  newPhone: string;
  smsCode: string;
  note: string;
  captchaId: string;
  captchaAnswer: string;
}

/** The schools and classes whose staff may decide a request about this account. */
async function scopeOf(db: DbOrTx, account: AccountRow): Promise<{ schoolIds: string[]; classIds: string[] }> {
  if (account.role === 'teacher' || account.role === 'school_admin') {
    return { schoolIds: account.schoolId ? [account.schoolId] : [], classIds: [] };
  }
  const rows = await db
    .select({ classId: classes.id, schoolId: classes.schoolId })
    .from(students)
    .innerJoin(classes, eq(classes.id, students.classId))
    .where(eq(students.familyAccountId, account.id));
  return { schoolIds: [...new Set(rows.map((r) => r.schoolId))], classIds: [...new Set(rows.map((r) => r.classId))] };
}

export async function fileRecoveryRequest(app: AppContext, input: RecoveryFileInput, meta: RequestMeta): Promise<{ ok: true; waitHours: number }> {
  const { limits, captcha } = app.security;
  await limits.recoveryPerIp.consumeOrThrow(meta.ip);
  if (!(await captcha.verify(input.captchaId, input.captchaAnswer))) throw fieldError('CAPTCHA_INVALID', 'captchaAnswer');
  const answer = { ok: true as const, waitHours: app.config.RECOVERY_WAIT_HOURS };

  const ok = await app.db.transaction(async (tx) => {
    if (!(await consumeSmsCode(tx, app, { phone: input.newPhone, purpose: 'recovery', code: input.smsCode }))) return false;
    const [account] = await tx
      .select()
      .from(accounts)
      .where(and(eq(accounts.usernameKey, usernameKey(input.username)), eq(accounts.status, 'active')));
    // Unknown username, or one with an open request: the same answer, nothing filed.
    if (!account) return true;
    const [open] = await tx
      .select({ id: recoveryRequests.id })
      .from(recoveryRequests)
      .where(and(eq(recoveryRequests.accountId, account.id), inArray(recoveryRequests.status, OPEN)));
    if (open) return true;
    const scope = await scopeOf(tx, account);
    const [row] = await tx
      .insert(recoveryRequests)
      .values({
        accountId: account.id,
        schoolIds: scope.schoolIds,
        classIds: scope.classIds,
        newPhoneCipher: app.pii.encrypt(input.newPhone, RECOVERY_NEW_PHONE_CONTEXT),
        newPhoneIndex: phoneIndexOf(app, input.newPhone),
        note: input.note,
        ip: meta.ip,
      })
      .returning({ id: recoveryRequests.id });
    await announceSecurityEvent(tx, app, { accountId: account.id, event: 'recovery_filed', phone: phoneOf(app, account) });
    await writeAccountAudit(tx, meta, {
      action: 'account.recovery_filed',
      account: { id: account.id, role: account.role },
      detail: { requestId: row!.id, schools: scope.schoolIds.length, classes: scope.classIds.length },
    });
    return true;
  });
  if (!ok) throw smsCodeInvalid();
  return answer;
}

/** Cancel the account's open requests (the owner signed in, or asked to); true when one was open. */
export async function cancelOpenRecoveryRequests(
  app: Pick<AppContext, 'db'>,
  account: { id: string; role: AccountRole },
  reason: 'signed_in' | 'owner',
  meta: RequestMeta,
): Promise<boolean> {
  const now = new Date();
  const cancelled = await app.db
    .update(recoveryRequests)
    .set({ status: 'cancelled', cancelReason: reason, closedAt: now, updatedAt: now })
    .where(and(eq(recoveryRequests.accountId, account.id), inArray(recoveryRequests.status, OPEN)))
    .returning({ id: recoveryRequests.id });
  for (const row of cancelled) {
    await writeAccountAudit(app.db, meta, { action: 'account.recovery_cancelled', account, detail: { requestId: row.id, reason } });
  }
  return cancelled.length > 0;
}

// ------------------------------------------------------------------------------------------ staff

export interface Decider {
  id: string;
  role: AccountRole;
  schoolId: string | null;
}

/** The SQL condition "this request is in the decider's scope". */
function inScope(decider: Decider) {
  if (decider.role === 'school_admin' && decider.schoolId) return sql`${decider.schoolId}::uuid = any(${recoveryRequests.schoolIds})`;
  // The card centre handles any request, from the hotline look-up.
  if (decider.role === 'operator') return sql`true`;
  if (decider.role === 'teacher') {
    return sql`${recoveryRequests.classIds} && array(select ${classes.id} from ${classes} where ${classes.headTeacherId} = ${decider.id})`;
  }
  return sql`false`;
}

async function present(app: Pick<AppContext, 'db' | 'pii'>, decider: Decider, rows: RequestRow[]) {
  if (rows.length === 0) return [];
  const accountIds = [...new Set(rows.map((r) => r.accountId))];
  const owners = await app.db.select().from(accounts).where(inArray(accounts.id, accountIds));
  const byId = new Map(owners.map((a) => [a.id, a]));
  const kids = await app.db
    .select({ accountId: students.familyAccountId, classId: students.classId, schoolId: classes.schoolId, grade: classes.grade, className: classes.name, headTeacherId: classes.headTeacherId, data: profileVersions.data })
    .from(students)
    .leftJoin(classes, eq(classes.id, students.classId))
    .leftJoin(profileVersions, eq(profileVersions.id, students.currentVersionId))
    .where(inArray(students.familyAccountId, accountIds));
  return rows.map((row) => {
    const owner = byId.get(row.accountId)!;
    const phone = phoneOf(app, owner);
    const mine = kids.filter(
      (k) =>
        k.accountId === row.accountId &&
        (decider.role === 'operator' || (decider.role === 'school_admin' ? k.schoolId === decider.schoolId : k.headTeacherId === decider.id)),
    );
    return {
      id: row.id,
      status: row.status,
      accountRole: owner.role,
      usernameMasked: owner.username ? maskUsername(owner.username) : null,
      oldPhoneMasked: phone ? maskPhone(phone) : null,
      newPhoneMasked: maskPhone(app.pii.decrypt(row.newPhoneCipher, RECOVERY_NEW_PHONE_CONTEXT)),
      students: mine.map((k) => {
        const name = (k.data as { personal?: { name?: unknown } } | null)?.personal?.name;
        return { nameMasked: typeof name === 'string' ? maskName(name) : '学生', className: k.className ? `${k.grade} ${k.className}` : null };
      }),
      note: row.note,
      createdAt: row.createdAt.toISOString(),
      decidedAt: row.decidedAt?.toISOString() ?? null,
      effectiveAt: row.effectiveAt?.toISOString() ?? null,
      rejectReason: row.rejectReason,
    };
  });
}

export async function listRecoveryRequests(
  app: Pick<AppContext, 'db' | 'pii'>,
  decider: Decider,
  query: { status?: RecoveryStatus | undefined; page: number; pageSize: number },
) {
  const where = and(inScope(decider), query.status ? eq(recoveryRequests.status, query.status) : undefined);
  const [rows, [total]] = await Promise.all([
    app.db
      .select()
      .from(recoveryRequests)
      .where(where)
      .orderBy(desc(recoveryRequests.createdAt), desc(recoveryRequests.id))
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize),
    app.db.select({ n: count() }).from(recoveryRequests).where(where),
  ]);
  return { items: await present(app, decider, rows), page: query.page, pageSize: query.pageSize, total: Number(total?.n ?? 0) };
}

async function loadInScope(db: DbOrTx, decider: Decider, id: string): Promise<RequestRow> {
  const [row] = await db
    .select()
    .from(recoveryRequests)
    .where(and(eq(recoveryRequests.id, id), inScope(decider)))
    .for('update');
  // Out of scope and unknown alike: 404 (a request's existence is not revealed).
  if (!row) throw new AppError('RECOVERY_NOT_FOUND');
  if (row.status !== 'pending') throw new AppError('RECOVERY_DECIDED');
  return row;
}

export async function decideRecoveryRequest(
  app: AppContext,
  decider: Decider,
  id: string,
  decision: { approve: true } | { approve: false; reason: string },
  meta: RequestMeta,
) {
  const row = await app.db.transaction(async (tx) => {
    const current = await loadInScope(tx, decider, id);
    const now = new Date();
    const [owner] = await tx.select().from(accounts).where(eq(accounts.id, current.accountId));
    const [updated] = await tx
      .update(recoveryRequests)
      .set(
        decision.approve
          ? { status: 'approved', decidedBy: decider.id, decidedAt: now, effectiveAt: new Date(now.getTime() + app.config.RECOVERY_WAIT_HOURS * 3600_000), updatedAt: now }
          : { status: 'rejected', decidedBy: decider.id, decidedAt: now, rejectReason: decision.reason, closedAt: now, updatedAt: now },
      )
      .where(eq(recoveryRequests.id, id))
      .returning();
    if (decision.approve) await announceSecurityEvent(tx, app, { accountId: owner!.id, event: 'recovery_approved', phone: phoneOf(app, owner!) });
    await writeAccountAudit(tx, meta, {
      action: decision.approve ? 'account.recovery_approved' : 'account.recovery_rejected',
      account: { id: owner!.id, role: owner!.role },
      actor: { id: decider.id, role: decider.role },
      detail: { requestId: id },
    });
    return updated!;
  });
  const [view] = await present(app, decider, [row]);
  return { request: view! };
}

// ------------------------------------------------------------------------------------------ complete

export interface RecoveryCompleteInput {
  username: string;
  newPhone: string;
  smsCode: string;
  newPassword: string;
}

export async function completeRecovery(app: AppContext, input: RecoveryCompleteInput, meta: RequestMeta): Promise<void> {
  const { loginGuard, limits } = app.security;
  await limits.recoveryPerIp.consumeOrThrow(meta.ip);
  const key = usernameKey(input.username);
  const [account] = await app.db.select().from(accounts).where(and(eq(accounts.usernameKey, key), eq(accounts.status, 'active')));
  // The account's one failure counter (the same as sign-in's); an unknown username has its own.
  const guardKeys = [account ? accountGuardKey(account.id) : `u:${key}`];
  const state = await loginGuard.state(guardKeys);
  if (state.delayedForSeconds !== null) {
    throw new AppError('ACCOUNT_LOCKED', { message: `尝试次数过多，请 ${waitPhrase(state.delayedForSeconds)}后再试`, retryAfterSeconds: state.delayedForSeconds });
  }
  const passwordHash = await hashPassword(input.newPassword);
  const outcome = await app.db.transaction(async (tx) => {
    if (!(await consumeSmsCode(tx, app, { phone: input.newPhone, purpose: 'recovery', code: input.smsCode }))) return 'code' as const;
    const [request] = account
      ? await tx
          .select()
          .from(recoveryRequests)
          .where(
            and(
              eq(recoveryRequests.accountId, account.id),
              inArray(recoveryRequests.status, OPEN),
              eq(recoveryRequests.newPhoneIndex, phoneIndexOf(app, input.newPhone)),
            ),
          )
          .for('update')
      : [];
    if (!account || !request) return 'none' as const;
    if (request.status === 'pending') throw new AppError('RECOVERY_NOT_READY', { message: '人工找回申请正在等待班主任或学校核实' });
    const left = (request.effectiveAt?.getTime() ?? 0) - Date.now();
    if (left > 0) throw new AppError('RECOVERY_NOT_READY', { message: `人工找回申请已核实，将于 ${waitPhrase(left / 1000)}后生效` });
    assertPasswordAllowed(input.newPassword, { username: account.username, phone: input.newPhone }, 'newPassword');
    const oldPhone = phoneOf(app, account);
    const now = new Date();
    await tx
      .update(accounts)
      .set({ passwordHash, ...encryptPhone(app, input.newPhone), updatedAt: now })
      .where(eq(accounts.id, account.id));
    await tx.update(recoveryRequests).set({ status: 'completed', closedAt: now, updatedAt: now }).where(eq(recoveryRequests.id, request.id));
    const revoked = await revokeAllSessions(tx, account.id);
    await announceSecurityEvent(tx, app, { accountId: account.id, event: 'recovery_completed', phone: oldPhone });
    await writeAccountAudit(tx, meta, {
      action: 'account.recovery_completed',
      account: { id: account.id, role: account.role },
      detail: { requestId: request.id, sessionsRevoked: revoked },
    });
    return 'done' as const;
  });
  if (outcome === 'code') throw smsCodeInvalid();
  if (outcome === 'none') {
    await loginGuard.recordFailure(guardKeys);
    throw new AppError('RECOVERY_NOT_FOUND');
  }
  await loginGuard.reset(guardKeys);
}
