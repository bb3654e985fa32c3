import iconv from 'iconv-lite';
import { birthDateForAge, makeResidentId } from '../../../domain/identity/resident-id.fixtures';
import { parseTeachersFile } from './parse-teachers-file';
import {
  byteStream,
  gbkBytes,
  randomSchool,
  randomTeacherRow,
  teachersCsv,
  utf8Bytes,
  type TeacherFileRow,
} from './teacher-file.fixtures';

function parseText(text: string, options: { encoding?: 'utf8' | 'utf8-bom' | 'gbk'; chunkSize?: number } = {}) {
  const bytes =
    options.encoding === 'gbk' ? gbkBytes(text) : utf8Bytes(text, options.encoding === 'utf8-bom');
  return parseTeachersFile(byteStream(bytes, options.chunkSize));
}

function threeTeachers(): TeacherFileRow[] {
  const school = randomSchool();
  return [
    randomTeacherRow(school, '三年级2班、三年级3班', '三年级2班'),
    randomTeacherRow(school, '初一（3）班'),
    randomTeacherRow(school, '高二03班', '高二3班'),
  ];
}

describe('parseTeachersFile: encodings', () => {
  test.each([
    ['UTF-8', 'utf8', 'utf-8'],
    ['UTF-8 with BOM', 'utf8-bom', 'utf-8'],
    ['GBK', 'gbk', 'gb18030'],
  ] as const)('When the file is %s, then every row is read with the right characters', async (_, encoding, detected) => {
    const rows = threeTeachers();
    const parsed = await parseText(teachersCsv(rows), { encoding });

    expect(parsed.errors).toEqual([]);
    expect(parsed.encoding).toBe(detected);
    expect(parsed.columnHeaders.name).toBe('姓名');
    expect(parsed.rows.map((r) => [r.row, r.name, r.phone, r.schoolName])).toEqual(
      rows.map((r, i) => [i + 2, r.姓名, r.手机号, r.学校名称]),
    );
    expect(parsed.rows[0]!.classes).toEqual([
      { grade: 'P3', name: '2班' },
      { grade: 'P3', name: '3班' },
    ]);
    expect(parsed.rows[0]!.headClass).toEqual({ grade: 'P3', name: '2班' });
    expect(parsed.rows[1]!.classes).toEqual([{ grade: 'J1', name: '3班' }]);
    expect(parsed.rows[1]!.headClass).toBeNull();
  });

  test('When GBK bytes arrive one at a time, then characters split across chunks still decode', async () => {
    const rows = threeTeachers();
    const parsed = await parseText(teachersCsv(rows), { encoding: 'gbk', chunkSize: 1 });
    expect(parsed.errors).toEqual([]);
    expect(parsed.encoding).toBe('gb18030');
    expect(parsed.rows.map((r) => r.name)).toEqual(rows.map((r) => r.姓名));
  });

  test('When a UTF-8 file turns into other bytes later on, then it is refused, not mangled', async () => {
    const rows = threeTeachers();
    const head = utf8Bytes(teachersCsv(rows.slice(0, 1)));
    const tail = Buffer.concat([gbkBytes('王老师'), Buffer.from(',13800000000\r\n')]);
    const parsed = await parseTeachersFile(byteStream(Buffer.concat([head, Buffer.alloc(70 * 1024, 0x20), tail]), 4096));
    expect(parsed.encoding).toBe('utf-8');
    expect(parsed.errors.some((e) => e.column === '' && e.message.includes('文件编码无法识别'))).toBe(true);
  });

  test('When the source itself fails, then parsing rejects with its error', async () => {
    const text = teachersCsv(threeTeachers());
    async function* failing() {
      yield Buffer.from(text, 'utf8');
      throw new Error('disk on fire');
    }
    await expect(parseTeachersFile(failing())).rejects.toThrow('disk on fire');
  });

  test('When a file is GB18030 with a 4-byte character, then it decodes', async () => {
    const school = randomSchool();
    const row = { ...randomTeacherRow(school, '三年级1班'), 姓名: '王𠮷' };
    const parsed = await parseTeachersFile(byteStream(iconv.encode(teachersCsv([row]), 'gb18030')));
    expect(parsed.errors).toEqual([]);
    expect(parsed.rows[0]!.name).toBe('王𠮷');
  });
});

describe('parseTeachersFile: headers', () => {
  test('When the headers use aliases, carry marks and a title row sits above them, then columns are found', async () => {
    const school = randomSchool();
    const row = randomTeacherRow(school, '七年级1班');
    const text = `某某学校教师名单,,,,\r\n${teachersCsv([row], ['*姓名', '手机号码', '身份证号码（必填）', '学校代码', '学校', '任教班级'])}`;
    const parsed = await parseText(text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.rows[0]).toMatchObject({ row: 3, name: row.姓名, classes: [{ grade: 'J1', name: '1班' }], headClass: null });
    expect(parsed.columnHeaders).toMatchObject({ phone: '手机号码', residentId: '身份证号码（必填）' });
  });

  test('When a required column is missing or doubled, then the header row says so and no row is read', async () => {
    const row = randomTeacherRow(randomSchool(), '三年级1班');
    const parsed = await parseText(teachersCsv([row], ['姓名', '手机', '手机号', '学校标识码', '学校名称', '任教班级']));
    expect(parsed.rows).toEqual([]);
    expect(parsed.errors).toEqual([
      { row: 1, column: '手机号', message: '与"手机"列重复，请只保留一列' },
      { row: 1, column: '身份证号', message: '缺少"身份证号"列（也可写作：身份证、身份证号码、公民身份号码）' },
    ]);
  });

  test('When the file is empty or has only a header, then that is an error', async () => {
    expect((await parseText('')).errors).toEqual([{ row: 1, column: '', message: expect.stringContaining('文件为空') }]);
    expect((await parseText(teachersCsv([]))).errors).toEqual([{ row: 1, column: '', message: '文件中没有教师数据' }]);
  });

  test('When a quote is never closed, then the CSV error is reported instead of thrown', async () => {
    const row = randomTeacherRow(randomSchool(), '三年级1班');
    const parsed = await parseText(`${teachersCsv([row])}"张三,13800000000\r\n`);
    expect(parsed.errors).toEqual([{ row: 3, column: '', message: expect.stringContaining('引号没有闭合') }]);
  });
});

