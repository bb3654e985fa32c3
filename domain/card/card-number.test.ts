import fc from 'fast-check';
import { residentIdCheckChar } from '../identity/resident-id';
import {
  CARD_NUMBER_LENGTH,
  MAX_CARD_SEQUENCE,
  formatCardNumber,
  isValidCardNumber,
  maskCardNumber,
  mod11_2CheckChar,
  normalizeCardNumber,
  parseCardNumber,
} from './card-number';

const CARD_CHARS = [...'0123456789XJYABZ'];
const seqArb = fc.integer({ min: 1, max: MAX_CARD_SEQUENCE });
const partsArb = fc.record({
  province: fc.integer({ min: 11, max: 82 }).map(String),
  year: fc.integer({ min: 2000, max: 2099 }),
});

describe('formatCardNumber', () => {
  it('builds JY + province + year + 9-digit sequence + check character', () => {
    const n = formatCardNumber(1234, { province: '32', year: 2026 });
    expect(n).toMatch(/^JY3226000001234[0-9X]$/);
    expect(n).toHaveLength(CARD_NUMBER_LENGTH);
    expect(isValidCardNumber(n)).toBe(true);
    expect(parseCardNumber(n)).toEqual({ province: '32', year2: '26', sequence: 1234 });
  });

  it('uses the same MOD 11-2 system as the resident ID', () => {
    expect(mod11_2CheckChar('11010519491231002')).toBe(residentIdCheckChar('11010519491231002'));
    fc.assert(
      fc.property(fc.stringMatching(/^\d{17}$/), (digits) => {
        expect(mod11_2CheckChar(digits)).toBe(residentIdCheckChar(digits));
      }),
    );
  });

  it('refuses sequences and parts out of range', () => {
    expect(() => formatCardNumber(0, { province: '32', year: 2026 })).toThrow(RangeError);
    expect(() => formatCardNumber(MAX_CARD_SEQUENCE + 1, { province: '32', year: 2026 })).toThrow(RangeError);
    expect(() => formatCardNumber(1.5, { province: '32', year: 2026 })).toThrow(RangeError);
    expect(() => formatCardNumber(1, { province: '3', year: 2026 })).toThrow(RangeError);
    expect(formatCardNumber(BigInt(MAX_CARD_SEQUENCE), { province: '32', year: 2026 })).toMatch(/^JY3226999999999/);
  });

  it('gives distinct numbers for distinct sequences', () => {
    fc.assert(
      fc.property(seqArb, seqArb, partsArb, (a, b, parts) => {
        fc.pre(a !== b);
        expect(formatCardNumber(a, parts)).not.toBe(formatCardNumber(b, parts));
      }),
    );
  });
});

describe('isValidCardNumber', () => {
  it('accepts every formatted number', () => {
    fc.assert(fc.property(seqArb, partsArb, (seq, parts) => isValidCardNumber(formatCardNumber(seq, parts))));
  });

  it('detects any single-character change', () => {
    fc.assert(
      fc.property(seqArb, partsArb, fc.nat(CARD_NUMBER_LENGTH - 1), fc.constantFrom(...CARD_CHARS), (seq, parts, position, replacement) => {
        const valid = formatCardNumber(seq, parts);
        fc.pre(valid[position] !== replacement);
        const changed = valid.slice(0, position) + replacement + valid.slice(position + 1);
        expect(isValidCardNumber(changed)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('detects every transposition of two different adjacent characters', () => {
    fc.assert(
      fc.property(seqArb, partsArb, fc.nat(CARD_NUMBER_LENGTH - 2), (seq, parts, position) => {
        const valid = formatCardNumber(seq, parts);
        fc.pre(valid[position] !== valid[position + 1]);
        const swapped = valid.slice(0, position) + valid[position + 1] + valid[position] + valid.slice(position + 2);
        expect(isValidCardNumber(swapped)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses malformed input and the exact form only', () => {
    const valid = formatCardNumber(42, { province: '32', year: 2026 });
    for (const bad of ['', 'JY', valid.slice(1), `${valid}0`, valid.toLowerCase(), ` ${valid}`, 'JY32260000000000']) {
      expect(isValidCardNumber(bad)).toBe(false);
    }
    expect(isValidCardNumber(undefined as unknown as string)).toBe(false);
    expect(normalizeCardNumber(` ${valid.slice(0, 6).toLowerCase()} ${valid.slice(6)} `)).toBe(valid);
  });

  it('masks a card number for verifiers: prefix and province, then the last four', () => {
    const valid = formatCardNumber(11, { province: '32', year: 2026 });
    expect(maskCardNumber(valid)).toBe(`JY32********${valid.slice(-4)}`);
    expect(maskCardNumber(valid)).toHaveLength(valid.length);
    expect(maskCardNumber('JY32')).toBe('****');
  });
});
