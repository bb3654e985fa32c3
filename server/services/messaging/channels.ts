/**
 * The three channels of a message and what each needs of the recipient:
 *
 *   template  — the official-account openid (own or linked through the
 *               UnionID), still following; client_msg_id = the delivery id;
 *   subscribe — the mini-program openid and an unused one-time grant of the
 *               group's subscribe template;
 *   sms       — a phone number.
 *
 * `prepareAttempt` says what a channel would send or why it cannot; the
 * attempt's `send` makes the provider call only (the caller claims the
 * delivery row before and records the outcome after).
 */
import { eq, inArray } from 'drizzle-orm';
import type { AccountRole } from '../../../domain/api/auth';
import { formatMessageData, type MessageData } from '../../../domain/messaging/fields';
import type { MessageContent } from '../../../domain/messaging/messages';
import { accounts, wechatOaUsers } from '../../db/schema';
import { callWechat, createWechatApi, type AccessTokens, type TokenKind, type WechatApi } from '../../integrations/wechat';
import { phoneOf } from '../accounts/account-view';
import type { MessagingDeps } from './messaging-deps';
import { templatesOf } from './templates';

export type Channel = 'template' | 'subscribe' | 'sms';

/** What a channel needs: the process's dependencies and its WeChat transport (built by createContext, see ./runtime.ts). */
export type ChannelContext = MessagingDeps & { messaging: { wechatApi: WechatApi } };

export const TEACHER_ROUTE: readonly Channel[] = ['template', 'subscribe', 'sms'];
export const FAMILY_ROUTE: readonly Channel[] = ['subscribe', 'template', 'sms'];

export function routeFor(role: AccountRole): readonly Channel[] {
  return role === 'teacher' || role === 'school_admin' ? TEACHER_ROUTE : FAMILY_ROUTE;
}

/**
 * The route of one notification row: its recipient's route, or a part of it when the row's data says
 * `deliverOn: 'wechat' | 'sms'` (a warning that must reach a person on both, e.g. a dispute filed against the
 * family holding a card, is written as two rows, one per part).
 */
export function routeOf(role: AccountRole, data: unknown): readonly Channel[] {
  const route = routeFor(role);
  const deliverOn = (data as { deliverOn?: unknown } | null)?.deliverOn;
  if (deliverOn === 'sms') return ['sms'];
  if (deliverOn === 'wechat') return route.filter((c) => c !== 'sms');
  return route;
}

/** How long a process reuses an access token read from Redis before reading it again. */
export const TOKEN_REUSE_MS = 1_000;

/**
 * The shared tokens, read from Redis at most once per TOKEN_REUSE_MS per
 * process instead of once per message. A token refused meanwhile (40001,
 * someone refreshed it) is dropped here too by callWechat's invalidate, so the
 * retry reads the new one.
 */
export function reusedTokens(tokens: AccessTokens, reuseMs = TOKEN_REUSE_MS): AccessTokens {
  const held = new Map<TokenKind, { token: string; until: number }>();
  return {
    async get(kind) {
      const hit = held.get(kind);
      if (hit && hit.until > Date.now()) return hit.token;
      const token = await tokens.get(kind);
      held.set(kind, { token, until: Date.now() + reuseMs });
      return token;
    },
    async invalidate(kind, failedToken) {
      if (!kind) held.clear();
      else if (failedToken === undefined || held.get(kind)?.token === failedToken) held.delete(kind);
      await tokens.invalidate(kind, failedToken);
    },
  };
}

/** The WeChat transport of a process: the shared tokens, reused for TOKEN_REUSE_MS, with callWechat's refresh single-flight. */
export function messagingWechatApi(deps: Pick<MessagingDeps, 'config' | 'redis' | 'logger'>): WechatApi {
  const shared = createWechatApi(deps.config, { redis: deps.redis, logger: deps.logger });
  return { ...shared, tokens: reusedTokens(shared.tokens) };
}

export interface Recipient {
  id: string;
  role: AccountRole;
  status: string;
  mpOpenid: string | null;
  oaOpenid: string | null;
  /** Known from wechat_oa_users to have unfollowed the official account. */
  oaUnfollowed: boolean;
  phoneCipher: string | null;
  /** The encryption context of phoneCipher when it is not the account's own phone (a notification's sms_phone_cipher). */
  phoneContext?: string;
}

