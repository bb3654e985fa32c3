/**
 * One row of a registry file (学籍库导出): the columns, and the validation of a
 * row with the shared domain rules. Pure apart from the clock passed in: no
 * database, no file. Cross-row checks (duplicates) live in import-registry.ts.
 */
import { errorMessage } from '../../../domain/errors';
import { parseResidentId, type Sex } from '../../../domain/identity/resident-id';
import { parseStudentNumber } from '../../../domain/identity/student-number';
import { parsePhone } from '../../../domain/contact/phone';
import { parsePersonName } from '../../../domain/person/name';
import type { Grade } from '../../../domain/profile/schemas';
import { codePointLength, compactIdentifier, removeZeroWidth } from '../../../domain/text/normalize';
import { formatCalendarDate, isRealCalendarDate, type CalendarDate } from '../../../domain/time/calendar-date';
import { parseClassLabel, parseClassName, parseGradeLabel } from '../import/class-label';
import type { ImportColumn } from '../import/header-mapping';
import type { CellValue } from '../import/tabular';

export type RegistryColumnKey =
  | 'studentNumber'
  | 'name'
  | 'residentId'
  | 'sex'
  | 'birthDate'
  | 'schoolCode'
  | 'schoolName'
  | 'grade'
  | 'className'
  | 'registryStatus'
  | 'guardian1Name'
  | 'guardian1Phone'
  | 'guardian2Name'
  | 'guardian2Phone';

/**
 * The columns of a registry file, in template order. 性别 and 出生日期 are
 * optional (the resident ID states both); when present they must agree with it.
 */
export const REGISTRY_COLUMNS: readonly ImportColumn<RegistryColumnKey>[] = [
  { key: 'studentNumber', header: '学籍号', aliases: ['全国学籍号', '学生学籍号', '全国学籍号码'], required: true },
  { key: 'name', header: '姓名', aliases: ['学生姓名'], required: true },
  {
    key: 'residentId',
    header: '身份证号',
    aliases: ['身份证件号', '身份证号码', '证件号码', '身份证件号码', '公民身份号码'],
    required: true,
  },
  { key: 'sex', header: '性别', aliases: [], required: false },
  { key: 'birthDate', header: '出生日期', aliases: ['出生年月日', '出生年月'], required: false },
  { key: 'schoolCode', header: '学校标识码', aliases: ['学校代码'], required: true },
  { key: 'schoolName', header: '学校名称', aliases: ['学校'], required: true },
  { key: 'grade', header: '年级', aliases: ['所在年级'], required: true },
  { key: 'className', header: '班级', aliases: ['班级名称', '所在班级', '班号'], required: true },
  { key: 'registryStatus', header: '学籍状态', aliases: ['在籍状态', '学生状态'], required: true },
  // Optional: the guardians the registry (or the school) knows. A guardian phone is the evidence that lets a
  // submission be approved automatically (registry-matching/): the submitting account's verified phone is one.
  {
    key: 'guardian1Name',
    header: '监护人1姓名',
    aliases: ['监护人一姓名', '第一监护人姓名', '监护人姓名', '家长姓名', '家长1姓名', '家长一姓名'],
    required: false,
  },
  {
    key: 'guardian1Phone',
    header: '监护人1手机号',
    aliases: [
      '监护人1手机号码', '监护人1电话', '监护人1联系电话', '监护人一手机号', '第一监护人手机号', '监护人手机号', '监护人电话',
      '监护人联系电话', '家长手机号', '家长手机号码', '家长电话', '家长联系电话', '家长1手机号', '家长1电话', '联系电话',
    ],
    required: false,
  },
  { key: 'guardian2Name', header: '监护人2姓名', aliases: ['监护人二姓名', '第二监护人姓名', '家长2姓名', '家长二姓名'], required: false },
  {
    key: 'guardian2Phone',
    header: '监护人2手机号',
    aliases: ['监护人2手机号码', '监护人2电话', '监护人2联系电话', '监护人二手机号', '第二监护人手机号', '家长2手机号', '家长2电话', '家长2联系电话'],
    required: false,
  },
];

/** A guardian the registry names; at least one of name and phone. */
export interface RegistryGuardian {
  name: string | null;
  /** 11 digits (mainland mobile), normalised. */
  phone: string | null;
}

export const COLUMN_ORDER: ReadonlyMap<RegistryColumnKey, number> = new Map(REGISTRY_COLUMNS.map((c, i) => [c.key, i]));

/** A valid row, normalised as stored. */
export interface RegistryRow {
  row: number;
  /** 19 characters, upper case. */
  studentNumber: string;
  name: string;
  /** 18 characters, upper-case X. */
  residentId: string;
  /** From the resident ID (the file's 性别, when given, agrees). */
  sex: Sex;
  /** 'YYYY-MM-DD', from the resident ID (the file's 出生日期, when given, agrees). */
  birthDate: string;
  /** 10 digits. */
  schoolCode: string;
  schoolName: string;
  grade: Grade;
  /** '<n>班' */
  className: string;
  /** 学籍状态 in the registry's word (a few obvious variants mapped, e.g. 正常 → 在籍). */
  registryStatus: string;
  /** 监护人1/2 as given (blank ones left out); empty when the file has no guardian columns. */
  guardians: RegistryGuardian[];
}

