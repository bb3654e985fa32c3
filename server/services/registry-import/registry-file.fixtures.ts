/**
 * Test helpers for registry files: random unique students and schools, and CSV
 * (UTF-8 or GBK) or XLSX files built from them. For tests only.
 */
import { randomInt } from 'node:crypto';
import { birthDateForAge, makeResidentId } from '../../../domain/identity/resident-id.fixtures';
import { parseResidentId } from '../../../domain/identity/resident-id';
import { randomPersonName } from '../../test/factories';

export function randomDigits(n: number): string {
  let out = '';
  for (let i = 0; i < n; i += 1) out += String(randomInt(10));
  return out;
}

/** 10 digits, starting with 7 so it never clashes with the codes other tests use (8…, 9…). */
export function randomSchoolCode(): string {
  return `7${randomDigits(9)}`;
}

export function randomSchool(): { code: string; name: string } {
  return { code: randomSchoolCode(), name: `测试学籍学校${randomDigits(6)}` };
}

/** A valid resident ID of a child aged 7–15. */
export function randomChildResidentId(): string {
  return makeResidentId({
    province: '11',
    area: String(randomInt(100, 10_000)).padStart(4, '0'),
    birthDate: birthDateForAge(randomInt(7, 16), new Date(), -randomInt(0, 360)),
    sequence: randomInt(0, 1000),
  });
}

/** A random temporary 学籍号 (L + 18 characters). */
export function randomLNumber(): string {
  return `L${randomDigits(18)}`;
}

export const REGISTRY_HEADERS = ['学籍号', '姓名', '身份证号', '性别', '出生日期', '学校标识码', '学校名称', '年级', '班级', '学籍状态'] as const;

export type RegistryFileRow = Record<(typeof REGISTRY_HEADERS)[number], string>;

/** A valid row; the 学籍号 is G + the ID (the usual case) unless `lNumber`. */
export function randomRegistryRow(
  school: { code: string; name: string },
  overrides: Partial<RegistryFileRow> = {},
  options: { lNumber?: boolean } = {},
): RegistryFileRow {
  const residentId = overrides.身份证号 ?? randomChildResidentId();
  const parsed = parseResidentId(residentId);
  const sex = parsed.ok ? (parsed.value.sex === 'male' ? '男' : '女') : '男';
  const birth = parsed.ok ? parsed.value.birthDate : '2015-01-01';
  return {
    学籍号: options.lNumber ? randomLNumber() : `G${residentId}`,
    姓名: randomPersonName(),
    身份证号: residentId,
    性别: sex,
    出生日期: birth,
    学校标识码: school.code,
    学校名称: school.name,
    年级: '三年级',
    班级: '2班',
    学籍状态: '在籍',
    ...overrides,
  };
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** CSV text (CRLF, as Excel writes it); `headers` may rename or drop columns (by position). */
export function registryCsv(rows: readonly RegistryFileRow[], headers: readonly string[] = REGISTRY_HEADERS): string {
  const keys = REGISTRY_HEADERS.slice(0, headers.length);
  const lines = [headers.map(csvCell).join(',')];
  for (const row of rows) lines.push(keys.map((key) => csvCell(row[key] ?? '')).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
