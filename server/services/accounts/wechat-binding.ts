/**
 * What binding a mini-program user to an account writes: the openid, the
 * unionid when WeChat gave one, and through the unionid the official-account
 * openid (wechat_oa_users), which template messages are sent to.
 */
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { accounts, wechatOaUsers } from '../../db/schema';

/** The WeChat user of a wx.login code, as held by a wechat ticket. */
export interface WechatIdentity {
  openid: string;
  unionid?: string;
}

export async function oaOpenidOf(db: DbOrTx, unionid: string | undefined): Promise<string | null> {
  if (!unionid) return null;
  const [row] = await db.select({ oaOpenid: wechatOaUsers.oaOpenid }).from(wechatOaUsers).where(eq(wechatOaUsers.unionid, unionid));
  return row?.oaOpenid ?? null;
}

/** The account columns that bind a WeChat user (the OA openid only when known and not held by another account). */
export async function wechatColumns(
  db: DbOrTx,
  identity: WechatIdentity,
  accountId?: string,
): Promise<Pick<typeof accounts.$inferInsert, 'wechatMpOpenid' | 'wechatUnionid' | 'wechatOaOpenid'>> {
  const oaOpenid = await oaOpenidOf(db, identity.unionid);
  let freeOaOpenid: string | null = null;
  if (oaOpenid) {
    const [holder] = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.wechatOaOpenid, oaOpenid));
    if (!holder || holder.id === accountId) freeOaOpenid = oaOpenid;
  }
  return {
    wechatMpOpenid: identity.openid,
    wechatUnionid: identity.unionid ?? null,
    ...(freeOaOpenid ? { wechatOaOpenid: freeOaOpenid } : {}),
  };
}