describe('parseTeachersFile: rows', () => {
  test('When one row has a bad phone, then that row and column are named and the row is left out', async () => {
    const rows = threeTeachers();
    rows[1] = { ...rows[1]!, 手机号: '1380013800' };
    const parsed = await parseText(teachersCsv(rows), { encoding: 'gbk' });
    expect(parsed.errors).toEqual([{ row: 3, column: '手机号', message: '请填写正确的 11 位手机号码' }]);
    expect(parsed.rows.map((r) => r.row)).toEqual([2, 4]);
  });

  test('When rows repeat a phone or an ID, then the later rows point at the first', async () => {
    const rows = [...threeTeachers(), ...threeTeachers()];
    rows[3] = { ...rows[3]!, 手机号: ` ${rows[0]!.手机号.slice(0, 3)}-${rows[0]!.手机号.slice(3)} ` };
    rows[5] = { ...rows[5]!, 身份证号: rows[1]!.身份证号.toLowerCase() };
    const parsed = await parseText(teachersCsv(rows));
    expect(parsed.errors).toEqual([
      { row: 5, column: '手机号', message: '与第 2 行的手机号重复' },
      { row: 7, column: '身份证号', message: '与第 3 行的身份证号重复' },
    ]);
  });

  test('When two rows name the same head-teacher class of one school, then the second is refused', async () => {
    const school = randomSchool();
    const other = randomSchool();
    const rows = [
      randomTeacherRow(school, '三年级2班', '三年级2班'),
      randomTeacherRow(other, '三年级2班', '三年级2班'),
      randomTeacherRow(school, '三年级3班', '三年级(2)班'),
    ];
    const parsed = await parseText(teachersCsv(rows));
    expect(parsed.errors).toEqual([
      { row: 4, column: '班主任班级', message: '第 2 行已是三年级2班的班主任，一个班只能有一位班主任' },
    ]);
  });

  test('When the head-teacher class is not among the classes taught, then it is added to them', async () => {
    const parsed = await parseText(teachersCsv([randomTeacherRow(randomSchool(), '三年级3班', '三年级2班')]));
    expect(parsed.rows[0]!.classes).toEqual([
      { grade: 'P3', name: '3班' },
      { grade: 'P3', name: '2班' },
    ]);
  });

  test('Each field is checked with the domain rules and reported in column order', async () => {
    const school = randomSchool();
    const minor = makeResidentId({ birthDate: birthDateForAge(16) });
    const rows: TeacherFileRow[] = [
      { ...randomTeacherRow(school, '三年级1班'), 姓名: '张3', 身份证号: minor },
      { ...randomTeacherRow(school, ''), 学校标识码: '12345', 学校名称: ' ' },
      { ...randomTeacherRow(school, '三年级1班、火箭班'), 班主任班级: '三年级1班、三年级2班' },
      { ...randomTeacherRow(school, '三年级1班'), 身份证号: '110105198001010017', 学校名称: '另一个名字' },
    ];
    const parsed = await parseText(teachersCsv(rows));
    expect(parsed.errors).toEqual([
      { row: 2, column: '姓名', message: '姓名只能包含汉字、字母和间隔号（·）' },
      { row: 2, column: '身份证号', message: '教师须年满 18 周岁，请核对身份证号' },
      { row: 3, column: '学校标识码', message: '学校标识码应为 10 位数字' },
      { row: 3, column: '学校名称', message: '请填写学校名称' },
      { row: 3, column: '任教班级', message: '请填写任教班级' },
      { row: 4, column: '任教班级', message: expect.stringContaining('火箭班') },
      { row: 4, column: '班主任班级', message: '班主任班级只能填写一个班级' },
      { row: 5, column: '身份证号', message: '身份证号校验位不正确，请核对' },
      { row: 5, column: '学校名称', message: expect.stringContaining(`在第 2 行的学校名称是"${school.name}"`) },
    ]);
    expect(parsed.rows).toEqual([]);
  });

  test('When a teacher has no class at all, then 任教班级 is required', async () => {
    const parsed = await parseText(teachersCsv([randomTeacherRow(randomSchool(), ' ')]));
    expect(parsed.errors).toEqual([{ row: 2, column: '任教班级', message: '请填写任教班级' }]);
  });

  test('Blank rows are skipped but counted, as a spreadsheet numbers them', async () => {
    const rows = threeTeachers();
    const text = teachersCsv(rows).replace('\r\n', '\r\n,,,,,,\r\n\r\n');
    const parsed = await parseText(text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.dataRows).toBe(3);
    expect(parsed.rows.map((r) => r.row)).toEqual([4, 5, 6]);
  });
});
