/**
 * The console's staff accounts, managed by operators: school administrators
 * (one school each) and further operators (the first one comes from
 * `npm run operator:create`). A new account, and a reset, get a generated
 * one-time password shown once to the operator (handed over in person or read
 * out on the phone; never stored, never sent in a message) that must be
 * changed at the first console sign-in, which also asks for an SMS code to the
 * bound phone. Disabling ends every session at once. Everything is audited.
 */
import { and, count, desc, eq, sql } from 'drizzle-orm';
import { usernameKey } from '../../../domain/account/credentials';
import type { CreateStaffRequest, StaffAccount, StaffListQuery, StaffListResponse } from '../../../domain/api/console-operator';
import { AppError } from '../../../domain/errors';
import { maskPhone } from '../../../domain/masking';
import type { AppContext } from '../../context';
import { accounts, schools } from '../../db/schema';
import { hashPassword } from '../../security/passwords';
import { encryptPhone, phoneOf, type AccountRow } from '../accounts/account-view';
import { reassignStrandedReviews } from '../reviews/reassign';
import type { RequestMeta } from '../accounts/request-meta';
import { revokeAllSessions } from '../accounts/sessions';
import type { ConsoleActor } from './console-schools';
import { generateOperatorPassword } from './operator-bootstrap';
import { writeSupportAudit } from './support';

function requireOperator(actor: ConsoleActor): void {
  if (actor.role !== 'operator') throw new AppError('FORBIDDEN');
}

function present(app: Pick<AppContext, 'pii'>, row: AccountRow, school: { id: string; name: string } | null): StaffAccount {
  const phone = phoneOf(app, row);
  return {
    id: row.id,
    role: row.role as StaffAccount['role'],
    username: row.username,
    displayName: row.displayName,
    phoneMasked: phone ? maskPhone(phone) : null,
    // 'cancelled' is a family's own account cancellation (注销); staff accounts are disabled instead, never cancelled.
    status: row.status as StaffAccount['status'],
    passwordChangeRequired: row.passwordChangeRequired,
    school,
    createdAt: row.createdAt.toISOString(),
  };
}

/** GET /api/console/staff: school admins (of one school, or all) or operators, newest first (accounts_school_idx, accounts_staff_idx). */
export async function listStaff(app: Pick<AppContext, 'db' | 'pii'>, actor: ConsoleActor, query: StaffListQuery): Promise<StaffListResponse> {
  requireOperator(actor);
  const where = and(eq(accounts.role, query.role), query.schoolId ? eq(accounts.schoolId, query.schoolId) : undefined);
  const [rows, [total]] = await Promise.all([
    app.db
      .select({ account: accounts, schoolName: schools.name })
      .from(accounts)
      .leftJoin(schools, eq(schools.id, accounts.schoolId))
      .where(where)
      .orderBy(desc(accounts.createdAt))
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize),
    app.db.select({ n: count() }).from(accounts).where(where),
  ]);
  return {
    items: rows.map((r) => present(app, r.account, r.account.schoolId && r.schoolName ? { id: r.account.schoolId, name: r.schoolName } : null)),
    page: query.page,
    pageSize: query.pageSize,
    total: Number(total?.n ?? 0),
  };
}

