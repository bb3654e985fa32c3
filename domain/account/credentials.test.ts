import { errorMessage } from '../errors';
import { COMMON_PASSWORDS } from './common-passwords';
import {
  CredentialsSchema,
  isCommonPassword,
  parseUsername,
  passwordSchema,
  usernameKey,
  usernameSchema,
  validatePassword,
} from './credentials';

describe('usernames', () => {
  it.each(['abcd', 'Zhang_San', 'a1234567890123456789', 'parent_2024'])('accepts %s', (u) => {
    expect(parseUsername(u)).toEqual({ ok: true, value: u });
  });

  it.each(['abc', 'a12345678901234567890', '1abc', '_abc', 'ab cd', 'ab-cd', '张三丰丰', 'abc!'])('rejects %j', (u) => {
    expect(parseUsername(u)).toEqual({ ok: false, code: 'USERNAME_FORMAT' });
  });

  it('trims and accepts full-width letters typed with a Chinese input method', () => {
    expect(parseUsername('  Ｚｈａｎｇ_1 ')).toEqual({ ok: true, value: 'Zhang_1' });
  });

  it('compares case-insensitively through usernameKey', () => {
    expect(usernameKey(' ZhangSan ')).toBe(usernameKey('zhangsan'));
    expect(usernameKey('ZhangSan')).toBe('zhangsan');
  });

  it('asks for a value when empty and has a schema with Chinese messages', () => {
    expect(parseUsername('')).toEqual({ ok: false, code: 'REQUIRED' });
    expect(usernameSchema.safeParse('1ab').error?.issues[0]?.message).toBe(errorMessage('USERNAME_FORMAT'));
  });
});

describe('passwords', () => {
  it('accepts 8 to 32 characters with two character classes', () => {
    expect(validatePassword('tiger7lily')).toBeNull();
    expect(validatePassword('97531!#%')).toBeNull();
    expect(validatePassword('Correct-Horse-Battery')).toBeNull();
    expect(validatePassword('x9'.repeat(16))).toBeNull();
  });

  it('counts the length in code points', () => {
    expect(validatePassword('xy7', {})).toBe('PASSWORD_LENGTH');
    expect(validatePassword('x9'.repeat(16) + 'z')).toBe('PASSWORD_LENGTH');
    expect(validatePassword('𠮷𠮷𠮷𠮷1234')).toBeNull(); // 8 code points, 12 UTF-16 units
  });

  it('needs two of letters, digits and symbols', () => {
    expect(validatePassword('zebrafinch')).toBe('PASSWORD_WEAK');
    expect(validatePassword('90817263')).toBe('PASSWORD_WEAK');
    expect(validatePassword('!@#$%^&*')).toBe('PASSWORD_WEAK');
  });

  it.each(['woaini1314', 'qq123456', 'a123456789', '1qaz2wsx', 'password1', 'Password1', 'WOAINI1314'])(
    'refuses the common password %j whatever its case',
    (pw) => {
      expect(validatePassword(pw)).toBe('PASSWORD_COMMON');
    },
  );

  it('ships about 200 common passwords, each of which would otherwise pass the length and class rules', () => {
    expect(COMMON_PASSWORDS.length).toBeGreaterThanOrEqual(200);
    expect(new Set(COMMON_PASSWORDS).size).toBe(COMMON_PASSWORDS.length);
    for (const pw of COMMON_PASSWORDS) {
      expect(pw).toBe(pw.toLowerCase());
      expect(isCommonPassword(pw)).toBe(true);
      expect(validatePassword(pw)).toBe('PASSWORD_COMMON');
    }
  });

  it('refuses a password containing the username or the phone number, case-insensitively', () => {
    expect(validatePassword('xZhangSan7!', { username: 'zhangsan' })).toBe('PASSWORD_CONTAINS_IDENTITY');
    expect(validatePassword('pw13812345678', { phone: '+86 138-1234-5678' })).toBe('PASSWORD_CONTAINS_IDENTITY');
    expect(validatePassword('tiger7lily', { username: 'zhangsan', phone: '13812345678' })).toBeNull();
  });

  it('reports an empty password as required', () => {
    expect(validatePassword('')).toBe('REQUIRED');
  });

  it('has a schema that keeps the password unchanged and reports Chinese messages', () => {
    expect(passwordSchema.parse(' tiger7lily ')).toBe(' tiger7lily ');
    expect(passwordSchema.safeParse('qq123456').error?.issues[0]).toMatchObject({
      message: errorMessage('PASSWORD_COMMON'),
      params: { code: 'PASSWORD_COMMON' },
    });
  });
});

describe('CredentialsSchema', () => {
  it('accepts a username and a good password', () => {
    expect(CredentialsSchema.parse({ username: ' ZhangSan ', password: 'tiger7lily' })).toEqual({
      username: 'ZhangSan',
      password: 'tiger7lily',
    });
  });

  it('reports a password containing the username or phone on the password field', () => {
    const result = CredentialsSchema.safeParse({ username: 'zhangsan', password: 'ZHANGSAN#1', phone: '13812345678' });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['password'], message: errorMessage('PASSWORD_CONTAINS_IDENTITY') }),
    ]);
    const byPhone = CredentialsSchema.safeParse({ username: 'zhangsan', password: 'a13812345678', phone: '13812345678' });
    expect(byPhone.error?.issues[0]?.path).toEqual(['password']);
  });

  it('reports each problem once', () => {
    const result = CredentialsSchema.safeParse({ username: 'zhangsan', password: 'zhangsan' });
    expect(result.error?.issues.map((i) => i.message)).toEqual([errorMessage('PASSWORD_WEAK')]);
  });
});
