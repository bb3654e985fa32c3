/**
 * POST /api/payments/wechatpay/notify: WeChat Pay's notifications (public;
 * authenticated by WeChat Pay's signature, see
 * server/services/payments/payment-notifications.ts). The body is read raw
 * (the route is declared `rawBody`), so the signature is checked over the
 * exact bytes sent. Answers follow WeChat Pay's contract, not the API's
 * error shape: 204 with no body, or 4xx/5xx with {"code":"FAIL","message":"失败"}.
 */
import { readRawBody, RawBodyTooLargeError } from '../../middlewares/raw-body';
import { handleWechatPayNotification } from '../../../services/payments/payment-notifications';
import { defineRoute } from '../../route';
import { requestMeta } from '../auth/request-meta';

/** Notifications are a few kilobytes; anything much larger is not one. */
const NOTIFY_BODY_LIMIT = 64 * 1024;
const FAIL = { code: 'FAIL', message: '失败' };

export const postWechatPayNotify = defineRoute({
  method: 'post',
  path: '/api/payments/wechatpay/notify',
  operationId: 'wechatPayNotify',
  summary: 'WeChat Pay notifications (TRANSACTION.SUCCESS, REFUND.*), verified over the raw body',
  tags: ['payments'],
  access: 'public',
  rawBody: true,
  responses: {
    204: { description: 'Handled (also a duplicate, or flagged for an operator)' },
    400: { description: 'FAIL: undecryptable or malformed, or not our merchant/app' },
    401: { description: 'FAIL: signature, serial or timestamp refused' },
    404: { description: 'FAIL: no such order (recorded)' },
    500: { description: 'FAIL: could not be handled now; WeChat Pay retries' },
  },
  handler: async ({ koa, app }) => {
    let rawBody: string;
    try {
      rawBody = await readRawBody(koa, NOTIFY_BODY_LIMIT);
    } catch (err) {
      koa.status = err instanceof RawBodyTooLargeError ? 413 : 400;
      koa.body = FAIL;
      return;
    }
    try {
      const answer = await handleWechatPayNotification(app, {
        headers: {
          serial: koa.get('Wechatpay-Serial') || undefined,
          signature: koa.get('Wechatpay-Signature') || undefined,
          timestamp: koa.get('Wechatpay-Timestamp') || undefined,
          nonce: koa.get('Wechatpay-Nonce') || undefined,
        },
        rawBody,
        meta: requestMeta(koa),
      });
      koa.status = answer.status;
      if (answer.body) koa.body = answer.body;
    } catch (err) {
      app.logger.error({ err, requestId: koa.state.requestId }, 'payment notification failed');
      koa.status = 500;
      koa.body = FAIL;
    }
  },
});