/** POST /api/console/staff */
export async function createStaff(app: AppContext, actor: ConsoleActor, input: CreateStaffRequest, meta: RequestMeta) {
  requireOperator(actor);
  let school: { id: string; name: string } | null = null;
  if (input.role === 'school_admin') {
    if (!input.schoolId) throw new AppError('VALIDATION_FAILED', { message: '请选择学校', fields: { 'body.schoolId': '请选择学校' } });
    const [row] = await app.db.select({ id: schools.id, name: schools.name }).from(schools).where(eq(schools.id, input.schoolId));
    if (!row) throw new AppError('VALIDATION_FAILED', { message: '学校不存在', fields: { 'body.schoolId': '学校不存在' } });
    school = row;
  }
  const password = generateOperatorPassword(input.username);
  const passwordHash = await hashPassword(password);
  const key = usernameKey(input.username);
  const created = await app.db.transaction(async (tx) => {
    const [taken] = await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.usernameKey, key));
    if (taken) throw new AppError('VALIDATION_FAILED', { message: '该用户名已被使用，请换一个', fields: { 'body.username': '该用户名已被使用，请换一个' } });
    const [row] = await tx
      .insert(accounts)
      .values({
        role: input.role,
        status: 'active',
        username: input.username,
        usernameKey: key,
        displayName: input.displayName,
        passwordHash,
        passwordChangeRequired: true,
        schoolId: school?.id ?? null,
        ...encryptPhone(app, input.phone),
      })
      .onConflictDoNothing()
      .returning();
    if (!row) throw new AppError('VALIDATION_FAILED', { message: '该用户名已被使用，请换一个', fields: { 'body.username': '该用户名已被使用，请换一个' } });
    await writeSupportAudit(tx, actor, meta, {
      action: 'console.staff_created',
      subject: { type: 'account', id: row.id },
      detail: { role: input.role, username: input.username, schoolId: school?.id ?? null, phone: maskPhone(input.phone) },
    });
    // A school's first active administrator takes the reviews that waited with nobody.
    if (row.role === 'school_admin' && row.schoolId) await reassignStrandedReviews(tx, [row.schoolId]);
    return row;
  });
  return { account: present(app, created, school), oneTimePassword: password };
}

async function loadStaff(app: Pick<AppContext, 'db'>, accountId: string): Promise<{ row: AccountRow; school: { id: string; name: string } | null }> {
  const [found] = await app.db
    .select({ account: accounts, schoolName: schools.name })
    .from(accounts)
    .leftJoin(schools, eq(schools.id, accounts.schoolId))
    .where(and(eq(accounts.id, accountId), sql`${accounts.role} in ('school_admin', 'operator')`));
  if (!found) throw new AppError('NOT_FOUND');
  return { row: found.account, school: found.account.schoolId && found.schoolName ? { id: found.account.schoolId, name: found.schoolName } : null };
}

/** POST /api/console/staff/:accountId/password-reset: a new one-time password; every session of the account ends. */
export async function resetStaffPassword(app: AppContext, actor: ConsoleActor, accountId: string, meta: RequestMeta) {
  requireOperator(actor);
  if (accountId === actor.id) throw new AppError('FORBIDDEN', { message: '不能重置自己的密码，请在“修改密码”中修改' });
  const { row, school } = await loadStaff(app, accountId);
  const password = generateOperatorPassword(row.username ?? 'staff');
  const passwordHash = await hashPassword(password);
  const updated = await app.db.transaction(async (tx) => {
    const [next] = await tx.update(accounts).set({ passwordHash, passwordChangeRequired: true, failedLoginCount: 0, lockedUntil: null, updatedAt: new Date() }).where(eq(accounts.id, row.id)).returning();
    await revokeAllSessions(tx, row.id);
    await writeSupportAudit(tx, actor, meta, { action: 'console.staff_password_reset', subject: { type: 'account', id: row.id }, detail: { role: row.role } });
    return next!;
  });
  return { account: present(app, updated, school), oneTimePassword: password };
}

/** PUT /api/console/staff/:accountId/status: disable (sessions end at once) or enable again. */
export async function setStaffStatus(app: AppContext, actor: ConsoleActor, accountId: string, input: { status: 'active' | 'disabled'; reason: string }, meta: RequestMeta) {
  requireOperator(actor);
  if (accountId === actor.id) throw new AppError('FORBIDDEN', { message: '不能停用自己的账号' });
  const { row, school } = await loadStaff(app, accountId);
  const updated = await app.db.transaction(async (tx) => {
    const [next] = await tx.update(accounts).set({ status: input.status, updatedAt: new Date() }).where(eq(accounts.id, row.id)).returning();
    if (input.status === 'disabled') await revokeAllSessions(tx, row.id);
    // A disabled administrator's waiting reviews go to the school's other administrator; an enabled one takes those waiting with nobody.
    if (row.role === 'school_admin' && row.schoolId) await reassignStrandedReviews(tx, [row.schoolId]);
    await writeSupportAudit(tx, actor, meta, {
      action: input.status === 'disabled' ? 'console.staff_disabled' : 'console.staff_enabled',
      subject: { type: 'account', id: row.id },
      detail: { role: row.role, reason: input.reason },
    });
    return next!;
  });
  return { account: present(app, updated, school) };
}
