import fc from 'fast-check';
import { errorMessage } from '../errors';
import {
  MAX_GUARDIAN_AGE,
  MAX_STUDENT_AGE,
  MIN_GUARDIAN_AGE,
  MIN_STUDENT_AGE,
  PROVINCE_CODES,
  normalizeResidentId,
  parseResidentId,
  residentIdCheckChar,
  residentIdSchema,
} from './resident-id';
import { birthDateForAge, makeResidentId } from './resident-id.fixtures';

const NOW = new Date('2025-06-15T04:00:00Z'); // 2025-06-15 12:00 in China
const EXAMPLE = '11010519491231002X';
const ID_CHARS = '0123456789X'.split('');

describe('the GB 11643 example number', () => {
  it('is valid for any use and as a guardian, and decodes birth date, sex and province', () => {
    for (const use of ['any', 'guardian'] as const) {
      expect(parseResidentId(EXAMPLE, { use, now: NOW })).toEqual({
        ok: true,
        value: { id: EXAMPLE, birthDate: '1949-12-31', sex: 'female', provinceCode: '11' },
      });
    }
  });

  it('is not a plausible student', () => {
    expect(parseResidentId(EXAMPLE, { use: 'student', now: NOW })).toEqual({ ok: false, code: 'ID_AGE_STUDENT' });
  });

  it('becomes invalid when any single character is changed to any other', () => {
    for (let position = 0; position < 18; position += 1) {
      for (const replacement of ID_CHARS) {
        if (replacement === EXAMPLE[position]) continue;
        const changed = EXAMPLE.slice(0, position) + replacement + EXAMPLE.slice(position + 1);
        const result = parseResidentId(changed, { now: NOW });
        if (result.ok) throw new Error(`${changed} (position ${position}) was accepted`);
      }
    }
  });
});

describe('normalisation', () => {
  it('trims, removes inner spaces and upper-cases x', () => {
    expect(normalizeResidentId('  110105 19491231 002x ')).toBe(EXAMPLE);
  });

  it('turns full-width digits, Ｘ and ｘ into ASCII', () => {
    expect(normalizeResidentId('１１０１０５１９４９１２３１００２Ｘ')).toBe(EXAMPLE);
    expect(normalizeResidentId('１１０１０５１９４９１２３１００２ｘ')).toBe(EXAMPLE);
    expect(parseResidentId('１１０１０５１９４９１２３１００２ｘ', { now: NOW }).ok).toBe(true);
  });

  it('removes ideographic spaces and zero-width characters pasted from chats', () => {
    expect(normalizeResidentId('110105\u300019491231\u200B002X')).toBe(EXAMPLE);
  });
});

describe('error precedence', () => {
  const cases: Array<[string, string]> = [
    ['', 'ID_REQUIRED'],
    ['   ', 'ID_REQUIRED'],
    ['110105491231002', 'ID_LEGACY_15'],
    ['1101051949123100', 'ID_FORMAT'],
    ['11010519491231002XX', 'ID_FORMAT'],
    ['1101051949123100X2', 'ID_FORMAT'],
    ['A1010519491231002X', 'ID_FORMAT'],
    ['99010519491231002X', 'ID_PROVINCE'], // bad province wins over a bad check character
    ['11010519491331002X', 'ID_BIRTH_DATE'], // month 13
    ['11010518991231002X', 'ID_BIRTH_DATE'], // before MIN_BIRTH_YEAR
    ['11010520250616002X', 'ID_BIRTH_FUTURE'], // tomorrow in China
    ['110105194912310021', 'ID_CHECKSUM'],
  ];
  it.each(cases)('%j → %s', (input, code) => {
    expect(parseResidentId(input, { use: 'student', now: NOW })).toEqual({ ok: false, code });
  });

  it('accepts every province code of the list, including 83 for Taiwan residence permits', () => {
    for (const province of PROVINCE_CODES) {
      expect(parseResidentId(makeResidentId({ province, birthDate: '2010-01-01' }), { now: NOW }).ok).toBe(true);
    }
    for (const province of ['00', '10', '16', '20', '24', '30', '38', '40', '47', '55', '60', '66', '70', '72', '80', '84', '91']) {
      expect(parseResidentId(makeResidentId({ province, birthDate: '2010-01-01' }), { now: NOW })).toEqual({
        ok: false,
        code: 'ID_PROVINCE',
      });
    }
  });
});

