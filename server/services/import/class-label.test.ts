import { classKey, formatClassLabel, parseClassLabel, parseClassList, parseClassName, parseGradeLabel } from './class-label';

describe('parseClassLabel', () => {
  test.each([
    ['三年级2班', 'P3', '2班'],
    ['一年级1班', 'P1', '1班'],
    ['六年级12班', 'P6', '12班'],
    ['3年级2班', 'P3', '2班'],
    ['小学五年级4班', 'P5', '4班'],
    ['三(2)班', 'P3', '2班'],
    ['三年级二班', 'P3', '2班'],
    ['三年级十二班', 'P3', '12班'],
    ['三年级二十班', 'P3', '20班'],
    ['初一(3)班', 'J1', '3班'],
    ['初一（3）班', 'J1', '3班'],
    ['初一 (3) 班', 'J1', '3班'],
    ['初1(3)班', 'J1', '3班'],
    ['初一年级3班', 'J1', '3班'],
    ['初中二年级5班', 'J2', '5班'],
    ['七年级3班', 'J1', '3班'],
    ['八年级1班', 'J2', '1班'],
    ['九年级10班', 'J3', '10班'],
    ['9年级1班', 'J3', '1班'],
    ['高二03班', 'S2', '3班'],
    ['高二3班', 'S2', '3班'],
    ['高三（１２）班', 'S3', '12班'],
    ['高中一年级2班', 'S1', '2班'],
    ['高一年级2班', 'S1', '2班'],
    ['大班1班', 'K3', '1班'],
    ['中班2班', 'K2', '2班'],
    ['小班(3)班', 'K1', '3班'],
    ['幼儿园大班1班', 'K3', '1班'],
    ['三年级２班', 'P3', '2班'],
    ['\u200B三年级2班 ', 'P3', '2班'],
  ])('%s → %s %s', (input, grade, name) => {
    expect(parseClassLabel(input)).toEqual({ ok: true, value: { grade, name } });
  });

  test.each([
    ['', '班级不能为空'],
    ['三年级', '缺少班号'],
    ['大班', '缺少班号'],
    ['2班', '缺少年级'],
    ['(3)班', '缺少年级'],
    ['十年级1班', '无法识别'],
    ['高四1班', '无法识别'],
    ['七年级0班', '班号应为 1–99'],
    ['三年级100班', '班号应为 1–99'],
    ['三年级A班', '无法识别班级'],
    ['三年级火箭班', '无法识别班级'],
    ['初一(3班', '无法识别班级'],
    ['初一3)班', '无法识别班级'],
    ['三年级2', '无法识别班级'],
    ['三2班', '缺少年级'],
    ['三年级二三班', '班号应为 1–99'],
    ['一年级', '缺少班号'],
  ])('rejects %j', (input, reason) => {
    const result = parseClassLabel(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  test('formats and keys a label the way people and the database read it', () => {
    expect(formatClassLabel({ grade: 'J1', name: '3班' })).toBe('初一3班');
    expect(formatClassLabel({ grade: 'K3', name: '1班' })).toBe('幼儿园大班1班');
    expect(classKey({ grade: 'P3', name: '2班' })).toBe('P3/2班');
  });
});

describe('parseClassList', () => {
  test.each([
    ['三年级2班;三年级3班', ['P3/2班', 'P3/3班']],
    ['三年级2班；初一(3)班，高二3班,七年级1班、大班1班 中班2班', ['P3/2班', 'J1/3班', 'S2/3班', 'J1/1班', 'K3/1班', 'K2/2班']],
    ['三年级2班、3班、(4)班', ['P3/2班', 'P3/3班', 'P3/4班']],
    ['三年级 2班', ['P3/2班']],
    ['初一 (3)班  初二 4班', ['J1/3班', 'J2/4班']],
    ['三年级2班、三年级02班、三年级（2）班', ['P3/2班']],
    ['', []],
    ['  ;、 ', []],
  ])('%j', (cell, keys) => {
    const { labels, reasons } = parseClassList(cell);
    expect(reasons).toEqual([]);
    expect(labels.map(classKey)).toEqual(keys);
  });

  test('reports every label it cannot read and keeps the ones it can', () => {
    const { labels, reasons } = parseClassList('三年级2班、火箭班、2班');
    expect(labels.map(classKey)).toEqual(['P3/2班']);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toContain('火箭班');
  });

  test('a class number alone at the start has no grade to borrow', () => {
    const { labels, reasons } = parseClassList('2班、三年级3班');
    expect(labels.map(classKey)).toEqual(['P3/3班']);
    expect(reasons[0]).toContain('缺少年级');
  });
});

describe('parseGradeLabel and parseClassName (registry columns)', () => {
  test.each([
    ['一年级', 'P1'],
    ['初一', 'J1'],
    ['七年级', 'J1'],
    ['高二', 'S2'],
    ['小班', 'K1'],
    ['幼儿园大班', 'K3'],
    [' 三年级 ', 'P3'],
    ['p4', 'P4'],
  ])('grade %s is %s', (input, grade) => {
    expect(parseGradeLabel(input)).toEqual({ ok: true, value: grade });
  });

  test('an unknown grade explains itself', () => {
    expect(parseGradeLabel('十年级')).toEqual({ ok: false, reason: '无法识别年级"十年级"，请写成"三年级"、"初一"、"七年级"、"高二"或"小班"' });
    expect(parseGradeLabel('')).toEqual({ ok: false, reason: '年级不能为空' });
  });

  test.each([
    ['2班', '2班'],
    ['(2)班', '2班'],
    ['（2）班', '2班'],
    ['二班', '2班'],
    ['十二班', '12班'],
    ['2', '2班'],
    ['02', '2班'],
    ['(3)', '3班'],
  ])('class %s is %s', (input, name) => {
    expect(parseClassName(input)).toEqual({ ok: true, value: name });
  });

  test('a class that is not a number explains itself', () => {
    expect(parseClassName('甲班')).toEqual({ ok: false, reason: '无法识别班级"甲班"，请写成"2班"、"(2)班"或"二班"' });
    expect(parseClassName('100班')).toEqual({ ok: false, reason: '"100班"的班号应为 1–99' });
  });
});
