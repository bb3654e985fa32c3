/**
 * Reading a teachers file (教师名单): decoding, header mapping and validation of
 * every row with the shared domain rules, plus the checks across rows of the
 * file. Nothing here touches the database (see import-teachers.ts).
 *
 * Encoding: a file is UTF-8 (with or without BOM) when its first line holding a
 * non-ASCII byte is valid UTF-8, otherwise GB18030 (a superset of GBK and
 * GB2312, what Excel writes for "CSV (逗号分隔)" on Chinese Windows). Only that
 * much is held back before the bytes stream into the CSV parser.
 *
 * Row numbers are those a spreadsheet shows: the header is row 1 (or the row it
 * is on, when a title row sits above it), blank rows count, a cell with line
 * breaks does not add rows.
 */
import { parse as parseCsv, CsvError } from 'csv-parse';
import { Readable } from 'node:stream';
import { errorMessage } from '../../../domain/errors';
import { phoneSchema } from '../../../domain/contact/phone';
import { residentIdSchema } from '../../../domain/identity/resident-id';
import { personNameSchema } from '../../../domain/person/name';
import { codePointLength, compactIdentifier, removeZeroWidth } from '../../../domain/text/normalize';
import { type ImportColumn, mapHeader } from '../import/header-mapping';
import { EncodingError, type FileEncoding, decodeText } from '../import/text-decoding';
import { type ClassLabel, classKey, formatClassLabel, parseClassList, sameClass } from '../import/class-label';

export type TeacherColumnKey = 'name' | 'phone' | 'residentId' | 'schoolCode' | 'schoolName' | 'classes' | 'headClass';

export type TeacherColumn = ImportColumn<TeacherColumnKey>;

/** The columns of a teachers file, in template order. */
export const TEACHER_COLUMNS: readonly TeacherColumn[] = [
  { key: 'name', header: '姓名', aliases: ['教师姓名'], required: true },
  { key: 'phone', header: '手机号', aliases: ['手机', '手机号码', '联系电话'], required: true },
  { key: 'residentId', header: '身份证号', aliases: ['身份证', '身份证号码', '公民身份号码'], required: true },
  { key: 'schoolCode', header: '学校标识码', aliases: ['学校代码'], required: true },
  { key: 'schoolName', header: '学校名称', aliases: ['学校'], required: true },
  { key: 'classes', header: '任教班级', aliases: ['所教班级', '任课班级'], required: true },
  { key: 'headClass', header: '班主任班级', aliases: [], required: false },
];

/** One valid teacher of the file, normalised. */
export interface TeacherRow {
  /** Spreadsheet row number (header = 1). */
  row: number;
  name: string;
  /** 11 digits. */
  phone: string;
  /** 18 characters, upper-case X. */
  residentId: string;
  /** 10 digits. */
  schoolCode: string;
  schoolName: string;
  /** Every class taught, the head-teacher class included; no duplicates. */
  classes: ClassLabel[];
  headClass: ClassLabel | null;
}

/** One problem of the file. `column` is the header as written in the file ('' for the file as a whole). */
export interface TeacherFileError {
  row: number;
  column: string;
  message: string;
}

export type { FileEncoding } from '../import/text-decoding';

export interface ParsedTeachersFile {
  encoding: FileEncoding | null;
  /** Valid rows, only meaningful when `errors` is empty. */
  rows: TeacherRow[];
  errors: TeacherFileError[];
  /** Non-blank data rows read. */
  dataRows: number;
  /** The header each column has in the file. */
  columnHeaders: Partial<Record<TeacherColumnKey, string>>;
  /** Headers not recognised (ignored). */
  ignoredColumns: string[];
}

export interface ParseTeachersFileOptions {
  /** "Today" for the age rule of resident IDs; read once per file. */
  now?: Date;
}

/** A school name longer than this is a mistake (the longest real ones are about 30 characters). */
export const MAX_SCHOOL_NAME_LENGTH = 60;
/** A teachers file is small; beyond this the file is refused, not half read. */
export const MAX_DATA_ROWS = 20_000;
/** Rows above the header that may hold a title (e.g. "XX学校教师名单"). */
const MAX_HEADER_ROW = 5;

const TEACHER_MIN_AGE_MESSAGE = '教师须年满 18 周岁，请核对身份证号';

// ---------------------------------------------------------------------------
// cells

type CellResult<T> = { ok: true; value: T } | { ok: false; message: string };

function firstIssue(result: { success: boolean; error?: { issues: Array<{ message: string }> } }): string {
  return result.error?.issues[0]?.message ?? errorMessage('VALIDATION_FAILED');
}

function parseName(cell: string): CellResult<string> {
  const result = personNameSchema.safeParse(cell);
  return result.success ? { ok: true, value: result.data } : { ok: false, message: firstIssue(result) };
}

