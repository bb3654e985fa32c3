import { errorMessage } from '../errors';
import { MIDDLE_DOT_VARIANTS, normalizePersonName, parsePersonName, personNameSchema } from './name';

describe('person names', () => {
  it.each(['张三', '欧阳娜娜', '阿卜杜热西提·买买提', '𠮷野', 'Anna', 'Anna Maria Schmidt', 'José Müller', '王A'])(
    'accepts %s',
    (name) => {
      expect(parsePersonName(name)).toEqual({ ok: true, value: name });
    },
  );

  it.each(MIDDLE_DOT_VARIANTS.map((dot) => [dot.codePointAt(0)!.toString(16).toUpperCase(), dot]))(
    'normalises the middle-dot variant U+%s to U+00B7',
    (_hex, dot) => {
      expect(parsePersonName(`阿卜杜${dot}买买提`)).toEqual({ ok: true, value: '阿卜杜·买买提' });
    },
  );

  it('trims, collapses spaces between Latin words and removes spaces around dots and Han characters', () => {
    expect(normalizePersonName('  Anna   Maria \t Schmidt ')).toBe('Anna Maria Schmidt');
    expect(normalizePersonName('阿卜杜 · 买买提')).toBe('阿卜杜·买买提');
    expect(normalizePersonName('张 三')).toBe('张三');
    expect(normalizePersonName('张\u3000三 丰')).toBe('张三丰');
    expect(normalizePersonName('Ａｎｎａ')).toBe('Anna');
  });

  it('counts code points: a CJK extension B character is one character', () => {
    expect(parsePersonName('𠮷')).toEqual({ ok: false, code: 'NAME_LENGTH' });
    expect(parsePersonName('𠮷'.repeat(20)).ok).toBe(true);
    expect(parsePersonName('𠮷'.repeat(21))).toEqual({ ok: false, code: 'NAME_LENGTH' });
  });

  it('needs 2 to 20 characters', () => {
    expect(parsePersonName('张')).toEqual({ ok: false, code: 'NAME_LENGTH' });
    expect(parsePersonName('张'.repeat(20)).ok).toBe(true);
    expect(parsePersonName('张'.repeat(21))).toEqual({ ok: false, code: 'NAME_LENGTH' });
  });

  it.each([
    ['张3', 'a digit'],
    ['张３', 'a full-width digit'],
    ['3', 'only a digit (characters are checked before the length)'],
    ['·张三', 'a leading dot'],
    ['张三·', 'a trailing dot'],
    ['阿卜杜··买买提', 'a doubled dot'],
    ['Anna-Maria', 'a hyphen'],
    ['O\'Neil', 'an apostrophe'],
    ['Иван', 'Cyrillic letters'],
    ['김철수', 'Hangul'],
    ['张三😀', 'an emoji'],
    ['Ⅻ世', 'a Roman numeral (Latin script but not a letter)'],
    ['张.三', 'a full stop instead of the middle dot'],
  ])('rejects %j (%s)', (input) => {
    expect(parsePersonName(input)).toEqual({ ok: false, code: 'NAME_CHARS' });
  });

  it('asks for a value when empty', () => {
    expect(parsePersonName('   ')).toEqual({ ok: false, code: 'REQUIRED' });
  });

  it('has a zod schema that outputs the normalised name and reports Chinese messages', () => {
    expect(personNameSchema.parse(' 阿卜杜・买买提 ')).toBe('阿卜杜·买买提');
    expect(personNameSchema.safeParse('张3').error?.issues[0]?.message).toBe(errorMessage('NAME_CHARS'));
  });
});
