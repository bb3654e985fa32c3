import { errorMessage } from '../errors';
import { emailSchema, optionalEmailSchema, parseEmail } from './email';

describe('e-mail addresses', () => {
  it.each(['zhang.san@example.com', 'a+tag@mail.qq.com', '12345678@qq.com', 'x_y-z@sub.example.edu.cn', 'a@example.xn--fiqs8s'])(
    'accepts %s',
    (email) => {
      expect(parseEmail(email)).toEqual({ ok: true, value: email });
    },
  );

  it('trims and lower-cases the domain but keeps the local part as typed', () => {
    expect(parseEmail('  Zhang.San@Example.COM ')).toEqual({ ok: true, value: 'Zhang.San@example.com' });
  });

  it('accepts full-width ＠ and ． typed with a Chinese input method', () => {
    expect(parseEmail('zhangsan＠163．com')).toEqual({ ok: true, value: 'zhangsan@163.com' });
  });

  it.each([
    'plainaddress',
    '@example.com',
    'a@',
    'a@example',
    'a@example.c',
    'a..b@example.com',
    '.a@example.com',
    'a.@example.com',
    'a b@example.com',
    'a@-example.com',
    'a@example-.com',
    'a@exa_mple.com',
    'a@@example.com',
    '张三@example.com',
    `${'a'.repeat(65)}@example.com`,
    `a@${'b'.repeat(64)}.com`, // a label longer than 63
    'a@xn--fiqs8s', // no top-level domain
  ])('rejects %j', (input) => {
    expect(parseEmail(input)).toEqual({ ok: false, code: 'EMAIL_FORMAT' });
  });

  it('accepts exactly 254 characters and rejects 255', () => {
    const domain = `${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`; // 195 characters
    const at254 = `${'a'.repeat(254 - domain.length - 1)}@${domain}`;
    expect(at254).toHaveLength(254);
    expect(parseEmail(at254).ok).toBe(true);
    const at255 = `a${at254}`;
    expect(parseEmail(at255).ok).toBe(false);
  });

  it('has schemas with Chinese messages; the optional one turns blank into undefined', () => {
    expect(emailSchema.safeParse('nope').error?.issues[0]?.message).toBe(errorMessage('EMAIL_FORMAT'));
    expect(optionalEmailSchema.parse('')).toBeUndefined();
  });
});
