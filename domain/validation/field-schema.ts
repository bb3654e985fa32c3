import { z } from 'zod';
import { type ErrorCode, errorMessage } from '../errors';
import { checkFreeText } from '../text/normalize';
import type { ParseResult } from './result';

/**
 * A free-text string (a notice title, a return reason, …) under the one rule of
 * checkFreeText: zero-width characters stripped, bidirectional controls and
 * unpaired surrogates refused with their Chinese message. Chain the field's own
 * clean-up and limits after it.
 */
export function freeTextSchema(typeMessage: string) {
  return z.string({ error: typeMessage }).transform((input, ctx) => {
    const result = checkFreeText(input);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: errorMessage(result.code), params: { code: result.code } });
    return z.NEVER;
  });
}

/**
 * Wraps a domain parser as a zod schema: the input string is normalised by the
 * parser (the schema's output is the normalised value) and a failure becomes a
 * custom issue whose message is the Chinese message of the error code, with the
 * code itself in `params.code` for programs.
 */
export function parsedStringSchema<T>(parse: (input: string) => ParseResult<T>, typeCode: ErrorCode) {
  return z.string({ error: errorMessage(typeCode) }).transform((input, ctx) => {
    const result = parse(input);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: errorMessage(result.code), params: { code: result.code } });
    return z.NEVER;
  });
}

/**
 * The optional variant for forms: absent, null, or blank (whitespace only)
 * input yields undefined; anything else must parse.
 */
export function optionalParsedStringSchema<T>(parse: (input: string) => ParseResult<T>, typeCode: ErrorCode) {
  return z
    .string({ error: errorMessage(typeCode) })
    .nullish()
    .transform((input, ctx): T | undefined => {
      if (input === null || input === undefined || input.trim() === '') return undefined;
      const result = parse(input);
      if (result.ok) return result.value;
      ctx.addIssue({ code: 'custom', message: errorMessage(result.code), params: { code: result.code } });
      return z.NEVER;
    })
    .optional();
}