function parsePhoneCell(cell: string): CellResult<string> {
  const result = phoneSchema.safeParse(cell);
  return result.success ? { ok: true, value: result.data } : { ok: false, message: firstIssue(result) };
}

/**
 * A teacher is an adult: the guardian age rule (18–120 on the ID's birth date)
 * of the domain applies, with a message that speaks of teachers.
 */
function residentIdParser(now: Date) {
  const schema = residentIdSchema('guardian', { clock: () => now });
  const guardianAge = errorMessage('ID_AGE_GUARDIAN');
  return (cell: string): CellResult<string> => {
    const result = schema.safeParse(cell);
    if (result.success) return { ok: true, value: result.data };
    const message = firstIssue(result);
    return { ok: false, message: message === guardianAge ? TEACHER_MIN_AGE_MESSAGE : message };
  };
}

function parseSchoolCode(cell: string): CellResult<string> {
  const code = compactIdentifier(cell);
  if (code === '') return { ok: false, message: '请填写学校标识码' };
  return /^\d{10}$/.test(code) ? { ok: true, value: code } : { ok: false, message: '学校标识码应为 10 位数字' };
}

function parseSchoolName(cell: string): CellResult<string> {
  const name = removeZeroWidth(cell).trim().replace(/\s+/g, ' ');
  if (name === '') return { ok: false, message: '请填写学校名称' };
  if (codePointLength(name) > MAX_SCHOOL_NAME_LENGTH) {
    return { ok: false, message: `学校名称不能超过 ${MAX_SCHOOL_NAME_LENGTH} 个字` };
  }
  return { ok: true, value: name };
}

function parseClassesCell(cell: string): CellResult<ClassLabel[]> {
  const { labels, reasons } = parseClassList(cell);
  return reasons.length > 0 ? { ok: false, message: reasons.join('；') } : { ok: true, value: labels };
}

function parseHeadClassCell(cell: string): CellResult<ClassLabel | null> {
  const { labels, reasons } = parseClassList(cell);
  if (reasons.length > 0) return { ok: false, message: reasons.join('；') };
  if (labels.length > 1) return { ok: false, message: '班主任班级只能填写一个班级' };
  return { ok: true, value: labels[0] ?? null };
}

// ---------------------------------------------------------------------------
// the file

interface FirstSeen {
  row: number;
  value: string;
}

/**
 * Reads and validates a teachers file. Never throws for bad content: every
 * problem becomes an entry of `errors` (file-level ones on row 1 or the row
 * where reading stopped); it throws only when the source itself fails.
 */
