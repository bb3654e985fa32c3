/**
 * `npm run semester:open -- <学期名称> --deadline <YYYY-MM-DD>`
 *
 * Opens a semester: records it and queues the reset that asks every family of
 * an approved student to reconfirm the school information by the deadline
 * (server/services/semesters). The workers (`npm run worker` or `npm start`)
 * run the reset. Opening a name that exists changes nothing and says so.
 *
 * Exit codes: 0 opened (or already open), 1 failed, 2 wrong arguments.
 */
import os from 'node:os';
import { config } from '../config';
import { closeContext, createContext } from '../server/context';
import { deadlineDate, openSemester, SemesterInputError } from '../server/services/semesters/semesters';
import { runCli, UsageError } from './run-cli';

const USAGE = `用法: npm run semester:open -- <学期名称> --deadline <YYYY-MM-DD>

  例如: npm run semester:open -- 2026-2027学年第二学期 --deadline 2027-03-15
  --deadline  家长重新确认学籍信息的截止日期（北京时间当天 24 点前）`;

function formatChinaTime(date: Date): string {
  return new Date(date.getTime() + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 16);
}

runCli({
  usage: USAGE,
  options: { deadline: { type: 'string' } },
  allowPositionals: true,
  expected: [[SemesterInputError, 2]],
  run: async (args) => {
    const name = args.positionals.join(' ').trim();
    if (!name || !args.values.deadline) throw new UsageError();

    const ctx = await createContext(config());
    try {
      const result = await openSemester(ctx, {
        name,
        deadline: args.values.deadline,
        openedBy: `cli:${os.userInfo().username}`,
      });
      const s = result.semester;
      if (!result.created) {
        const state = s.resetCompletedAt ? `已于 ${formatChinaTime(s.resetCompletedAt)} 完成重置` : '重置进行中（由后台任务执行）';
        console.log(
          `学期"${s.name}"已于 ${formatChinaTime(s.openedAt)} 开启（截止 ${deadlineDate(s.reconfirmDeadline)}），${state}；本次未做任何改动。`,
        );
        return 0;
      }
      console.log(`已开启学期"${s.name}"，家长重新确认截止 ${deadlineDate(s.reconfirmDeadline)}。`);
      console.log(`已排队重置任务（outbox #${result.outboxId}）：运行中的后台任务会把已认证学生改为"待重新确认"并通知家长。`);
      return 0;
    } finally {
      await closeContext(ctx);
    }
  },
});
