import type { Middleware } from 'koa';
import { AppError } from '../../../domain/errors';
import { findInCauseChain } from '../../db/pg-errors';
import type { Logger } from '../../logging/logger';
import type { RequestState } from '../route';

/** Driver errors that mean "the database is unreachable or restarting", not "this request is wrong". */
const DB_UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300']);

const DB_UNAVAILABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection ended/i;

function isDatabaseUnavailable(err: unknown): boolean {
  return (
    findInCauseChain(
      err,
      (e) => (typeof e.code === 'string' && DB_UNAVAILABLE_CODES.has(e.code)) || (typeof e.message === 'string' && DB_UNAVAILABLE_MESSAGE.test(e.message)),
    ) !== undefined
  );
}

/**
 * PostgreSQL refusing a value of the request itself: every data exception
 * (class 22: 22P02 invalid text representation, 22021 a character the encoding
 * cannot hold, 22001 too long, 22003 out of range, 22007/22008 bad dates,
 * 22P05 untranslatable, …) and 54000 (a value past a size limit, e.g. an index
 * row too large). Bad input that slipped past a schema: answered 400 rather
 * than 500, and still logged (without the values) so the schema gets fixed.
 */
const DB_BAD_INPUT_CODE = /^(22[0-9A-Z]{3}|54000)$/;

export function isDatabaseBadInput(err: unknown): boolean {
  return findInCauseChain(err, (e) => typeof e.code === 'string' && DB_BAD_INPUT_CODE.test(e.code) && e.severity !== undefined) !== undefined;
}

/** The `fields` of a 400 for a value the database refused: the part of the request it came from. */
const DB_BAD_INPUT_FIELDS = { body: '提交的内容中有无法保存的值（字符无效、过长或超出范围），请检查后重试' };

/** Translate anything thrown below into an AppError; report what is unexpected. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const status = (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
  const type = (err as { type?: unknown }).type;
  if (status === 413 || type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE');
  if (status === 415 || type === 'encoding.unsupported') return new AppError('UNSUPPORTED_MEDIA_TYPE');
  if (status === 405) return new AppError('METHOD_NOT_ALLOWED');
  if (isDatabaseUnavailable(err)) return new AppError('SERVICE_UNAVAILABLE', { cause: err });
  if (isDatabaseBadInput(err)) return new AppError('VALIDATION_FAILED', { cause: err, fields: DB_BAD_INPUT_FIELDS });
  return new AppError('INTERNAL', { cause: err });
}

/**
 * The one error translator: every failure becomes `{ error: { code, message, fields? } }`
 * with its status; stack traces and driver messages never reach the client.
 */
export function errorHandler(logger: Logger): Middleware<RequestState> {
  return async function handleErrors(ctx, next) {
    try {
      await next();
    } catch (err) {
      const appError = toAppError(err);
      if (appError.isReportable) {
        logger.error({ err: appError.cause ?? err, requestId: ctx.state.requestId, path: ctx.path }, 'request failed');
      } else if (isDatabaseBadInput(appError.cause)) {
        logger.warn({ err: appError.cause, requestId: ctx.state.requestId, path: ctx.path }, 'the database refused a value a schema let through');
      }
      ctx.status = appError.status;
      ctx.body = appError.toBody();
      if (appError.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(appError.retryAfterSeconds));
      else if (appError.status === 503) ctx.set('Retry-After', '5');
    }
  };
}
