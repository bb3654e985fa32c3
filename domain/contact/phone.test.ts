import { errorMessage } from '../errors';
import { optionalPhoneSchema, parsePhone, phoneSchema } from './phone';

describe('mobile numbers', () => {
  it.each(['13812345678', '14512345678', '19212345678', '17012345678', '19912345678'])('accepts %s', (phone) => {
    expect(parsePhone(phone)).toEqual({ ok: true, value: phone });
  });

  it.each([
    ['+86 138 1234 5678', '13812345678'],
    ['+8613812345678', '13812345678'],
    ['0086-138-1234-5678', '13812345678'],
    ['8613812345678', '13812345678'],
    ['138-1234-5678', '13812345678'],
    ['１３８１２３４５６７８', '13812345678'],
    ['＋８６ １３８ １２３４ ５６７８', '13812345678'],
    ['138\u30001234\u20145678', '13812345678'],
  ])('normalises %j', (input, expected) => {
    expect(parsePhone(input)).toEqual({ ok: true, value: expected });
  });

  it.each(['12812345678', '1381234567', '138123456789', '23812345678', '+85213812345678', '86138123456', 'abc'])(
    'rejects %j',
    (input) => {
      expect(parsePhone(input)).toEqual({ ok: false, code: 'PHONE_FORMAT' });
    },
  );

  it('asks for a value when empty', () => {
    expect(parsePhone(' ')).toEqual({ ok: false, code: 'REQUIRED' });
  });

  it('has schemas with Chinese messages; the optional one turns blank into undefined', () => {
    expect(phoneSchema.parse('+86 138 1234 5678')).toBe('13812345678');
    expect(phoneSchema.safeParse('123').error?.issues[0]?.message).toBe(errorMessage('PHONE_FORMAT'));
    expect(optionalPhoneSchema.parse('  ')).toBeUndefined();
    expect(optionalPhoneSchema.parse(undefined)).toBeUndefined();
    expect(optionalPhoneSchema.parse(null)).toBeUndefined();
    expect(optionalPhoneSchema.safeParse('123').success).toBe(false);
  });
});
