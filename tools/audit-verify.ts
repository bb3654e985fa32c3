/**
 * `npm run audit:verify [-- --chain]`
 *
 * Verifies the audit log's hash chain (server/services/audit/audit-chain.ts):
 * recomputes every chained entry's hash and checks each links to the one
 * before it. Prints the head of the chain (its position and hash): recording
 * it elsewhere (a ticket, the operations log) anchors the chain, so a rewrite
 * of the newest entries is caught too. `--chain` first chains the entries the
 * workers have not chained yet.
 *
 * Exit codes: 0 the chain is intact, 1 tampering found or failure, 2 wrong arguments.
 */
import { parseArgs } from 'node:util';
import { config, ConfigError } from '../config';
import { closeContext, createContext } from '../server/context';
import { chainAuditLog, verifyAuditChain } from '../server/services/audit/audit-chain';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../server/db/client';

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({ args: argv, options: { chain: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 2;
  }
  if (args.values.help) {
    console.log('用法: npm run audit:verify [-- --chain]\n  校验审计日志的哈希链；--chain 先把尚未入链的记录入链。');
    return 0;
  }
  const ctx = await createContext(config());
  try {
    if (args.values.chain) console.log(`入链 ${await chainAuditLog(ctx.db)} 条新记录`);
    const result = await verifyAuditChain(ctx.db);
    const [head] = rowsOf<{ hash: string }>(await ctx.db.execute(sql`select hash from audit_log where chain_seq = ${result.lastSeq ?? -1}`));
    console.log(`已校验 ${result.checked} 条（链位置 ${result.firstSeq ?? '-'} … ${result.lastSeq ?? '-'}），尚未入链 ${result.unchained} 条`);
    if (head) console.log(`链头哈希 ${head.hash}`);
    if (result.ok) {
      console.log('审计日志完整：未发现篡改。');
      return 0;
    }
    console.error(`发现 ${result.problems.length} 处不一致（审计日志可能被篡改）：`);
    for (const p of result.problems) console.error(`  链位置 ${p.chainSeq}  记录 id ${p.id}  ${p.problem}`);
    return 1;
  } finally {
    await closeContext(ctx);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  },
);
