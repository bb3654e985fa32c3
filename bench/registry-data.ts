/**
 * The bench's registry (学籍库): N deterministic, valid, unique rows, written as
 * the CSV an operator would import (UTF-8, the template's ten columns), plus
 * the look-ups the semester rush needs to build submissions that match a row
 * exactly, differ from it, or name no row at all.
 *
 * Row i: resident ID 11 <area> <birth date> <sequence> (unique per i), 学籍号
 * G + ID, school (i / STUDENTS_PER_SCHOOL), grade P1–P6 and class 1–4 班 by i,
 * 监护人1 with the phone guardianPhoneOf(i): the family that submits row i
 * registers with that phone (bench/setup.ts), the evidence of its automatic approval.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import { makeResidentId } from '../domain/identity/resident-id.fixtures';
import { GRADE_LABELS, type Grade } from '../domain/profile/schemas';
import { addDays, chinaDate, formatCalendarDate, subtractYears } from '../domain/time/calendar-date';

export const STUDENTS_PER_SCHOOL = 1_000;
export const REGISTRY_GRADES: readonly Grade[] = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6'];
export const CLASSES_PER_GRADE = 4;
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '胡', '朱', '高', '林', '何', '郭', '马', '罗'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '磊', '洋', '艳', '勇', '军', '杰', '娟', '涛', '明', '超', '霞', '平', '刚', '桂', '浩'];

export interface BenchRegistryRow {
  studentNumber: string;
  name: string;
  residentId: string;
  sex: '男' | '女';
  birthDate: string;
  schoolCode: string;
  schoolName: string;
  grade: Grade;
  className: string;
  status: string;
  guardianName: string;
  guardianPhone: string;
}

/** 监护人1手机号 of row i: 138 and i in 8 digits (unique for i < 100,000,000). */
export function guardianPhoneOf(i: number): string {
  return `138${String(i).padStart(8, '0')}`;
}

/** Birth dates: children aged 9 to ~11.7 today (valid for the student age rule). */
function birthDates(now: Date): string[] {
  const base = subtractYears(chinaDate(now), 9);
  return Array.from({ length: 1_000 }, (_, d) => formatCalendarDate(addDays(base, -d)));
}

export function schoolCodeOf(school: number): string {
  return `6${String(school).padStart(9, '0')}`;
}

export function nameOf(i: number): string {
  return SURNAMES[i % SURNAMES.length]! + GIVEN[Math.floor(i / SURNAMES.length) % GIVEN.length]! + GIVEN[Math.floor(i / 400) % GIVEN.length]!;
}

/** A name that differs from row i's (the "needs review" submissions). */
export function otherNameOf(i: number): string {
  return nameOf(i + 1) === nameOf(i) ? `${nameOf(i)}子` : nameOf(i + 1);
}

export class BenchRegistry {
  private readonly births: string[];
  constructor(
    readonly size: number,
    now = new Date(),
  ) {
    this.births = birthDates(now);
  }

  /** Resident ID of row i; area 1000 + (i / 1,000,000): unique for i < 9,000,000. */
  residentIdOf(i: number, area = 1000 + Math.floor(i / 1_000_000)): string {
    const seq = i % 1000;
    const birthDate = this.births[Math.floor(i / 1000) % 1000]!;
    return makeResidentId({ province: '11', area: String(area).padStart(4, '0'), birthDate, sequence: seq });
  }

  /** An ID no registry row has (area 9xxx). */
  unknownResidentId(k: number): string {
    return this.residentIdOf(k % 1_000_000, 9000 + Math.floor(k / 1_000_000));
  }

  row(i: number): BenchRegistryRow {
    const residentId = this.residentIdOf(i);
    const school = Math.floor(i / STUDENTS_PER_SCHOOL);
    const within = i % STUDENTS_PER_SCHOOL;
    const grade = REGISTRY_GRADES[within % REGISTRY_GRADES.length]!;
    const klass = 1 + (Math.floor(within / REGISTRY_GRADES.length) % CLASSES_PER_GRADE);
    const birthDate = `${residentId.slice(6, 10)}-${residentId.slice(10, 12)}-${residentId.slice(12, 14)}`;
    return {
      studentNumber: `G${residentId}`,
      name: nameOf(i),
      residentId,
      sex: Number(residentId[16]) % 2 === 1 ? '男' : '女',
      birthDate,
      schoolCode: schoolCodeOf(school),
      schoolName: `基准测试第${school + 1}小学`,
      grade,
      className: `${klass}班`,
      status: '在籍',
      guardianName: nameOf(i + 7),
      guardianPhone: guardianPhoneOf(i),
    };
  }
}

export const CSV_HEADER = '学籍号,姓名,身份证号,性别,出生日期,学校标识码,学校名称,年级,班级,学籍状态,监护人1姓名,监护人1手机号';

export function csvLine(r: BenchRegistryRow): string {
  return [r.studentNumber, r.name, r.residentId, r.sex, r.birthDate, r.schoolCode, r.schoolName, GRADE_LABELS[r.grade], r.className, r.status, r.guardianName, r.guardianPhone].join(',');
}

/** Write the registry as CSV (header + rows), streaming. */
export async function writeRegistryCsv(registry: BenchRegistry, file: string): Promise<void> {
  const out = fs.createWriteStream(file);
  let chunk: string[] = [CSV_HEADER];
  for (let i = 0; i < registry.size; i += 1) {
    chunk.push(csvLine(registry.row(i)));
    if (chunk.length >= 5_000) {
      if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
      chunk = [];
    }
  }
  if (chunk.length > 0) out.write(`${chunk.join('\n')}\n`);
  out.end();
  await once(out, 'finish');
}
