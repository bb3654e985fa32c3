/**
 * Account security notices (issue 12): every password change or reset, every
 * phone change and every manual recovery step is announced to the phone the
 * account had (SMS) and to its WeChat (subscribe or template message, when
 * bound), through the one notification path: rows written in the transaction
 * of the change, relayed and delivered by the notifications queue. Two rows per
 * event, one per channel family (`via`), so an SMS is sent even when WeChat
 * took the message, and the SMS goes to the number stored on the row (the old
 * phone of a phone change), not to whatever the account holds by then.
 */
import { randomUUID } from 'node:crypto';
import type { SecurityEvent } from '../../../domain/messaging/messages';
import type { AppContext } from '../../context';
import type { DbOrTx } from '../../db/client';
import { NOTIFICATION_SMS_PHONE_CONTEXT } from '../messaging/deliver';
import { writeNotifications } from '../notifications/notifications';

export async function announceSecurityEvent(
  tx: DbOrTx,
  app: Pick<AppContext, 'pii'>,
  input: { accountId: string; event: SecurityEvent; /** The phone to text (plaintext, the one before the change); none: no SMS. */ phone: string | null },
): Promise<void> {
  const eventId = randomUUID();
  const data = { event: input.event, eventId };
  await writeNotifications(tx, [
    { accountId: input.accountId, kind: 'account.security', dedupKey: `account.security:${eventId}:wechat`, data: { ...data, via: 'wechat' }, pagePath: 'pages/mine/index' },
    ...(input.phone
      ? [
          {
            accountId: input.accountId,
            kind: 'account.security' as const,
            dedupKey: `account.security:${eventId}:sms`,
            data: { ...data, via: 'sms' },
            pagePath: null,
            smsPhoneCipher: app.pii.encrypt(input.phone, NOTIFICATION_SMS_PHONE_CONTEXT),
          },
        ]
      : []),
  ]);
}
