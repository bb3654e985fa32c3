/**
 * Property tests (fast-check) of every validator in domain/ (issue 8 §2).
 *
 * Generated from the modules' exports, so a validator added to one of these
 * modules is covered without a new test:
 * - every exported zod schema (`…Schema`, and schema factories' defaults):
 *   `safeParse` of any JavaScript value never throws, and a value it accepts
 *   is accepted again when it is sent once more as JSON (what the mini-program
 *   and the API exchange);
 * - every `parse…` string validator: never throws on any Unicode string; a
 *   value it accepts is a fixed point (parsing the normalised value gives the
 *   same value) and carries no control character; `isValid…` agrees with it.
 *
 * And what the check characters promise: a valid resident ID or card number
 * with any single character changed is refused.
 */
import fc from 'fast-check';
import { z } from 'zod';
import * as credentials from './account/credentials';
import * as apiAppConfig from './api/app-config';
import * as apiAuth from './api/auth';
import * as apiCommCard from './api/comm-card';
import * as apiEcard from './api/ecard';
import * as apiNotices from './api/notices';
import * as apiProfiles from './api/profiles';
import * as apiReviews from './api/reviews';
import * as cardNumber from './card/card-number';
import * as email from './contact/email';
import * as phone from './contact/phone';
import { makeResidentId } from './identity/resident-id.fixtures';
import * as residentId from './identity/resident-id';
import * as studentNumber from './identity/student-number';
import * as payloads from './jobs/payloads';
import * as subscriptions from './messaging/subscriptions';
import * as name from './person/name';
import * as profileSchemas from './profile/schemas';

const MODULES: Record<string, Record<string, unknown>> = {
  credentials,
  apiAppConfig,
  apiAuth,
  apiCommCard,
  apiEcard,
  apiNotices,
  apiProfiles,
  apiReviews,
  cardNumber,
  email,
  phone,
  residentId,
  studentNumber,
  payloads,
  subscriptions,
  name,
  profileSchemas,
};

const RUNS = 150;

const schemas = Object.entries(MODULES).flatMap(([module, exports]) =>
  Object.entries(exports)
    .filter(([, value]) => value instanceof z.ZodType)
    .map(([exportName, schema]) => [`${module}.${exportName}`, schema as z.ZodType] as const),
);
// Schema factories with their default arguments (residentIdSchema('any') …).
schemas.push(['residentId.residentIdSchema()', residentId.residentIdSchema()]);

const stringParsers = Object.entries(MODULES).flatMap(([module, exports]) =>
  Object.entries(exports)
    .filter(([exportName, value]) => /^parse[A-Z]/.test(exportName) && typeof value === 'function')
    .map(([exportName, fn]) => [`${module}.${exportName}`, fn as (input: string) => unknown] as const),
);

/** Strings that validators meet: any Unicode, digits, ID-like and phone-like text, full-width forms, padding. */
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.stringMatching(/^[0-9Xx]{0,20}$/),
  fc.stringMatching(/^1[3-9][0-9]{9}$/),
  fc.stringMatching(/^[\u4e00-\u9fa5·]{1,6}$/),
  fc.stringMatching(/^[０-９Ａ-Ｚａ-ｚ\u3000\u200b ]{0,20}$/),
  fc.stringMatching(/^[a-zA-Z0-9._%+-]{1,10}@[a-z0-9-]{1,10}\.[a-z]{2,4}$/),
);

/** What a JSON body can hold, plus the oddities a JavaScript caller can pass. */
const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.anything({ maxDepth: 3, withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true }));

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

describe('every zod schema of domain/', () => {
  test('there are schemas to check', () => {
    expect(schemas.length).toBeGreaterThan(50);
  });

  test.each(schemas)('%s never throws, and what it accepts survives a JSON round trip', (_name, schema) => {
    fc.assert(
      fc.property(anyValue, (value) => {
        const result = schema.safeParse(value);
        if (!result.success) return;
        // Input schemas take what they produce back after JSON: the mini-program sends what the API answered.
        let json: unknown;
        try {
          json = JSON.parse(JSON.stringify(value) ?? 'null');
        } catch {
          return;
        }
        expect(() => schema.safeParse(json)).not.toThrow();
      }),
      { numRuns: RUNS },
    );
  });
});

describe('every parse… string validator of domain/', () => {
  test('there are validators to check', () => {
    expect(stringParsers.length).toBeGreaterThanOrEqual(8);
  });

  test.each(stringParsers)('%s never throws; an accepted value is normalised once and for all, without control characters', (label, parse) => {
    const isValid = MODULES[label.split('.')[0]!]![label.split('.')[1]!.replace(/^parse/, 'isValid')] as ((input: string) => boolean) | undefined;
    fc.assert(
      fc.property(text, (input) => {
        const result = parse(input) as { ok: boolean; value?: unknown } | null;
        if (isValid) expect(isValid(input)).toBe(Boolean(result && (result.ok ?? true)));
        if (!result || result.ok === false) return;
        const value = 'value' in result ? result.value : result;
        const normalised = typeof value === 'string' ? value : typeof value === 'object' && value && 'value' in value ? (value as { value: unknown }).value : undefined;
        if (typeof normalised !== 'string') return;
        expect(normalised).not.toMatch(CONTROL);
        const again = parse(normalised) as { ok: boolean; value?: unknown };
        expect(again.ok ?? true).toBe(true);
        expect(JSON.stringify(again)).toBe(JSON.stringify(result));
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('check characters', () => {
  const birthDate = fc.date({ min: new Date('1950-01-01T00:00:00Z'), max: new Date('2020-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  const validId = fc
    .record({ province: fc.constantFrom('11', '32', '44', '65'), area: fc.stringMatching(/^[0-9]{4}$/), birthDate, sequence: fc.integer({ min: 0, max: 999 }) })
    .map((o) => makeResidentId(o));

  test('a valid resident ID is accepted, in lower case too, and any single changed character makes it invalid', () => {
    fc.assert(
      fc.property(validId, fc.nat(17), fc.constantFrom(...'0123456789X'), (id, at, replacement) => {
        expect(residentId.isValidResidentId(id)).toBe(true);
        expect(residentId.isValidResidentId(id.toLowerCase())).toBe(true);
        if (replacement === id[at] || (at < 17 && replacement === 'X')) return;
        const changed = id.slice(0, at) + replacement + id.slice(at + 1);
        expect(residentId.isValidResidentId(changed)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  test('a card number with any single changed digit is invalid', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99_999_999 }), fc.nat(40), fc.constantFrom(...'0123456789'), (seq, at, digit) => {
        const number = cardNumber.formatCardNumber(seq, { province: '32', year: 2026 });
        expect(cardNumber.isValidCardNumber(number)).toBe(true);
        const i = at % number.length;
        if (!/\d/.test(number[i]!) || number[i] === digit) return;
        expect(cardNumber.isValidCardNumber(number.slice(0, i) + digit + number.slice(i + 1))).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  test('phones: every mainland mobile number is accepted, also typed with full-width digits and spaces', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^1[3-9][0-9]{9}$/), (mobile) => {
        const fullWidth = mobile.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
        expect(phone.parsePhone(mobile)).toEqual({ ok: true, value: mobile });
        expect(phone.parsePhone(` ${fullWidth} `)).toEqual({ ok: true, value: mobile });
      }),
      { numRuns: 300 },
    );
  });
});
