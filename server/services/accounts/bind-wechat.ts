/**
 * Bind the signed-in account to the WeChat user of a wx.login code (so the
 * next wx.login signs in directly and template messages can reach them).
 * An openid bound to another account → 409 WECHAT_ALREADY_BOUND; the account's
 * previous binding, if any, is replaced.
 */
import { eq } from 'drizzle-orm';
import type { AccountView } from '../../../domain/api/auth';
import type { AppContext } from '../../context';
import { accounts } from '../../db/schema';
import { presentAccount, loadAccount } from './account-view';
import { writeAccountAudit } from './audit';
import { fieldError } from './errors';
import { uniqueViolation } from './register';
import type { RequestMeta } from './request-meta';
import { callWechat } from './wechat-errors';
import { wechatColumns, type WechatIdentity } from './wechat-binding';

export async function bindWechat(app: AppContext, input: { accountId: string; code: string }, meta: RequestMeta): Promise<AccountView> {
  const wx = await callWechat(() => app.wechat.code2Session(input.code));
  const identity: WechatIdentity = { openid: wx.openid, ...(wx.unionid ? { unionid: wx.unionid } : {}) };
  const [holder] = await app.db.select({ id: accounts.id }).from(accounts).where(eq(accounts.wechatMpOpenid, identity.openid));
  if (holder && holder.id !== input.accountId) throw fieldError('WECHAT_ALREADY_BOUND', 'code');
  const account = await loadAccount(app.db, input.accountId);
  try {
    const [updated] = await app.db
      .update(accounts)
      .set({ wechatOaOpenid: null, ...(await wechatColumns(app.db, identity, account.id)), updatedAt: new Date() })
      .where(eq(accounts.id, account.id))
      .returning();
    await writeAccountAudit(app.db, meta, { action: 'account.wechat_bound', account: { id: account.id, role: account.role } });
    return presentAccount(app, updated!);
  } catch (err) {
    if (uniqueViolation(err) === 'wechat') throw fieldError('WECHAT_ALREADY_BOUND', 'code');
    throw err;
  }
}
