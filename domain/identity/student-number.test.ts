import { errorMessage } from '../errors';
import { parseStudentNumber, studentNumberSchema } from './student-number';

describe('student numbers (学籍号)', () => {
  it('accepts G + an ID-shaped number even when its check character no longer matches (ID changed)', () => {
    expect(parseStudentNumber('G11010519491231002X')).toEqual({
      ok: true,
      value: { number: 'G11010519491231002X', kind: 'G' },
    });
    expect(parseStudentNumber('G110105194912310021').ok).toBe(true);
  });

  it('accepts J + 17 digits + digit or X, and L + 18 digits or letters', () => {
    expect(parseStudentNumber('J110105201003040015')).toMatchObject({ ok: true, value: { kind: 'J' } });
    expect(parseStudentNumber('J11010520100304001X')).toMatchObject({ ok: true, value: { kind: 'J' } });
    expect(parseStudentNumber('L1101052010AB12CD34')).toMatchObject({ ok: true, value: { kind: 'L' } });
  });

  it('normalises case, spaces and full-width characters', () => {
    expect(parseStudentNumber(' g 110105 19491231 002x ')).toMatchObject({ value: { number: 'G11010519491231002X' } });
    expect(parseStudentNumber('Ｇ１１０１０５１９４９１２３１００２Ｘ')).toMatchObject({ value: { number: 'G11010519491231002X' } });
    expect(parseStudentNumber('l1101052010ab12cd34')).toMatchObject({ value: { number: 'L1101052010AB12CD34' } });
  });

  it.each([
    'G11010519491231002', // 18 characters
    'G11010519491231002X1', // 20 characters
    'G1101051949123100X2', // X before the end
    'J1101052010030400AB', // letters in a J number
    'A110105194912310021', // unknown prefix
    '11010519491231002X', // the bare ID
    'L1101052010AB12CD3-',
  ])('rejects %j', (input) => {
    expect(parseStudentNumber(input)).toEqual({ ok: false, code: 'STUDENT_NO_FORMAT' });
  });

  it('asks for a value when empty', () => {
    expect(parseStudentNumber('  ')).toEqual({ ok: false, code: 'REQUIRED' });
  });

  it('has a zod schema that outputs the normalised number and reports Chinese messages', () => {
    expect(studentNumberSchema.parse('g11010519491231002x')).toBe('G11010519491231002X');
    expect(studentNumberSchema.safeParse('X1').error?.issues[0]?.message).toBe(errorMessage('STUDENT_NO_FORMAT'));
  });
});