describe('birth dates', () => {
  it('accepts 29 February in a leap year and rejects it in a common year', () => {
    expect(parseResidentId(makeResidentId({ birthDate: '2016-02-29' }), { now: NOW }).ok).toBe(true);
    expect(parseResidentId(makeResidentId({ birthDate: '2000-02-29' }), { now: NOW }).ok).toBe(true);
    const body = '11010520230229001'; // 2023 is not a leap year
    expect(parseResidentId(body + residentIdCheckChar(body), { now: NOW })).toEqual({ ok: false, code: 'ID_BIRTH_DATE' });
    const century = '11010519000229001'; // 1900 is not a leap year either
    expect(parseResidentId(century + residentIdCheckChar(century), { now: NOW })).toEqual({
      ok: false,
      code: 'ID_BIRTH_DATE',
    });
  });

  it('rejects day 31 of a 30-day month and day 00', () => {
    for (const date of ['20100431', '20100600', '20100001']) {
      const body = `110105${date}001`;
      expect(parseResidentId(body + residentIdCheckChar(body), { now: NOW })).toEqual({ ok: false, code: 'ID_BIRTH_DATE' });
    }
  });

  it('accepts a birth today (China time) and rejects tomorrow', () => {
    expect(parseResidentId(makeResidentId({ birthDate: '2025-06-15' }), { now: NOW }).ok).toBe(true);
    expect(parseResidentId(makeResidentId({ birthDate: '2025-06-16' }), { now: NOW })).toEqual({
      ok: false,
      code: 'ID_BIRTH_FUTURE',
    });
  });

  it('takes "today" in China: at 23:30 UTC it is already the next day in Beijing', () => {
    const lateUtc = new Date('2025-06-15T23:30:00Z'); // 2025-06-16 07:30 in China
    expect(parseResidentId(makeResidentId({ birthDate: '2025-06-16' }), { now: lateUtc }).ok).toBe(true);
  });
});

describe('sex', () => {
  it('is male for an odd 17th digit and female for an even one', () => {
    expect(parseResidentId(makeResidentId({ birthDate: '2012-03-04', sequence: 123 }), { now: NOW })).toMatchObject({
      value: { sex: 'male' },
    });
    expect(parseResidentId(makeResidentId({ birthDate: '2012-03-04', sequence: 120 }), { now: NOW })).toMatchObject({
      value: { sex: 'female' },
    });
  });
});

describe('age for the use', () => {
  const student = (birthDate: string) => parseResidentId(makeResidentId({ birthDate }), { use: 'student', now: NOW });
  const guardian = (birthDate: string) => parseResidentId(makeResidentId({ birthDate }), { use: 'guardian', now: NOW });

  it(`accepts students from their ${MIN_STUDENT_AGE}nd birthday until the day before their ${MAX_STUDENT_AGE + 1}th`, () => {
    expect(student(birthDateForAge(MIN_STUDENT_AGE, NOW))).toMatchObject({ ok: true });
    expect(student(birthDateForAge(MIN_STUDENT_AGE, NOW, 1))).toEqual({ ok: false, code: 'ID_AGE_STUDENT' });
    expect(student(birthDateForAge(MAX_STUDENT_AGE + 1, NOW, 1))).toMatchObject({ ok: true });
    expect(student(birthDateForAge(MAX_STUDENT_AGE + 1, NOW))).toEqual({ ok: false, code: 'ID_AGE_STUDENT' });
  });

  it(`accepts guardians from ${MIN_GUARDIAN_AGE} to ${MAX_GUARDIAN_AGE}`, () => {
    expect(guardian(birthDateForAge(MIN_GUARDIAN_AGE, NOW))).toMatchObject({ ok: true });
    expect(guardian(birthDateForAge(MIN_GUARDIAN_AGE, NOW, 1))).toEqual({ ok: false, code: 'ID_AGE_GUARDIAN' });
    expect(guardian(birthDateForAge(MAX_GUARDIAN_AGE + 1, NOW, 1))).toMatchObject({ ok: true });
    expect(guardian(birthDateForAge(MAX_GUARDIAN_AGE + 1, NOW))).toEqual({ ok: false, code: 'ID_AGE_GUARDIAN' });
  });

  it('checks no age for use "any"', () => {
    expect(parseResidentId(makeResidentId({ birthDate: '2025-01-01' }), { now: NOW }).ok).toBe(true);
  });

  it('counts the birthday of someone born on 29 February as 1 March in a common year', () => {
    const leapling = makeResidentId({ birthDate: '2008-02-29' });
    const on = (iso: string) => parseResidentId(leapling, { use: 'guardian', now: new Date(`${iso}T04:00:00Z`) });
    expect(on('2026-02-28')).toEqual({ ok: false, code: 'ID_AGE_GUARDIAN' });
    expect(on('2026-03-01')).toMatchObject({ ok: true });
  });
});

