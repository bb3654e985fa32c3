/**
 * The official account's message push (服务器配置, plaintext mode), signed
 * with WECHAT_OA_PUSH_TOKEN (server/services/messaging/template-result.ts):
 *
 *   GET  /api/wechat/oa/events  the URL check: echo `echostr` when signed;
 *   POST /api/wechat/oa/events  an XML event; TEMPLATESENDJOBFINISH records a
 *                               template message's fate (a failure falls back
 *                               to the next channel); others are acknowledged.
 *
 * A handled push is answered `success` as plain text (WeChat's contract: it
 * then does not repeat it); refusals use the API's error shape: 401 when the
 * signature is refused, 400 for a body that is not a push, 503 when the event
 * could not be recorded now or names a msgid not recorded yet (WeChat repeats the push).
 */
import { readRawBody, RawBodyTooLargeError } from '../../middlewares/raw-body';
import { parsePushXml, recordTemplateResult, TEMPLATE_SEND_RESULT_EVENT, verifyPush, type PushQuery } from '../../../services/messaging/template-result';
import { AppError } from '../../../../domain/errors';
import { defineRoute, type KoaContext } from '../../route';

/** Events are a few hundred bytes; the limit is the payment notifications' (anything much larger is not one). */
const PUSH_BODY_LIMIT = 64 * 1024;

function queryOf(koa: KoaContext): PushQuery & { echostr?: string } {
  const one = (name: string) => {
    const value = koa.query[name];
    return typeof value === 'string' ? value : undefined;
  };
  return { signature: one('signature'), timestamp: one('timestamp'), nonce: one('nonce'), echostr: one('echostr') };
}

const notAPush = () => new AppError('VALIDATION_FAILED', { fields: { body: '不是有效的微信推送消息' } });

function text(koa: KoaContext, status: number, body: string): void {
  koa.status = status;
  koa.type = 'text/plain';
  koa.body = body;
}

export const getOaEventsCheck = defineRoute({
  method: 'get',
  path: '/api/wechat/oa/events',
  operationId: 'wechatOaEventsCheck',
  summary: 'WeChat official-account push URL check (echostr echoed when signed)',
  tags: ['wechat'],
  access: 'public',
  responses: { 200: { description: 'The echostr' }, 401: { description: 'Signature refused' } },
  handler: ({ koa, app }) => {
    const query = queryOf(koa);
    if (!query.echostr || !verifyPush(app.config.WECHAT_OA_PUSH_TOKEN, query)) throw new AppError('WECHAT_SIGNATURE_INVALID');
    text(koa, 200, query.echostr);
  },
});

export const postOaEvents = defineRoute({
  method: 'post',
  path: '/api/wechat/oa/events',
  operationId: 'wechatOaEvents',
  summary: 'WeChat official-account event push (TEMPLATESENDJOBFINISH: template message results), verified by its signature',
  tags: ['wechat'],
  access: 'public',
  rawBody: true,
  responses: {
    200: { description: 'success (handled, a repeated push, or an event we do not use)' },
    400: { description: 'Not an XML message' },
    401: { description: 'Signature refused' },
    413: { description: 'Body too large' },
    503: { description: 'Could not be recorded now; WeChat repeats the push' },
  },
  handler: async ({ koa, app }) => {
    let raw: string;
    try {
      raw = await readRawBody(koa, PUSH_BODY_LIMIT);
    } catch (err) {
      throw err instanceof RawBodyTooLargeError ? new AppError('PAYLOAD_TOO_LARGE') : notAPush();
    }
    if (!verifyPush(app.config.WECHAT_OA_PUSH_TOKEN, queryOf(koa))) throw new AppError('WECHAT_SIGNATURE_INVALID');
    const fields = parsePushXml(raw);
    if (!fields.MsgType) throw notAPush();
    if (fields.MsgType === 'event' && fields.Event === TEMPLATE_SEND_RESULT_EVENT) {
      const msgId = fields.MsgID ?? fields.MsgId;
      if (!msgId || !fields.Status) throw notAPush();
      let outcome: Awaited<ReturnType<typeof recordTemplateResult>>;
      try {
        outcome = await recordTemplateResult(app, { msgId, status: fields.Status });
      } catch (err) {
        app.logger.error({ err, requestId: koa.state.requestId }, 'template send result could not be recorded');
        throw new AppError('SERVICE_UNAVAILABLE');
      }
      // A failure for a msgid not recorded yet (the worker's delivery record still on its way): not `success`, so
      // WeChat pushes it again instead of the fallback being lost.
      if (outcome.outcome === 'unknown') throw new AppError('SERVICE_UNAVAILABLE');
    }
    text(koa, 200, 'success');
  },
});
