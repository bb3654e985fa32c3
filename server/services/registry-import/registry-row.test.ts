import { birthDateForAge, makeResidentId } from '../../../domain/identity/resident-id.fixtures';
import { cellText, parseBirthDateCell, parseSexCell, validateRegistryRow, type RegistryColumnKey } from './registry-row';

const NOW = new Date('2026-06-01T04:00:00Z');

describe('registry row cells', () => {
  test.each([
    ['2015-03-07', '2015-03-07'],
    ['2015/3/7', '2015-03-07'],
    ['2015.03.07', '2015-03-07'],
    ['2015年3月7日', '2015-03-07'],
    ['20150307', '2015-03-07'],
    ['2015-03-07 00:00:00', '2015-03-07'],
    ['2015-03-10 0:00', '2015-03-10'],
  ])('birth date %s', (input, expected) => {
    const date = parseBirthDateCell(input);
    expect(date && `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`).toBe(expected);
  });

  test('birth dates from XLSX: a date cell, a YYYYMMDD number, an Excel serial', () => {
    expect(parseBirthDateCell(new Date(Date.UTC(2015, 2, 7)))).toEqual({ year: 2015, month: 3, day: 7 });
    expect(parseBirthDateCell(20150307)).toEqual({ year: 2015, month: 3, day: 7 });
    expect(parseBirthDateCell(42070)).toEqual({ year: 2015, month: 3, day: 7 });
    expect(parseBirthDateCell('2015-02-30')).toBeNull();
    expect(parseBirthDateCell('07/03/2015')).toBeNull();
  });

  test('sex: 男/女, 男性/女性, 1/2', () => {
    expect(['男', '男性', '1', 1].map((v) => parseSexCell(v))).toEqual(['male', 'male', 'male', 'male']);
    expect(['女', '女性', '2', 2].map((v) => parseSexCell(v))).toEqual(['female', 'female', 'female', 'female']);
    expect(parseSexCell('未知')).toBeNull();
  });

  test('numbers are written out in full, dates as YYYY-MM-DD', () => {
    expect(cellText(1234567890)).toBe('1234567890');
    expect(cellText(new Date(Date.UTC(2015, 2, 7)))).toBe('2015-03-07');
    expect(cellText(null)).toBe('');
  });
});

describe('validateRegistryRow', () => {
  const id = makeResidentId({ birthDate: birthDateForAge(9, NOW), sex: 'female' });
  const base: Record<RegistryColumnKey, string | number> = {
    studentNumber: `g${id}`,
    name: ' 王 小明 ',
    residentId: id,
    sex: '2',
    birthDate: '',
    schoolCode: '1234567890',
    schoolName: '测试  小学',
    grade: '三年级',
    className: '三年级（2）班',
    registryStatus: '正常',
    guardian1Name: '',
    guardian1Phone: '',
    guardian2Name: '',
    guardian2Phone: '',
  };
  const validate = (overrides: Partial<typeof base> = {}) => {
    const cells = { ...base, ...overrides };
    return validateRegistryRow(7, (key) => cells[key], { now: NOW });
  };

  test('a good row is normalised; sex and birth date come from the ID', () => {
    expect(validate()).toEqual({
      ok: true,
      value: {
        row: 7,
        studentNumber: `G${id}`,
        name: '王小明',
        residentId: id,
        sex: 'female',
        birthDate: birthDateForAge(9, NOW),
        schoolCode: '1234567890',
        schoolName: '测试 小学',
        grade: 'P3',
        className: '2班',
        registryStatus: '在籍',
        guardians: [],
      },
    });
  });

  test('guardian columns: phones normalised (+86, spaces, full-width), blank guardians left out', () => {
    const result = validate({ guardian1Name: ' 王 大明 ', guardian1Phone: '+86 139 1234 5678', guardian2Name: '', guardian2Phone: '１３７００００１１１１' });
    expect(result.ok && result.value.guardians).toEqual([
      { name: '王大明', phone: '13912345678' },
      { name: null, phone: '13700001111' },
    ]);
    expect(validate()).toMatchObject({ ok: true, value: { guardians: [] } });
  });

  test('a malformed guardian phone is a problem of its column, in Chinese', () => {
    const result = validate({ guardian1Phone: '1391234', guardian2Phone: 13912345678 });
    expect(!result.ok && result.problems).toEqual([
      { key: 'guardian1Phone', message: '监护人1手机号"1391234"不是有效的手机号（应为 11 位，1 开头）' },
    ]);
  });

  test('every problem of a row is reported, in Chinese', () => {
    const result = validate({
      studentNumber: '',
      name: '王',
      residentId: 110105201503071234,
      sex: '男',
      schoolCode: '123',
      grade: '',
      className: '甲班',
      registryStatus: '',
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      { key: 'studentNumber', message: '请填写学籍号' },
      { key: 'name', message: '姓名应为 2–20 个字' },
      { key: 'residentId', message: '身份证号在 Excel 中被存成了数字，后几位已丢失；请把该列设为"文本"格式后重新填写' },
      { key: 'schoolCode', message: '学校标识码应为 10 位数字' },
      { key: 'grade', message: '年级不能为空' },
      { key: 'className', message: '无法识别班级"甲班"，请写成"2班"、"(2)班"或"二班"' },
      { key: 'registryStatus', message: '请填写学籍状态' },
    ]);
  });

  test('a student ID of an adult is refused with the domain message', () => {
    const adult = makeResidentId({ birthDate: '1980-01-01' });
    const result = validate({ residentId: adult, studentNumber: `G${adult}` });
    expect(!result.ok && result.problems).toEqual([{ key: 'residentId', message: '身份证号中的出生日期不符合中小学生年龄' }]);
  });
});
