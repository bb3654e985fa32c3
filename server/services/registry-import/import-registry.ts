/**
 * Importing a registry file (学籍库导出, CSV or XLSX) into registry_records, the
 * table the registry match (registry-matching/) compares submissions with.
 *
 * The story: stream the file row by row (import/csv-reader.ts, import/xlsx-reader.ts;
 * memory does not grow with the file apart from 32 bytes per row for the
 * duplicate checks); find the header row; validate every row with the shared
 * domain rules (registry-row.ts); write the valid rows in chunks of `batchSize`
 * rows (registry-writer.ts: COPY into a staging table while the file is read,
 * then one set-based upsert by 学籍号 per chunk, nothing written for rows that
 * did not change); record the run in registry_batches.
 *
 * Partial imports, on purpose: unlike the teachers import (all or nothing), a
 * registry file is large and operators expect its good rows to be imported and
 * its bad rows listed. Every row with a problem is reported (row, column,
 * reason in Chinese) and not imported; no row is dropped silently. Warnings
 * (the same resident ID under two 学籍号, one school code with two names)
 * are reported too, and their rows imported.
 *
 * Across rows: a 学籍号 seen before in the file is an error on every later
 * occurrence (the first occurrence counts even when it is itself rejected for
 * another reason, so the report never silently prefers one of two versions).
 *
 * A file that cannot be used at all (not CSV or XLSX, a required column
 * missing, no header) imports nothing and throws RegistryFileError. A file that
 * breaks off in the middle (malformed CSV, undecodable bytes) keeps the rows
 * read before (their chunk is written); the result's `readError` says where reading stopped.
 */
import { once } from 'node:events';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { registryBatches } from '../../db/schema';
import { writeOutbox } from '../../outbox/outbox';
import { readCsvRows } from '../import/csv-reader';
import { FingerprintTable } from '../import/fingerprint-table';
import { mapHeader } from '../import/header-mapping';
import { CsvReportWriter, type ReportEntry } from '../import/report';
import { FileReadError, HashingStream, detectTableFormat, type CellValue, type SheetRow, type TableFormat } from '../import/tabular';
import type { FileEncoding } from '../import/text-decoding';
import { readXlsxRows } from '../import/xlsx-reader';
import {
  COLUMN_ORDER,
  REGISTRY_COLUMNS,
  cellText,
  validateRegistryRow,
  type RegistryColumnKey,
} from './registry-row';
import { RegistryWriter, STUDENT_NUMBER_INDEX_KIND, emptyCounts, prepareRow } from './registry-writer';

export type RegistryImportContext = Pick<AppContext, 'db' | 'pii'>;

export const DEFAULT_BATCH_SIZE = 50_000;
export const MAX_BATCH_SIZE = 100_000;
/** Rows above the header that may hold a title (e.g. "XX区学籍信息导出"). */
const MAX_HEADER_ROW = 5;

export type ProblemLevel = 'error' | 'warning';

export interface RegistryImportProblem extends ReportEntry {
  /** error: the row is not imported; warning: imported, to be checked. */
  level: ProblemLevel;
}

export const REPORT_HEADERS = ['行号', '列', '问题', '处理'] as const;
export const LEVEL_LABELS: Readonly<Record<ProblemLevel, string>> = { error: '未导入', warning: '已导入，请核实' };

export interface ImportRegistryOptions {
  /** The file's name, kept (base name only) in registry_batches. */
  fileName: string;
  /** Validate and count, write nothing (no batch record either). */
  dryRun?: boolean;
  /** Rows per transaction; default 50,000. */
  batchSize?: number;
  /** Who ran it (registry_batches.imported_by). */
  importedBy?: string | null;
  /** Where to write the CSV report (UTF-8 BOM); written even when there is no problem, unless `reportOnlyOnProblems`. */
  reportPath?: string | null;
  /** Create the report file at the first problem only. */
  reportOnlyOnProblems?: boolean;
  /** "Today" for the age rule of resident IDs; read once. */
  now?: Date;
  /** How many problems the result carries in memory (all of them are in the report); default 100. */
  keepProblems?: number;
}

