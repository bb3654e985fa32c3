/**
 * `npm run teachers:import -- <file.csv> [--dry-run] [--report <path>]`
 *
 * Imports a school's teachers (教师名单, CSV in UTF-8 or GBK) in one transaction:
 * a file with any problem imports nothing and lists every problem (row, column,
 * reason); --report also writes that list as a CSV file Excel opens.
 * The rules live in server/services/teacher-import/.
 *
 * Exit codes: 0 imported (or, with --dry-run, would import), 1 the file has
 * problems or the import failed, 2 wrong arguments.
 */
import fs from 'node:fs';
import path from 'node:path';
import { config } from '../config';
import { closeContext, createContext } from '../server/context';
import { importTeachersFile } from '../server/services/teacher-import/import-teachers';
import { errorReportCsv, formatErrorTable, formatSummary } from '../server/services/teacher-import/report';
import { runCli, UsageError } from './run-cli';

const USAGE = `用法: npm run teachers:import -- <教师名单.csv> [--dry-run] [--report <问题清单.csv>]

  --dry-run         只检查并统计，不写入数据库
  --report <path>   把问题清单另存为 CSV（UTF-8 BOM，可用 Excel 打开）`;

runCli({
  usage: USAGE,
  options: { 'dry-run': { type: 'boolean' }, report: { type: 'string' } },
  allowPositionals: true,
  run: async (args) => {
    const [file, ...extra] = args.positionals;
    if (!file || extra.length > 0) throw new UsageError();
    try {
      if (!fs.statSync(file).isFile()) throw new Error('not a file');
    } catch {
      console.error(`无法读取文件：${file}`);
      return 1;
    }

    const dryRun = Boolean(args.values['dry-run']);
    const ctx = await createContext(config());
    try {
      const { parsed, outcome } = await importTeachersFile(ctx, fs.createReadStream(file), { dryRun, source: file });
      const encoding = parsed.encoding === 'gb18030' ? 'GBK/GB18030' : 'UTF-8';
      console.log(`文件 ${path.basename(file)}（${encoding}），教师 ${parsed.dataRows} 行`);
      if (parsed.ignoredColumns.length > 0) console.log(`已忽略的列：${parsed.ignoredColumns.join('、')}`);
      if (args.values.report) fs.writeFileSync(args.values.report, errorReportCsv(outcome.ok ? [] : outcome.errors));

      if (!outcome.ok) {
        console.log(`发现 ${outcome.errors.length} 个问题，未导入任何数据：\n`);
        console.log(formatErrorTable(outcome.errors));
        if (args.values.report) console.log(`\n问题清单已写入 ${args.values.report}`);
        return 1;
      }
      console.log(`${outcome.dryRun ? '试运行（未写入任何数据）' : '导入完成'}：${formatSummary(outcome.summary)}`);
      return 0;
    } finally {
      await closeContext(ctx);
    }
  },
});
