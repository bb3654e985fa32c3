/**
 * `npm run order:refund -- <out_trade_no> [--reason <text>] [--by <operator>]`
 *
 * Refund a paid communication-card order in full through WeChat Pay
 * (server/services/payments/refunds.ts). Safe to run again: the refund number
 * is out_trade_no + 'R' + attempt, so a second run reuses the first refund
 * (and reports its state) instead of refunding twice. The refund's outcome
 * arrives as a REFUND.* notification or through the reconciler's query.
 *
 * Exit codes: 0 requested (or already requested / done), 1 refused or failed, 2 wrong arguments.
 */
import { parseArgs } from 'node:util';
import { config, ConfigError } from '../config';
import { AppError } from '../domain/errors';
import { closeContext, createContext, type AppContext } from '../server/context';
import { refundOrder } from '../server/services/payments/refunds';

const USAGE = `用法: npm run order:refund -- <商户订单号 out_trade_no> [--reason <退款原因>] [--by <操作员>]`;

const STATUS_TEXT: Record<string, string> = {
  requested: '已提交，等待微信支付受理',
  processing: '退款处理中',
  success: '退款成功',
  abnormal: '退款异常，请到商户平台处理',
  closed: '退款已关闭',
};

/** The command on an open context (tests call it twice); returns the exit code. */
export async function runRefundOrder(ctx: AppContext, argv: string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { reason: { type: 'string' }, by: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (e) {
    err(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    out(USAGE);
    return 0;
  }
  const [outTradeNo, ...extra] = args.positionals;
  if (!outTradeNo || extra.length > 0) {
    err(USAGE);
    return 2;
  }
  try {
    const result = await refundOrder(ctx, {
      outTradeNo,
      ...(args.values.reason ? { reason: args.values.reason } : {}),
      requestedBy: args.values.by ?? process.env.USER ?? 'operator',
    });
    const { refund } = result;
    out(
      `${result.created ? '已发起退款' : '该订单已有退款，未重复发起'}：退款单号 ${refund.outRefundNo}，金额 ${(refund.amountFen / 100).toFixed(2)} 元，` +
        `状态 ${STATUS_TEXT[refund.status] ?? refund.status}；订单状态 ${result.orderStatus}`,
    );
    return 0;
  } catch (e) {
    err(e instanceof AppError ? `${e.code}: ${e.message}` : `退款失败：${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

async function main(): Promise<number> {
  const ctx = await createContext(config());
  try {
    return await runRefundOrder(ctx, process.argv.slice(2));
  } finally {
    await closeContext(ctx);
  }
}

if (require.main === module) {
  main()
    .then((code) => process.exit(code))
    .catch((e: unknown) => {
      console.error(e instanceof ConfigError ? e.message : e);
      process.exit(1);
    });
}