export interface RegistryImportResult {
  /** registry_batches.id; null in a dry run. */
  batchId: string | null;
  dryRun: boolean;
  format: TableFormat;
  /** CSV only. */
  encoding: FileEncoding | null;
  /** XLSX only. */
  sheetName: string | null;
  headerRow: number;
  /** Headers not recognised, ignored. */
  ignoredColumns: string[];
  /** Non-blank data rows read. */
  rowsRead: number;
  rowsValid: number;
  rowsRejected: number;
  /** Valid rows naming at least one guardian phone (the evidence of automatic approval). */
  rowsWithGuardianPhone: number;
  /**
   * Set when rows with guardian phones were imported (not in a dry run): the outbox row that re-checks the
   * approvals without guardian evidence against them (the guardian-recheck job).
   */
  guardianRecheckQueued: boolean;
  warnings: number;
  inserted: number;
  updated: number;
  unchanged: number;
  schoolsCreated: number;
  schoolsRenamed: number;
  classesCreated: number;
  /** The first `keepProblems` problems, in row order. */
  problems: RegistryImportProblem[];
  problemCount: number;
  /** Set when the file broke off: rows after it were not read. */
  readError: RegistryImportProblem | null;
  /** SHA-256 of the whole file (hex); null when reading broke off. */
  fileSha256: string | null;
  startedAt: Date;
  finishedAt: Date;
}

/** The file cannot be imported at all; nothing was written. */
export class RegistryFileError extends Error {
  constructor(readonly problems: ReportEntry[]) {
    super(problems.map((p) => (p.column ? `${p.column}：${p.message}` : p.message)).join('；'));
    this.name = 'RegistryFileError';
  }
}

const XLS_MESSAGE = '不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或"CSV UTF-8（逗号分隔）"后导入';
const EMPTY_MESSAGE = `文件为空，第 1 行应为列名：${REGISTRY_COLUMNS.filter((c) => c.required).map((c) => c.header).join('、')}`;

/** The first bytes of a stream, left in it. */
async function peekHead(stream: Readable): Promise<Buffer> {
  for (;;) {
    const chunk = stream.read() as Buffer | null;
    if (chunk !== null) {
      stream.unshift(chunk);
      return chunk;
    }
    if (stream.readableEnded) return Buffer.alloc(0);
    const ac = new AbortController();
    await Promise.race([once(stream, 'readable', { signal: ac.signal }), once(stream, 'end', { signal: ac.signal })]).finally(() =>
      ac.abort(),
    );
  }
}

function isBlank(cells: readonly CellValue[]): boolean {
  return cells.every((cell) => cellText(cell).replace(/[\s\u200B-\u200D\u2060\uFEFF]/g, '') === '');
}

