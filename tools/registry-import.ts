/**
 * `npm run registry:import -- <file.csv|file.xlsx> [--report <path>] [--dry-run] [--batch-size N] [--by <name>]`
 *
 * Imports a registry export (学籍库, CSV in UTF-8 or GBK, or XLSX) into
 * registry_records, streaming, in batches. Good rows are imported and bad rows
 * reported (row, column, reason), never dropped silently: a partial import with
 * a report is the expected outcome for a large file. The report is a CSV file
 * Excel opens: --report, or, when a problem is found without --report,
 * <file>.report.csv next to the file. The rules live in
 * server/services/registry-import/.
 *
 * Exit codes: 0 the import ran (also with rejected rows, listed in the report),
 * 1 the file could not be read (not CSV/XLSX, a required column missing, broken
 * off mid-way) or the import failed, 2 wrong arguments.
 */
// First: re-runs the process with a small young generation (peak RSS is part of this tool's contract).
import './small-young-generation';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { config, ConfigError } from '../config';
import { piiCipherFromConfig } from '../server/crypto/keys';
import { openDatabase } from '../server/db/client';
import { countApprovalsWithoutEvidence } from '../server/services/reviews/guardian-recheck';
import { formatTable } from '../server/services/import/report';
import {
  DEFAULT_BATCH_SIZE,
  LEVEL_LABELS,
  MAX_BATCH_SIZE,
  REPORT_HEADERS,
  RegistryFileError,
  importRegistryFile,
  type RegistryImportResult,
} from '../server/services/registry-import/import-registry';

const USAGE = `用法: npm run registry:import -- <学籍数据.csv|学籍数据.xlsx> [--report <问题清单.csv>] [--dry-run] [--batch-size N] [--by <导入人>]

  --report <path>   问题清单（CSV，UTF-8 BOM，可用 Excel 打开）；不指定时，如有问题则写到 <文件>.report.csv
  --dry-run         只检查并统计，不写入数据库
  --batch-size N    每个事务写入的行数（1–${MAX_BATCH_SIZE}，默认 ${DEFAULT_BATCH_SIZE}）
  --by <name>       记录在导入批次中的导入人（默认当前系统用户）`;

/** Problems shown in the terminal; all of them are in the report. */
const SHOWN_PROBLEMS = 20;

function osUser(): string | null {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? null;
  }
}

/** This process's CPU (user + system, every thread) since `since`: the import's own, without start-up; the bench divides it by the rows. */
function cpuSeconds(since: NodeJS.CpuUsage): string {
  const usage = process.cpuUsage(since);
  return ((usage.user + usage.system) / 1e6).toFixed(1);
}

