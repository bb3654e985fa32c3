import { displayWidth, errorReportCsv, formatErrorTable, formatSummary } from './report';

const errors = [
  { row: 3, column: '手机号', message: '请填写正确的 11 位手机号码' },
  { row: 12, column: '', message: 'CSV 格式错误：引号没有闭合' },
  { row: 14, column: '学校名称', message: '=HYPERLINK("http://x", "点这里"), 另一个' },
];

describe('teacher import report', () => {
  test('the table aligns columns by terminal width (a Han character is two columns)', () => {
    expect(displayWidth('手机号')).toBe(6);
    expect(formatErrorTable(errors).split('\n')).toEqual([
      '行号 | 列       | 问题',
      '-----+----------+-------------------------',
      '3    | 手机号   | 请填写正确的 11 位手机号码',
      '12   | （文件） | CSV 格式错误：引号没有闭合',
      '14   | 学校名称 | =HYPERLINK("http://x", "点这里"), 另一个',
    ]);
  });

  test('the CSV has a BOM and CRLF, quotes where needed and never starts a cell with a formula', () => {
    expect(errorReportCsv(errors)).toBe(
      '\uFEFF行号,列,问题\r\n' +
        '3,手机号,请填写正确的 11 位手机号码\r\n' +
        '12,（文件）,CSV 格式错误：引号没有闭合\r\n' +
        `14,学校名称,"'=HYPERLINK(""http://x"", ""点这里""), 另一个"\r\n`,
    );
    expect(errorReportCsv([])).toBe('\uFEFF行号,列,问题\r\n');
  });

  test('the summary line', () => {
    expect(
      formatSummary({ teachersCreated: 0, teachersUpdated: 0, teachersUnchanged: 7, schoolsCreated: 0, schoolsRenamed: 0, classesCreated: 0 }),
    ).toBe('teachers: 0 created, 0 updated, 7 unchanged; schools: 0 created, 0 renamed; classes: 0 created');
  });
});