/** Imports a registry file; see the module comment. */
export async function importRegistryFile(
  ctx: RegistryImportContext,
  source: Readable,
  options: ImportRegistryOptions,
): Promise<RegistryImportResult> {
  const startedAt = new Date();
  const now = options.now ?? startedAt;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new RangeError(`batchSize must be an integer 1–${MAX_BATCH_SIZE}`);
  }
  const dryRun = Boolean(options.dryRun);
  const keepProblems = options.keepProblems ?? 100;

  const tap = new HashingStream();
  source.on('error', (err) => tap.destroy(err));
  source.pipe(tap);
  const report: { writer: CsvReportWriter | null } = { writer: null };
  let finishedReading = false;

  try {
    const head = await peekHead(tap);
    const format = detectTableFormat(head);
    if (format === 'xls') throw new RegistryFileError([{ row: 1, column: '', message: XLS_MESSAGE }]);
    const info = { encoding: null as FileEncoding | null, sheetName: null as string | null };
    const rows: AsyncGenerator<SheetRow> = format === 'xlsx' ? readXlsxRows(tap, info) : readCsvRows(tap, info);

    const result: RegistryImportResult = {
      batchId: null,
      dryRun,
      format,
      encoding: null,
      sheetName: null,
      headerRow: 0,
      ignoredColumns: [],
      rowsRead: 0,
      rowsValid: 0,
      rowsRejected: 0,
      rowsWithGuardianPhone: 0,
      guardianRecheckQueued: false,
      warnings: 0,
      ...emptyCounts(),
      problems: [],
      problemCount: 0,
      readError: null,
      fileSha256: null,
      startedAt,
      finishedAt: startedAt,
    };

    // ---- the header
    let columns: Map<RegistryColumnKey, { index: number; header: string }> | null = null;
    let firstNonBlank: SheetRow | null = null;
    const useHeader = (at: SheetRow) => {
      const mapped = mapHeader(at.cells.map(cellText), REGISTRY_COLUMNS);
      if (mapped.problems.length > 0) {
        throw new RegistryFileError(mapped.problems.map((p) => ({ row: at.rowNumber, column: p.column, message: p.message })));
      }
      result.headerRow = at.rowNumber;
      result.ignoredColumns = mapped.ignored;
      return mapped.columns;
    };
    const iterator = rows[Symbol.asyncIterator]();
    try {
      while (!columns) {
        const next = await iterator.next();
        if (next.done) {
          if (!firstNonBlank) throw new RegistryFileError([{ row: 1, column: '', message: EMPTY_MESSAGE }]);
          columns = useHeader(firstNonBlank);
          break;
        }
        const row = next.value;
        if (isBlank(row.cells)) continue;
        firstNonBlank ??= row;
        if (mapHeader(row.cells.map(cellText), REGISTRY_COLUMNS).columns.size >= 2) columns = useHeader(row);
        else if (row.rowNumber >= MAX_HEADER_ROW) columns = useHeader(firstNonBlank);
      }
    } catch (err) {
      if (err instanceof FileReadError) throw new RegistryFileError([{ row: err.row, column: '', message: err.message }]);
      throw err;
    }
    const headerOf = (key: RegistryColumnKey) => columns!.get(key)?.header ?? REGISTRY_COLUMNS[COLUMN_ORDER.get(key)!]!.header;

    // ---- the run
    const openReport = () =>
      (report.writer ??= options.reportPath ? new CsvReportWriter(options.reportPath, REPORT_HEADERS) : null);
    if (!options.reportOnlyOnProblems) openReport();
    if (!dryRun) {
      const [batch] = await ctx.db
        .insert(registryBatches)
        .values({ fileName: path.basename(options.fileName), fileSha256: '', importedBy: options.importedBy ?? null, startedAt })
        .returning({ id: registryBatches.id });
      result.batchId = batch!.id;
    }
    const writer = await RegistryWriter.open(ctx, { batchId: result.batchId, dryRun, chunkSize: batchSize });
    const studentNumbers = new FingerprintTable();
    const residentIds = new FingerprintTable();
    const schoolNames = new Map<string, string>();
    const schoolFirstRow = new Map<string, number>();

    const emit = async (problem: RegistryImportProblem) => {
      result.problemCount += 1;
      if (problem.level === 'warning') result.warnings += 1;
      if (result.problems.length < keepProblems) result.problems.push(problem);
      await openReport()?.write([String(problem.row), problem.column || '（文件）', problem.message, LEVEL_LABELS[problem.level]]);
    };

    const fingerprint = (blindIndex: string) => Buffer.from(blindIndex, 'base64url');
    // the rows: validated here, written by the writer while the next ones are read
    const readRows = async () => {
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done) break;
          const { rowNumber, cells } = next.value;
          if (isBlank(cells)) continue;
          result.rowsRead += 1;
          const cell = (key: RegistryColumnKey) => {
            const at = columns.get(key);
            return at ? cells[at.index] : undefined;
          };
          const validation = validateRegistryRow(rowNumber, cell, { now });
          const problems: { key: RegistryColumnKey; message: string; level: ProblemLevel }[] = validation.ok
            ? []
            : validation.problems.map((p) => ({ ...p, level: 'error' as const }));
          const studentNumber = validation.ok ? validation.value.studentNumber : validation.partial.studentNumber;
          let studentNumberIndex: string | undefined;
          if (studentNumber) {
            studentNumberIndex = ctx.pii.blindIndex(STUDENT_NUMBER_INDEX_KIND, studentNumber);
            const first = studentNumbers.firstRowOrAdd(fingerprint(studentNumberIndex), rowNumber);
            if (first) problems.push({ key: 'studentNumber', message: `与第 ${first} 行的学籍号重复`, level: 'error' });
          }
          if (validation.ok && problems.length === 0) {
            const prepared = prepareRow(ctx.pii, validation.value, studentNumberIndex);
            const firstId = residentIds.firstRowOrAdd(fingerprint(prepared.residentIdIndex), rowNumber);
            if (firstId) {
              problems.push({
                key: 'residentId',
                message: `与第 ${firstId} 行的身份证号相同而学籍号不同，两行均已导入，请核实`,
                level: 'warning',
              });
            }
            const knownName = schoolNames.get(prepared.schoolCode);
            if (knownName === undefined) {
              schoolNames.set(prepared.schoolCode, prepared.schoolName);
              schoolFirstRow.set(prepared.schoolCode, rowNumber);
            } else if (knownName !== prepared.schoolName) {
              problems.push({
                key: 'schoolName',
                message: `学校标识码 ${prepared.schoolCode} 在第 ${schoolFirstRow.get(prepared.schoolCode)} 行的学校名称是"${knownName}"，学校名称以第一次出现的为准`,
                level: 'warning',
              });
            }
            const wait = writer.add(prepared);
            if (wait) await wait;
            result.rowsValid += 1;
            if (prepared.guardianPhoneIndexes.length > 0) result.rowsWithGuardianPhone += 1;
          } else {
            result.rowsRejected += 1;
          }
          problems.sort((a, b) => COLUMN_ORDER.get(a.key)! - COLUMN_ORDER.get(b.key)!);
          for (const p of problems) await emit({ row: rowNumber, column: headerOf(p.key), message: p.message, level: p.level });
        }
        finishedReading = true;
      } catch (err) {
        if (!(err instanceof FileReadError)) throw err;
        result.readError = { row: err.row, column: '', message: err.message, level: 'error' };
        await emit(result.readError);
      }
    };
    try {
      await readRows();
      Object.assign(result, await writer.finish());
    } catch (err) {
      await writer.abandon(err);
      throw err;
    }

    result.encoding = info.encoding;
    result.sheetName = info.sheetName;
    result.fileSha256 = finishedReading ? await tap.digest() : null;
    result.finishedAt = new Date();
    if (result.batchId) {
      const batchId = result.batchId;
      const recheck = result.rowsWithGuardianPhone > 0;
      await ctx.db.transaction(async (tx) => {
        await tx
          .update(registryBatches)
        .set({
          fileSha256: result.fileSha256 ?? '',
          rowsTotal: result.rowsRead,
          rowsValid: result.rowsValid,
          rowsRejected: result.rowsRejected,
          rowsInserted: result.inserted,
          rowsUpdated: result.updated,
          rowsUnchanged: result.unchanged,
          finishedAt: result.finishedAt,
        })
          .where(eq(registryBatches.id, batchId));
        // Rolling out guardian evidence: approvals made without it are checked against the new guardian phones.
        if (recheck) await writeOutbox(tx, 'guardian-recheck', { batchId });
      });
      result.guardianRecheckQueued = recheck;
    }
    const reportWriter = report.writer;
    report.writer = null;
    await reportWriter?.close();
    return result;
  } finally {
    await report.writer?.close().catch(() => undefined);
    if (!finishedReading) {
      source.unpipe(tap);
      tap.destroy();
      source.destroy();
    }
  }
}
