/**
 * The first operator of the card centre (`npm run operator:create`): created
 * once, when no operator account exists (refused otherwise: later operators
 * are created from the console by an operator). The password is generated
 * (crypto random, passing the account rules), shown once by the command, stored
 * only as its argon2id hash, and must be changed at the first console sign-in
 * (accounts.password_change_required). The phone receives the console's SMS
 * second factor. Audited. Concurrent runs: one wins (advisory lock).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { usernameKey, usernameSchema, validatePassword } from '../../../domain/account/credentials';
import { parsePhone } from '../../../domain/contact/phone';
import { maskPhone } from '../../../domain/masking';
import type { AppContext } from '../../context';
import { rowsOf } from '../../db/client';
import { accounts } from '../../db/schema';
import { hashPassword } from '../../security/passwords';
import { encryptPhone } from '../accounts/account-view';
import { writeAudit } from '../audit/audit';

export class OperatorBootstrapError extends Error {
  constructor(
    readonly reason: 'operator_exists' | 'username_taken' | 'username_invalid' | 'phone_invalid',
    message: string,
  ) {
    super(message);
    this.name = 'OperatorBootstrapError';
  }
}

/** A random password that passes the account rules (letters, digits, a symbol; 16 characters). */
export function generateOperatorPassword(username: string): string {
  for (;;) {
    const password = `${randomBytes(10).toString('base64url').replace(/[-_]/g, 'x')}#${randomInt(10, 100)}`;
    if (/[A-Za-z]/.test(password) && /\d/.test(password) && validatePassword(password, { username }) === null) return password;
  }
}

export interface CreatedOperator {
  id: string;
  username: string;
  phoneMasked: string;
  /** Shown once; never stored. */
  password: string;
}

export async function createFirstOperator(
  ctx: Pick<AppContext, 'db' | 'pii'>,
  input: { username: string; phone: string; displayName?: string | undefined; createdBy: string },
): Promise<CreatedOperator> {
  const username = usernameSchema.safeParse(input.username);
  if (!username.success) throw new OperatorBootstrapError('username_invalid', `用户名不符合规则：${username.error.issues[0]?.message ?? ''}`);
  const phone = parsePhone(input.phone);
  if (!phone.ok) throw new OperatorBootstrapError('phone_invalid', '请填写正确的 11 位手机号码（用于接收管理后台的短信验证码）');
  const password = generateOperatorPassword(username.data);
  const passwordHash = await hashPassword(password);
  const id = await ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended('operator-bootstrap', 0))`);
    const [existing] = rowsOf<{ n: number }>(await tx.execute(sql`select count(*)::int as n from accounts where role = 'operator'`));
    if ((existing?.n ?? 0) > 0) {
      throw new OperatorBootstrapError('operator_exists', '已存在教育卡管理中心账号：首个账号只能用此命令创建一次，其他账号请由管理员在管理后台创建。');
    }
    const key = usernameKey(username.data);
    const [taken] = await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.usernameKey, key));
    if (taken) throw new OperatorBootstrapError('username_taken', '该用户名已被使用，请换一个');
    const [row] = await tx
      .insert(accounts)
      .values({
        role: 'operator',
        status: 'active',
        username: username.data,
        usernameKey: key,
        passwordHash,
        passwordChangeRequired: true,
        displayName: input.displayName ?? '教育卡管理中心',
        ...encryptPhone(ctx, phone.value),
      })
      .returning({ id: accounts.id });
    await writeAudit(tx, {
      actor: 'system',
      action: 'console.operator_bootstrapped',
      subject: { type: 'account', id: row!.id },
      detail: { username: username.data, createdBy: input.createdBy },
    });
    return row!.id;
  });
  return { id, username: username.data, phoneMasked: maskPhone(phone.value), password };
}
