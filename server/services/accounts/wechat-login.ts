/**
 * Mini-program sign-in: wx.login code → code2Session → the account bound to
 * that openid gets a session; an unknown WeChat user gets a wechat ticket
 * (openid and unionid in Redis for 10 minutes, never the session_key, which
 * the WeChat client already dropped) to bind at registration.
 */
import { eq } from 'drizzle-orm';
import type { SessionResponse } from '../../../domain/api/auth';
import { AppError } from '../../../domain/errors';
import type { AppContext } from '../../context';
import { accounts } from '../../db/schema';
import { TICKET_TTL_SECONDS } from '../../security/tickets';
import { writeAccountAudit } from './audit';
import type { RequestMeta } from './request-meta';
import { cancelOpenRecoveryRequests } from './recovery-requests';
import { startSession } from './sessions';
import { callWechat } from './wechat-errors';
import { wechatColumns, type WechatIdentity } from './wechat-binding';

export type WechatLoginResult =
  | (SessionResponse & { bound: true })
  | { bound: false; wechatTicket: string; expiresIn: number };

export async function wechatLogin(app: AppContext, input: { code: string }, meta: RequestMeta): Promise<WechatLoginResult> {
  const wx = await callWechat(() => app.wechat.code2Session(input.code));
  const identity: WechatIdentity = { openid: wx.openid, ...(wx.unionid ? { unionid: wx.unionid } : {}) };
  const [account] = await app.db.select().from(accounts).where(eq(accounts.wechatMpOpenid, identity.openid));
  if (!account) {
    const wechatTicket = await app.security.tickets.issue('wechat', identity);
    return { bound: false, wechatTicket, expiresIn: TICKET_TTL_SECONDS };
  }
  if (account.status !== 'active') throw new AppError('ACCOUNT_DISABLED');
  let current = account;
  if (identity.unionid && (account.wechatUnionid !== identity.unionid || !account.wechatOaOpenid)) {
    // WeChat gave a unionid we did not have (the app was linked to an Open Platform account since): link the OA user too.
    const [updated] = await app.db
      .update(accounts)
      .set({ ...(await wechatColumns(app.db, identity, account.id)), updatedAt: new Date() })
      .where(eq(accounts.id, account.id))
      .returning();
    current = updated ?? account;
  }
  const session = await startSession(app.db, app, current, 'weapp', meta);
  await writeAccountAudit(app.db, meta, { action: 'account.login', account: { id: current.id, role: current.role }, detail: { kind: 'wechat', channel: 'weapp' } });
  // The owner is evidently not locked out: an open manual recovery request of the account is cancelled.
  await cancelOpenRecoveryRequests(app, { id: current.id, role: current.role }, 'signed_in', meta);
  return { ...session, bound: true };
}
