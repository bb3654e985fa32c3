import { copyField, copyLine } from './copy-text';

describe('COPY text format', () => {
  test('When a value holds a backslash, tab, newline or carriage return, then it is escaped', () => {
    expect(copyField('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyField('\\N')).toBe('\\\\N');
  });

  test('When a value is null, then it is \\N; plain text and Chinese pass unchanged', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField('测试学校 分校·1')).toBe('测试学校 分校·1');
  });

  test('When a row is written, then its fields are tab-separated and the line ends with a newline', () => {
    expect(copyLine(['a', null, 'c\td'])).toBe('a\t\\N\tc\\td\n');
  });
});
