/**
 * Registration of a family account (parent or student): the phone proven by an
 * SMS code or by a phone ticket (WeChat phone button), a username unique
 * regardless of letter case, a password that passes the domain rules (also: not
 * containing the username or phone), and the agreements recorded with their
 * versions. With a wechat ticket the mini-program user is bound at once.
 *
 * Order (issue 12, attack 6): the per-IP limit, then the phone proof (the SMS
 * code checked without being consumed, or the phone ticket), and only then
 * anything about the username and the argon2 hash: without a valid code a
 * taken username answers SMS_CODE_INVALID exactly like a free one, and costs
 * no hashing. The code is consumed in the transaction that creates the
 * account, so a failure after it (a username taken) leaves the code usable.
 */
import { eq } from 'drizzle-orm';
import { usernameKey } from '../../../domain/account/credentials';
import type { FamilyRole, SessionResponse } from '../../../domain/api/auth';
import type { AppContext } from '../../context';
import { uniqueViolationConstraint } from '../../db/pg-errors';
import { accountAgreements, accounts } from '../../db/schema';
import { hashPassword } from '../../security/passwords';
import { encryptPhone } from './account-view';
import { writeAccountAudit } from './audit';
import { assertPasswordAllowed, assertUsernameNotCardNumber, fieldError } from './errors';
import type { RequestMeta } from './request-meta';
import { startSession, type Channel } from './sessions';
import { checkSmsCode, consumeSmsCode, smsCodeInvalid } from './sms-codes';
import { wechatColumns, type WechatIdentity } from './wechat-binding';

export interface RegisterInput {
  identity: FamilyRole;
  phone: string;
  smsCode?: string | undefined;
  phoneTicket?: string | undefined;
  wechatTicket?: string | undefined;
  username: string;
  password: string;
  agreement: { privacyPolicyVersion: string; childrenRulesVersion: string; agreed: true };
  channel: Channel;
}

/** The phone ticket's payload (POST /api/auth/wechat/phone). */
export interface PhoneTicket {
  phone: string;
}

/** 23505 on one of these constraints means the username or the WeChat user is taken. */
export function uniqueViolation(err: unknown): 'username' | 'wechat' | null {
  const constraint = uniqueViolationConstraint(err);
  if (constraint === null) return null;
  if (constraint.includes('username_key')) return 'username';
  if (constraint.includes('wechat_mp_openid')) return 'wechat';
  return null;
}

export async function register(app: AppContext, input: RegisterInput, meta: RequestMeta): Promise<SessionResponse> {
  const { tickets, limits } = app.security;
  await limits.registerPerIp.consumeOrThrow(meta.ip);
  if (input.smsCode && !(await checkSmsCode(app.db, app, { phone: input.phone, purpose: 'register', code: input.smsCode }))) {
    throw smsCodeInvalid();
  }
  const key = usernameKey(input.username);

  let wechat: WechatIdentity | null = null;
  if (input.wechatTicket) {
    wechat = await tickets.peek<WechatIdentity>('wechat', input.wechatTicket);
    if (!wechat) throw fieldError('TICKET_INVALID', 'wechatTicket');
  }

  // The phone proof: a phone ticket is spent now (and put back if registration fails); an SMS code in the transaction.
  let phoneTicket: { payload: PhoneTicket; ttlMs: number } | null = null;
  if (!input.smsCode && input.phoneTicket) {
    phoneTicket = await tickets.take<PhoneTicket>('phone', input.phoneTicket);
    if (!phoneTicket) throw fieldError('TICKET_INVALID', 'phoneTicket');
    if (phoneTicket.payload.phone !== input.phone) {
      await tickets.restore('phone', input.phoneTicket, phoneTicket.payload, phoneTicket.ttlMs);
      throw fieldError('TICKET_INVALID', 'phoneTicket');
    }
  }

  try {
    // The phone is proven: now the password rules and the username may be answered.
    assertPasswordAllowed(input.password, { username: input.username, phone: input.phone }, 'password');
    assertUsernameNotCardNumber(input.username);
    const [taken] = await app.db.select({ id: accounts.id }).from(accounts).where(eq(accounts.usernameKey, key));
    if (taken) throw fieldError('USERNAME_TAKEN', 'username');
  } catch (err) {
    if (phoneTicket && input.phoneTicket) await tickets.restore('phone', input.phoneTicket, phoneTicket.payload, phoneTicket.ttlMs);
    throw err;
  }

  const passwordHash = await hashPassword(input.password);
  let outcome: { ok: true; session: SessionResponse } | { ok: false };
  try {
    outcome = await app.db.transaction(async (tx) => {
      if (input.smsCode && !(await consumeSmsCode(tx, app, { phone: input.phone, purpose: 'register', code: input.smsCode }))) {
        return { ok: false as const };
      }
      const [account] = await tx
        .insert(accounts)
        .values({
          role: input.identity,
          username: input.username,
          usernameKey: key,
          passwordHash,
          ...encryptPhone(app, input.phone),
          ...(wechat ? await wechatColumns(tx, wechat) : {}),
          status: 'active',
        })
        .returning();
      await tx.insert(accountAgreements).values([
        { accountId: account!.id, document: 'privacy_policy', version: input.agreement.privacyPolicyVersion, ip: meta.ip, channel: input.channel },
        { accountId: account!.id, document: 'children_rules', version: input.agreement.childrenRulesVersion, ip: meta.ip, channel: input.channel },
      ]);
      await writeAccountAudit(tx, meta, {
        action: 'account.registered',
        account: { id: account!.id, role: account!.role },
        detail: { channel: input.channel, phoneProof: input.smsCode ? 'sms' : 'wechat_phone', wechatBound: wechat !== null },
      });
      return { ok: true as const, session: await startSession(tx, app, account!, input.channel, meta) };
    });
  } catch (err) {
    if (phoneTicket && input.phoneTicket) await tickets.restore('phone', input.phoneTicket, phoneTicket.payload, phoneTicket.ttlMs);
    const which = uniqueViolation(err);
    if (which === 'username') throw fieldError('USERNAME_TAKEN', 'username');
    if (which === 'wechat') throw fieldError('WECHAT_ALREADY_BOUND', 'wechatTicket');
    throw err;
  }
  if (!outcome.ok) throw smsCodeInvalid();
  if (input.wechatTicket) await tickets.take('wechat', input.wechatTicket).catch(() => null);
  return outcome.session;
}