/** The recipients of these accounts, with their linked official-account identity, in one statement. */
export async function loadRecipients(ctx: Pick<MessagingDeps, 'db'>, accountIds: readonly string[]): Promise<Map<string, Recipient>> {
  if (accountIds.length === 0) return new Map();
  const rows = await ctx.db
    .select({
      id: accounts.id,
      role: accounts.role,
      status: accounts.status,
      mpOpenid: accounts.wechatMpOpenid,
      oaOpenid: accounts.wechatOaOpenid,
      linkedOaOpenid: wechatOaUsers.oaOpenid,
      linkedSubscribed: wechatOaUsers.subscribed,
      phoneCipher: accounts.phoneCipher,
    })
    .from(accounts)
    .leftJoin(wechatOaUsers, eq(wechatOaUsers.unionid, accounts.wechatUnionid))
    .where(inArray(accounts.id, [...accountIds]));
  return new Map(
    rows.map((row) => [
      row.id,
      {
        id: row.id,
        role: row.role,
        status: row.status,
        mpOpenid: row.mpOpenid,
        oaOpenid: row.oaOpenid ?? row.linkedOaOpenid,
        oaUnfollowed: row.linkedSubscribed === false && (row.oaOpenid === null || row.oaOpenid === row.linkedOaOpenid),
        phoneCipher: row.phoneCipher,
      },
    ]),
  );
}

/** What one channel sends: the delivery row's columns and the provider call. */
export interface Attempt {
  channel: Channel;
  templateId: string | null;
  pagePath: string | null;
  fields: MessageData | Record<string, string | number> | null;
  /** The subscribe template whose grant a sent message uses up (subscribe only). */
  grantTemplateId: string | null;
  /** Call the provider; resolves with WeChat's msgid (null for SMS). `deliveryId` is the template message's client_msg_id. */
  send: (deliveryId: string) => Promise<string | null>;
}

export interface Impossible {
  impossible: string;
  templateId: string | null;
}

/** What the channel would send, or why it cannot (skipped). `hasGrant` answers whether an unused subscribe grant is left. */
export function prepareAttempt(
  ctx: ChannelContext,
  channel: Channel,
  recipient: Recipient,
  content: MessageContent,
  pagePath: string | null,
  hasGrant: (templateId: string) => boolean,
): Attempt | Impossible {
  const templates = templatesOf(ctx.config, content.group);
  switch (channel) {
    case 'template': {
      if (!recipient.oaOpenid) return { impossible: 'no official-account openid', templateId: templates.template };
      if (recipient.oaUnfollowed) return { impossible: 'does not follow the official account', templateId: templates.template };
      const data = formatMessageData(content.fields, 'template');
      const touser = recipient.oaOpenid;
      return {
        channel,
        templateId: templates.template,
        pagePath,
        fields: data,
        grantTemplateId: null,
        send: async (deliveryId) => {
          const answer = await callWechat<{ msgid?: unknown }>(ctx.messaging.wechatApi, {
            method: 'POST',
            path: '/cgi-bin/message/template/send',
            token: 'oa',
            body: {
              touser,
              template_id: templates.template,
              ...(pagePath ? { miniprogram: { appid: ctx.config.WECHAT_MP_APPID, pagepath: pagePath } } : {}),
              client_msg_id: deliveryId,
              data,
            },
          });
          return answer.msgid === undefined ? null : String(answer.msgid);
        },
      };
    }
    case 'subscribe': {
      if (!recipient.mpOpenid) return { impossible: 'no mini-program openid', templateId: templates.subscribe };
      if (!hasGrant(templates.subscribe)) return { impossible: 'no unused subscribe grant', templateId: templates.subscribe };
      const data = formatMessageData(content.fields, 'subscribe');
      const touser = recipient.mpOpenid;
      return {
        channel,
        templateId: templates.subscribe,
        pagePath,
        fields: data,
        grantTemplateId: templates.subscribe,
        send: async () => {
          const answer = await callWechat<{ msgid?: unknown }>(ctx.messaging.wechatApi, {
            method: 'POST',
            path: '/cgi-bin/message/subscribe/send',
            token: 'mp',
            body: {
              touser,
              template_id: templates.subscribe,
              ...(pagePath ? { page: pagePath } : {}),
              miniprogram_state: ctx.config.WECHAT_MINIPROGRAM_STATE,
              lang: 'zh_CN',
              data,
            },
          });
          return answer.msgid === undefined ? null : String(answer.msgid);
        },
      };
    }
    case 'sms': {
      const phone = !recipient.phoneCipher
        ? null
        : recipient.phoneContext
          ? ctx.pii.decrypt(recipient.phoneCipher, recipient.phoneContext)
          : phoneOf(ctx, recipient);
      if (!phone) return { impossible: 'no phone number', templateId: content.sms.template };
      return {
        channel,
        templateId: content.sms.template,
        pagePath: null,
        fields: content.sms.params,
        grantTemplateId: null,
        send: async () => {
          await ctx.sms.send({ ...content.sms, phone } as Parameters<typeof ctx.sms.send>[0]);
          return null;
        },
      };
    }
  }
}