function formatResult(result: RegistryImportResult, file: string, cpuSince: NodeJS.CpuUsage): string {
  const seconds = (result.finishedAt.getTime() - result.startedAt.getTime()) / 1000;
  const rate = seconds > 0 ? Math.round(result.rowsRead / seconds) : result.rowsRead;
  const peakMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const source =
    result.format === 'xlsx'
      ? `XLSX，工作表"${result.sheetName ?? ''}"`
      : `CSV，${result.encoding === 'gb18030' ? 'GBK/GB18030' : 'UTF-8'}`;
  return [
    `文件 ${path.basename(file)}（${source}），列名在第 ${result.headerRow} 行`,
    ...(result.ignoredColumns.length > 0 ? [`已忽略的列：${result.ignoredColumns.join('、')}`] : []),
    `${result.dryRun ? '试运行（未写入任何数据）' : '导入完成'}：`,
    `  rows read: ${result.rowsRead}`,
    `  imported:  ${result.rowsValid} (inserted ${result.inserted} / updated ${result.updated} / unchanged ${result.unchanged})`,
    `  rejected:  ${result.rowsRejected}`,
    `  guardian phones: ${result.rowsWithGuardianPhone} rows${result.guardianRecheckQueued ? ' (approvals without guardian evidence will be re-checked in the background)' : ''}`,
    `  warnings:  ${result.warnings}`,
    `  schools:   ${result.schoolsCreated} created, ${result.schoolsRenamed} renamed; classes: ${result.classesCreated} created`,
    `  duration:  ${seconds.toFixed(1)} s (${rate} rows/s)`,
    `  peak RSS:  ${peakMb} MB`,
    `  CPU time:  ${cpuSeconds(cpuSince)} s`,
    ...(result.batchId ? [`  batch:     ${result.batchId}`] : []),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const parse = (list: string[]) =>
    parseArgs({
      args: list,
      allowPositionals: true,
      options: {
        'dry-run': { type: 'boolean' },
        report: { type: 'string' },
        'batch-size': { type: 'string' },
        by: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  const [file, ...extra] = args.positionals;
  const batchSizeText = args.values['batch-size'];
  const batchSize = batchSizeText === undefined ? DEFAULT_BATCH_SIZE : Number(batchSizeText);
  if (!file || extra.length > 0 || !/^\d+$/.test(batchSizeText ?? '1') || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    console.error(USAGE);
    return 2;
  }
  try {
    if (!fs.statSync(file).isFile()) throw new Error('not a file');
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    console.error(`无法读取文件：${file}`);
    return 1;
  }

  const defaultReport = path.join(path.dirname(file), `${path.basename(file, path.extname(file))}.report.csv`);
  const reportPath = args.values.report ?? null;
  // Only what the import needs (database and PII keys): no queues, Redis or messaging clients. Three
  // connections: two the import writes on in turns (COPY of one chunk while the other merges), one for the
  // batch record.
  const settings = config();
  const database = await openDatabase({
    databaseUrl: settings.DATABASE_URL,
    pgliteDataDir: settings.PGLITE_DATA_DIR,
    poolMax: 3,
    applicationName: 'educard-registry-import',
  });
  const ctx = { db: database.db, pii: piiCipherFromConfig(settings) };
  try {
    const cpuSince = process.cpuUsage();
    const result = await importRegistryFile(ctx, fs.createReadStream(file), {
      fileName: file,
      dryRun: Boolean(args.values['dry-run']),
      batchSize,
      importedBy: args.values.by ?? osUser(),
      reportPath: reportPath ?? defaultReport,
      reportOnlyOnProblems: !reportPath,
      keepProblems: SHOWN_PROBLEMS,
    });
    console.log(formatResult(result, file, cpuSince));
    // The operators' figure of the rollout: cards approved without guardian evidence (issue 12).
    console.log(`无监护人手机号佐证的已认证学生（approvals without guardian evidence）：${await countApprovalsWithoutEvidence(ctx.db)}`);
    const written = reportPath ?? (result.problemCount > 0 ? defaultReport : null);
    if (result.problemCount > 0) {
      console.log(`\n发现 ${result.problemCount} 个问题（${result.rowsRejected} 行未导入，${result.warnings} 条提醒）：\n`);
      console.log(
        formatTable(
          REPORT_HEADERS,
          result.problems.map((p) => [String(p.row), p.column || '（文件）', p.message, LEVEL_LABELS[p.level]]),
        ),
      );
      if (result.problemCount > result.problems.length) console.log(`…… 另有 ${result.problemCount - result.problems.length} 个问题`);
    }
    if (written) console.log(`\n问题清单已写入 ${written}`);
    if (result.readError) {
      console.log(`\n文件在第 ${result.readError.row} 行无法继续读取：${result.readError.message}；此前的行已导入。`);
      return 1;
    }
    return 0;
  } catch (err) {
    if (!(err instanceof RegistryFileError)) throw err;
    console.error(`无法导入 ${path.basename(file)}，未导入任何数据：`);
    for (const p of err.problems) console.error(`  第 ${p.row} 行${p.column ? ` ${p.column}` : ''}：${p.message}`);
    return 1;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exitCode = 1;
  },
);