export interface RowProblem {
  key: RegistryColumnKey;
  message: string;
}

export type RowValidation = { ok: true; value: RegistryRow } | { ok: false; problems: RowProblem[]; partial: Partial<RegistryRow> };

/** A school name longer than this is a mistake (the longest real ones are about 30 characters). */
export const MAX_SCHOOL_NAME_LENGTH = 60;
export const MAX_REGISTRY_STATUS_LENGTH = 20;

/** Variants of 学籍状态 seen in exports, mapped to the registry's word; anything else is kept as written. */
export const REGISTRY_STATUS_VARIANTS: Readonly<Record<string, string>> = {
  正常: '在籍',
  在校: '在籍',
  在读: '在籍',
  正常在籍: '在籍',
  有学籍: '在籍',
  已毕业: '毕业',
  转学: '转出',
  已转出: '转出',
  休学中: '休学',
};

const MS_PER_DAY = 24 * 60 * 60 * 1000;
/** Excel's day 0 in the 1900 date system (serial 60, the non-existent 1900-02-29, is ignored). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);

/** A cell as text: numbers as written (a whole number without exponent), dates as YYYY-MM-DD. */
export function cellText(cell: CellValue | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'number') return Number.isInteger(cell) ? BigInt(cell).toString() : String(cell);
  return cell.toISOString().slice(0, 10);
}

function calendarDateOf(year: number, month: number, day: number): CalendarDate | null {
  const date = { year, month, day };
  return isRealCalendarDate(date) && year >= 1900 ? date : null;
}

/**
 * 出生日期: 2015-03-07, 2015/3/7, 2015.3.7, 2015年3月7日, 20150307, with an optional
 * time of day (database exports; dropped); in XLSX also a date cell, a YYYYMMDD number
 * or an Excel date serial.
 */