describe('the check character (properties)', () => {
  const validBody = fc
    .record({
      province: fc.constantFrom(...PROVINCE_CODES),
      area: fc.stringMatching(/^\d{4}$/),
      birth: fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2025-06-14T00:00:00Z'), noInvalidDate: true }),
      sequence: fc.stringMatching(/^\d{3}$/),
    })
    .map(({ province, area, birth, sequence }) => `${province}${area}${birth.toISOString().slice(0, 10).replace(/-/g, '')}${sequence}`);

  it('makes a valid number from any valid 17-digit body, and every other check character makes it invalid', () => {
    fc.assert(
      fc.property(validBody, (body) => {
        const check = residentIdCheckChar(body);
        expect(parseResidentId(body + check, { now: NOW }).ok).toBe(true);
        for (const other of ID_CHARS) {
          if (other !== check) expect(parseResidentId(body + other, { now: NOW })).toEqual({ ok: false, code: 'ID_CHECKSUM' });
        }
      }),
    );
  });

  it('satisfies the ISO 7064 MOD 11-2 definition: Σ aᵢ·2^(18−i) ≡ 1 (mod 11) with X = 10', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{17}$/), (body) => {
        const digits = [...body + residentIdCheckChar(body)].map((c) => (c === 'X' ? 10 : Number(c)));
        const sum = digits.reduce((acc, a, i) => acc + a * 2 ** (17 - i), 0);
        expect(sum % 11).toBe(1);
      }),
    );
  });

  it('refuses a body that is not 17 digits', () => {
    expect(() => residentIdCheckChar('1101051949123100')).toThrow(RangeError);
    expect(() => residentIdCheckChar('1101051949123100X')).toThrow(RangeError);
  });
});

describe('residentIdSchema', () => {
  const clock = () => NOW;

  it('outputs the normalised number', () => {
    expect(residentIdSchema('guardian', { clock }).parse(' 110105 19491231 002x')).toBe(EXAMPLE);
  });

  it('reports the Chinese message of the code and the code in params', () => {
    const result = residentIdSchema('student', { clock }).safeParse(EXAMPLE);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ message: errorMessage('ID_AGE_STUDENT'), params: { code: 'ID_AGE_STUDENT' } }),
    ]);
  });

  it('asks for the number when the value is not a string', () => {
    expect(residentIdSchema('any').safeParse(undefined).error?.issues[0]?.message).toBe(errorMessage('ID_REQUIRED'));
  });
});

describe('makeResidentId', () => {
  it('builds the example number from its parts', () => {
    expect(makeResidentId({ province: '11', area: '0105', birthDate: '1949-12-31', sequence: 2 })).toBe(EXAMPLE);
  });

  it('picks a sequence that matches the requested sex and refuses a contradiction', () => {
    expect(parseResidentId(makeResidentId({ birthDate: '2015-05-05', sex: 'female' }), { now: NOW })).toMatchObject({
      value: { sex: 'female' },
    });
    expect(() => makeResidentId({ birthDate: '2015-05-05', sequence: 3, sex: 'female' })).toThrow(RangeError);
    expect(() => makeResidentId({ birthDate: '2015-02-30' })).toThrow(RangeError);
  });
});
