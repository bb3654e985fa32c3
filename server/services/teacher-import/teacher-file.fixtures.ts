/**
 * Test helpers for teachers files: random unique teachers and schools, and CSV
 * files built from them in UTF-8 or GBK. For tests only.
 */
import { randomInt } from 'node:crypto';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { birthDateForAge, makeResidentId } from '../../../domain/identity/resident-id.fixtures';
import { randomPersonName } from '../../test/factories';

export function randomDigits(n: number): string {
  let out = '';
  for (let i = 0; i < n; i += 1) out += String(randomInt(10));
  return out;
}

/** 10 digits, starting with 8 so it never looks like a real code of this province's test data. */
export function randomSchoolCode(): string {
  return `8${randomDigits(9)}`;
}

/** 1[3-9] then 9 digits. */
export function randomPhone(): string {
  return `1${randomInt(3, 10)}${randomDigits(9)}`;
}

/** A valid resident ID of an adult aged 23–59. */
export function randomTeacherResidentId(): string {
  return makeResidentId({
    province: '11',
    area: String(randomInt(100, 10_000)).padStart(4, '0'),
    birthDate: birthDateForAge(randomInt(23, 60), new Date(), -randomInt(0, 360)),
    sequence: randomInt(0, 1000),
  });
}

export interface TeacherFileRow {
  姓名: string;
  手机号: string;
  身份证号: string;
  学校标识码: string;
  学校名称: string;
  任教班级: string;
  班主任班级?: string;
}

export const TEMPLATE_HEADERS = ['姓名', '手机号', '身份证号', '学校标识码', '学校名称', '任教班级', '班主任班级'] as const;

export function randomSchool(): { code: string; name: string } {
  return { code: randomSchoolCode(), name: `测试实验学校${randomDigits(4)}` };
}

export function randomTeacherRow(school: { code: string; name: string }, classes: string, headClass = ''): TeacherFileRow {
  return {
    姓名: randomPersonName(),
    手机号: randomPhone(),
    身份证号: randomTeacherResidentId(),
    学校标识码: school.code,
    学校名称: school.name,
    任教班级: classes,
    班主任班级: headClass,
  };
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** CSV text (CRLF, as Excel writes it); `headers` may rename or drop columns. */
export function teachersCsv(rows: readonly TeacherFileRow[], headers: readonly string[] = TEMPLATE_HEADERS): string {
  const keys = TEMPLATE_HEADERS.slice(0, headers.length);
  const lines = [headers.map(csvCell).join(',')];
  for (const row of rows) lines.push(keys.map((key) => csvCell(row[key] ?? '')).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function utf8Bytes(text: string, bom = false): Buffer {
  return Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text, 'utf8')]);
}

export function gbkBytes(text: string): Buffer {
  return iconv.encode(text, 'gbk');
}

/** The bytes as a stream of chunks of `chunkSize` bytes (small sizes split characters across chunks). */
export function byteStream(bytes: Buffer, chunkSize = 16 * 1024): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) parts.push(bytes.subarray(i, i + chunkSize));
  return Readable.from(parts);
}