export function parseBirthDateCell(cell: CellValue | undefined): CalendarDate | null {
  if (cell instanceof Date) return calendarDateOf(cell.getUTCFullYear(), cell.getUTCMonth() + 1, cell.getUTCDate());
  if (typeof cell === 'number') {
    if (!Number.isInteger(cell)) return null;
    if (cell >= 19000101 && cell <= 29991231) return calendarDateOf(Math.floor(cell / 10000), Math.floor(cell / 100) % 100, cell % 100);
    if (cell > 60 && cell < 2958466) {
      const d = new Date(EXCEL_EPOCH_MS + cell * MS_PER_DAY);
      return calendarDateOf(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
    }
    return null;
  }
  const text = compactIdentifier(
    removeZeroWidth(cellText(cell))
      .trim()
      .replace(/\s+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$/, ''),
  );
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(text);
  m ??= /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  return m ? calendarDateOf(Number(m[1]), Number(m[2]), Number(m[3])) : null;
}

/** 性别: 男 / 女 (男性, 女性), or the GB/T 2261.1 codes 1 / 2; null when not recognised. */
export function parseSexCell(cell: CellValue | undefined): Sex | null {
  const text = compactIdentifier(cellText(cell)).toUpperCase();
  if (text === '男' || text === '男性' || text === '1' || text === 'M') return 'male';
  if (text === '女' || text === '女性' || text === '2' || text === 'F') return 'female';
  return null;
}

const SEX_LABELS: Readonly<Record<Sex, string>> = { male: '男', female: '女' };

/** Whether a numeric cell has lost digits: Excel keeps 15 significant digits. */
function isMangledNumber(cell: CellValue | undefined): boolean {
  return typeof cell === 'number' && Math.abs(cell) >= 1e15;
}

export interface ValidateRowOptions {
  /** "Today" for the age rule of student resident IDs. */
  now: Date;
}

/**
 * Validates one data row. Every problem of the row is returned (one per
 * column), so the operator fixes a row once; `partial` carries what did parse
 * (the cross-row checks use the 学籍号 and the ID even when another cell is bad).
 */
export function validateRegistryRow(
  rowNumber: number,
  cell: (key: RegistryColumnKey) => CellValue | undefined,
  options: ValidateRowOptions,
): RowValidation {
  const problems: RowProblem[] = [];
  const values: Partial<RegistryRow> = { row: rowNumber };
  const problem = (key: RegistryColumnKey, message: string) => problems.push({ key, message });

  const number = parseStudentNumber(cellText(cell('studentNumber')));
  if (number.ok) values.studentNumber = number.value.number;
  else problem('studentNumber', number.code === 'REQUIRED' ? '请填写学籍号' : errorMessage(number.code));

  const name = parsePersonName(cellText(cell('name')));
  if (name.ok) values.name = name.value;
  else problem('name', name.code === 'REQUIRED' ? '请填写姓名' : errorMessage(name.code));

  const idCell = cell('residentId');
  let sexFromId: Sex | null = null;
  let birthFromId: string | null = null;
  if (isMangledNumber(idCell)) {
    problem('residentId', '身份证号在 Excel 中被存成了数字，后几位已丢失；请把该列设为"文本"格式后重新填写');
  } else {
    const id = parseResidentId(cellText(idCell), { use: 'student', now: options.now });
    if (id.ok) {
      values.residentId = id.value.id;
      sexFromId = id.value.sex;
      birthFromId = id.value.birthDate;
    } else problem('residentId', errorMessage(id.code));
  }

  const sexCell = cellText(cell('sex')).trim();
  if (sexCell !== '') {
    const sex = parseSexCell(sexCell);
    if (!sex) problem('sex', `无法识别性别"${sexCell}"，请填写"男"或"女"`);
    else if (sexFromId && sex !== sexFromId) problem('sex', `性别"${SEX_LABELS[sex]}"与身份证号不一致（身份证号为${SEX_LABELS[sexFromId]}性）`);
  }
  if (sexFromId) values.sex = sexFromId;

  const birthCell = cell('birthDate');
  if (cellText(birthCell).trim() !== '') {
    const birth = parseBirthDateCell(birthCell);
    if (!birth) problem('birthDate', `无法识别出生日期"${cellText(birthCell).trim()}"，请写成 YYYY-MM-DD`);
    else if (birthFromId && formatCalendarDate(birth) !== birthFromId) {
      problem('birthDate', `出生日期 ${formatCalendarDate(birth)} 与身份证号中的出生日期 ${birthFromId} 不一致`);
    }
  }
  if (birthFromId) values.birthDate = birthFromId;

  const schoolCodeCell = cell('schoolCode');
  const schoolCode = compactIdentifier(cellText(schoolCodeCell));
  if (schoolCode === '') problem('schoolCode', '请填写学校标识码');
  else if (!/^\d{10}$/.test(schoolCode)) problem('schoolCode', '学校标识码应为 10 位数字');
  else values.schoolCode = schoolCode;

  const schoolName = removeZeroWidth(cellText(cell('schoolName'))).trim().replace(/\s+/g, ' ');
  if (schoolName === '') problem('schoolName', '请填写学校名称');
  else if (codePointLength(schoolName) > MAX_SCHOOL_NAME_LENGTH) problem('schoolName', `学校名称不能超过 ${MAX_SCHOOL_NAME_LENGTH} 个字`);
  else values.schoolName = schoolName;

  const grade = parseGradeLabel(cellText(cell('grade')));
  if (grade.ok) values.grade = grade.value;
  else problem('grade', grade.reason);

  // 班级 is usually "2班"; some exports repeat the grade ("三年级2班"), which must then agree with 年级
  const classText = cellText(cell('className'));
  const full = parseClassLabel(classText);
  if (full.ok) {
    if (grade.ok && full.value.grade !== grade.value) problem('className', `班级"${classText.trim()}"与年级"${cellText(cell('grade')).trim()}"不一致`);
    else values.className = full.value.name;
  } else {
    const className = parseClassName(classText);
    if (className.ok) values.className = className.value;
    else problem('className', className.reason);
  }

  const status = compactIdentifier(cellText(cell('registryStatus')));
  if (status === '') problem('registryStatus', '请填写学籍状态');
  else if (codePointLength(status) > MAX_REGISTRY_STATUS_LENGTH) problem('registryStatus', `学籍状态不能超过 ${MAX_REGISTRY_STATUS_LENGTH} 个字`);
  else values.registryStatus = REGISTRY_STATUS_VARIANTS[status] ?? status;

  const guardians: RegistryGuardian[] = [];
  const guardianColumns = [
    ['guardian1Name', 'guardian1Phone', '监护人1'],
    ['guardian2Name', 'guardian2Phone', '监护人2'],
  ] as const;
  for (const [nameKey, phoneKey, label] of guardianColumns) {
    const nameText = removeZeroWidth(cellText(cell(nameKey))).trim();
    const phoneCell = cell(phoneKey);
    const phoneText = cellText(phoneCell).trim();
    let guardianName: string | null = null;
    let phone: string | null = null;
    if (nameText !== '') {
      const parsed = parsePersonName(nameText);
      if (parsed.ok) guardianName = parsed.value;
      else problem(nameKey, `${label}姓名：${errorMessage(parsed.code)}`);
    }
    if (phoneText !== '') {
      const parsed = parsePhone(phoneText);
      if (parsed.ok) phone = parsed.value;
      else problem(phoneKey, `${label}手机号"${phoneText.slice(0, 20)}"不是有效的手机号（应为 11 位，1 开头）`);
    }
    if (guardianName !== null || phone !== null) guardians.push({ name: guardianName, phone });
  }
  values.guardians = guardians;

  if (problems.length > 0) return { ok: false, problems, partial: values };
  return { ok: true, value: values as RegistryRow };
}