export async function parseTeachersFile(
  source: AsyncIterable<Uint8Array | string>,
  options: ParseTeachersFileOptions = {},
): Promise<ParsedTeachersFile> {
  const parseResidentIdCell = residentIdParser(options.now ?? new Date());
  const result: ParsedTeachersFile = {
    encoding: null,
    rows: [],
    errors: [],
    dataRows: 0,
    columnHeaders: {},
    ignoredColumns: [],
  };
  const error = (row: number, column: string, message: string) => result.errors.push({ row, column, message });

  let columns: Map<TeacherColumnKey, { index: number; header: string }> | null = null;
  const header = (key: TeacherColumnKey) =>
    columns?.get(key)?.header ?? TEACHER_COLUMNS.find((c) => c.key === key)!.header;
  const phones = new Map<string, number>();
  const residentIds = new Map<string, number>();
  const schoolNames = new Map<string, FirstSeen>();
  const headTeachers = new Map<string, number>();

  const decoded = Readable.from(decodeText(source, (encoding) => (result.encoding = encoding)));
  const parser = parseCsv({
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    max_record_size: 64 * 1024,
  });
  // A decoding failure ends the input and is reported like any other problem of the file.
  decoded.on('error', (err) => {
    if (!(err instanceof EncodingError)) {
      parser.destroy(err); // the source failed (e.g. a read error): that is thrown, not reported
      return;
    }
    error(rowNumberOf(), '', err.message);
    parser.end();
  });
  decoded.pipe(parser);

  let row = 0;
  const rowNumberOf = () => Math.max(row, 1);
  let firstNonBlank: { row: number; cells: string[] } | null = null;
  const useHeader = (at: number, cells: string[]) => {
    const mapped = mapHeader(cells, TEACHER_COLUMNS);
    result.ignoredColumns = mapped.ignored;
    result.columnHeaders = Object.fromEntries([...mapped.columns].map(([key, c]) => [key, c.header]));
    for (const problem of mapped.problems) error(at, problem.column, problem.message);
    return mapped.columns;
  };
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      row += 1;
      const cells = record.map((cell) => cell ?? '');
      const blank = cells.every((cell) => removeZeroWidth(cell).trim() === '');
      if (!columns) {
        if (blank) continue;
        firstNonBlank ??= { row, cells };
        // the header is the first row naming at least two known columns; rows above it are titles
        if (mapHeader(cells, TEACHER_COLUMNS).columns.size >= 2) columns = useHeader(row, cells);
        else if (row >= MAX_HEADER_ROW) columns = useHeader(firstNonBlank.row, firstNonBlank.cells);
        if (result.errors.length > 0) break;
        continue;
      }
      if (blank) continue;
      result.dataRows += 1;
      if (result.dataRows > MAX_DATA_ROWS) {
        error(row, '', `文件超过 ${MAX_DATA_ROWS} 行教师数据，请拆分后分批导入`);
        break;
      }
      const teacher = validateRow(row, cells);
      if (teacher) result.rows.push(teacher);
    }
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    error(rowNumberOf() + 1, '', csvErrorMessage(err));
  } finally {
    decoded.destroy();
    parser.destroy();
  }

  if (result.errors.length === 0) {
    if (!columns && firstNonBlank) columns = useHeader(firstNonBlank.row, firstNonBlank.cells);
    else if (!columns) error(1, '', '文件为空，第 1 行应为列名：姓名、手机号、身份证号、学校标识码、学校名称、任教班级');
    else if (result.dataRows === 0) error(rowNumberOf(), '', '文件中没有教师数据');
  }
  result.errors.sort((a, b) => a.row - b.row || columnOrder(a.column) - columnOrder(b.column));
  return result;

  function columnOrder(column: string): number {
    const key = [...(columns?.entries() ?? [])].find(([, c]) => c.header === column)?.[0];
    return key ? TEACHER_COLUMNS.findIndex((c) => c.key === key) : -1;
  }

  function validateRow(rowNumber: number, cells: string[]): TeacherRow | null {
    const cell = (key: TeacherColumnKey) => {
      const at = columns?.get(key);
      return at ? (cells[at.index] ?? '') : '';
    };
    const before = result.errors.length;
    const values: Partial<TeacherRow> = { row: rowNumber };
    const take = <K extends keyof TeacherRow>(key: K & TeacherColumnKey, parsed: CellResult<TeacherRow[K]>) => {
      if (parsed.ok) (values as Record<string, unknown>)[key] = parsed.value;
      else error(rowNumber, header(key), parsed.message);
    };
    take('name', parseName(cell('name')));
    take('phone', parsePhoneCell(cell('phone')));
    take('residentId', parseResidentIdCell(cell('residentId')));
    take('schoolCode', parseSchoolCode(cell('schoolCode')));
    take('schoolName', parseSchoolName(cell('schoolName')));
    take('classes', parseClassesCell(cell('classes')));
    take('headClass', parseHeadClassCell(cell('headClass')));

    // The head-teacher class is taught too: added to the taught classes when missing.
    if (values.classes && values.headClass !== undefined) {
      const head = values.headClass;
      if (head && !values.classes.some((c) => sameClass(c, head))) values.classes = [...values.classes, head];
      if (values.classes.length === 0) error(rowNumber, header('classes'), '请填写任教班级');
    }

    // across rows: the first row keeps the value, later rows are reported
    if (values.phone) {
      const first = phones.get(values.phone);
      if (first !== undefined) error(rowNumber, header('phone'), `与第 ${first} 行的手机号重复`);
      else phones.set(values.phone, rowNumber);
    }
    if (values.residentId) {
      const first = residentIds.get(values.residentId);
      if (first !== undefined) error(rowNumber, header('residentId'), `与第 ${first} 行的身份证号重复`);
      else residentIds.set(values.residentId, rowNumber);
    }
    if (values.schoolCode && values.schoolName) {
      const first = schoolNames.get(values.schoolCode);
      if (first && first.value !== values.schoolName) {
        error(
          rowNumber,
          header('schoolName'),
          `学校标识码 ${values.schoolCode} 在第 ${first.row} 行的学校名称是"${first.value}"，同一学校的名称应一致`,
        );
      } else if (!first) schoolNames.set(values.schoolCode, { row: rowNumber, value: values.schoolName });
    }
    if (values.schoolCode && values.headClass) {
      const key = `${values.schoolCode}/${classKey(values.headClass)}`;
      const first = headTeachers.get(key);
      if (first !== undefined) {
        error(
          rowNumber,
          header('headClass'),
          `第 ${first} 行已是${formatClassLabel(values.headClass)}的班主任，一个班只能有一位班主任`,
        );
      } else headTeachers.set(key, rowNumber);
    }

    if (result.errors.length > before) return null;
    return values as TeacherRow;
  }
}

function csvErrorMessage(err: CsvError): string {
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') return 'CSV 格式错误：引号没有闭合，请检查该行附近的单元格';
  if (err.code === 'CSV_MAX_RECORD_SIZE') return 'CSV 格式错误：一行内容过长，文件可能不是 CSV';
  return `CSV 格式错误（${err.code}），请用 Excel 重新另存为 CSV`;
}
