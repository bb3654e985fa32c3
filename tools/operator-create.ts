/**
 * `npm run operator:create -- --phone <手机号> [--username <用户名>] [--name <姓名>]`
 *
 * Creates the card centre's FIRST operator account, once (refused when an
 * operator exists: later ones are created in the console). Prints the
 * generated password once; it must be changed at the first sign-in to the
 * console (/console), which also asks for an SMS code sent to --phone.
 *
 * Exit codes: 0 created, 1 refused or failed, 2 wrong arguments.
 */
import os from 'node:os';
import { config } from '../config';
import { closeContext, createContext } from '../server/context';
import { migrateDatabase } from '../server/db/migrate';
import { createFirstOperator, OperatorBootstrapError } from '../server/services/console/operator-bootstrap';
import { runCli, UsageError } from './run-cli';

const USAGE = `用法: npm run operator:create -- --phone <手机号> [--username <用户名>] [--name <姓名>]

  创建教育卡管理中心的首个账号（只能执行一次），并显示生成的初始密码。
  --phone     绑定手机号：登录管理后台时接收短信验证码
  --username  登录用户名，默认 operator
  --name      显示名称，默认 教育卡管理中心`;

runCli({
  usage: USAGE,
  options: { phone: { type: 'string' }, username: { type: 'string' }, name: { type: 'string' } },
  expected: [[OperatorBootstrapError, 1]],
  hardExit: true,
  run: async (args) => {
    if (!args.values.phone) throw new UsageError();
    const ctx = await createContext(config());
    try {
      await migrateDatabase(ctx.database);
      const created = await createFirstOperator(ctx, {
        username: args.values.username ?? 'operator',
        phone: args.values.phone,
        displayName: args.values.name,
        createdBy: `cli:${os.userInfo().username}`,
      });
      console.log(
        [
          '已创建教育卡管理中心账号：',
          `  用户名   ${created.username}`,
          `  初始密码 ${created.password}   （只显示这一次，请妥善保管）`,
          `  绑定手机 ${created.phoneMasked}（登录时接收短信验证码）`,
          '首次登录管理后台（/console）后须先修改密码。',
        ].join('\n'),
      );
      return 0;
    } finally {
      await closeContext(ctx);
    }
  },
});
