/**
 * The audit log's hash chain: every entry carries the hash of the entry before
 * it, so changing, deleting or inserting an entry in the middle breaks every
 * hash after it, which `npm run audit:verify` (verifyAuditChain) reports.
 *
 * Why the chain is not built at insert time. Entries are written inside the
 * transactions of the actions they record (a sign-in, a decision), from many
 * processes at once. Chaining there would need one global lock held until each
 * of those transactions commits, serialising the whole API. Instead inserts
 * stay as they are, and ONE chain writer at a time (a transaction-level advisory
 * lock; every worker process runs the loop, whoever holds the lock works)
 * appends the committed, not yet chained entries in id order: chain_seq, the
 * previous hash and the entry's hash. An entry whose transaction committed
 * after a higher id was chained is simply chained later, with a later
 * chain_seq: the chain follows what was visible, so no entry is ever skipped.
 * The unprotected window is the few seconds before the writer's next pass.
 *
 * The hashed content is the entry's canonical text, rendered by PostgreSQL
 * (jsonb's own normal form for the detail, the time in UTC to the microsecond),
 * so the writer and the verifier agree byte for byte.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rowsOf, type Db, type DbOrTx } from '../../db/client';

export const GENESIS_HASH = '0'.repeat(64);
const CHAIN_LOCK = sql`hashtextextended('audit-log-chain', 0)`;

/**
 * What an entry's hash covers, as SQL over the table alias `a`, in two parts:
 * who did what to what and when (never changed), and the personal part (the
 * caller's IP and the detail), covered through its digest `personal_hash`. The
 * erasure of a family's data (services/accounts/account-erasure.ts) clears the
 * personal part of the family's entries and marks them (`personal_erased_at`):
 * the chain still proves the rest of each entry and every link, and a personal
 * part changed without that mark is still a hash mismatch.
 */
const STABLE = sql.raw(`json_build_array(a.id, to_char(a.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), a.actor_account_id, a.actor_role,
  a.action, a.subject_type, a.subject_id, a.request_id, a.success)::text`);
const PERSONAL = sql.raw(`json_build_array(a.ip, a.detail)::text`);

export function personalHash(personal: string): string {
  return createHash('sha256').update(personal).digest('hex');
}

export function entryHash(prevHash: string, stable: string, personalDigest: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(stable).update('\n').update(personalDigest).digest('hex');
}

/** The two hashed parts of one entry as the chain writer and the verifier read them (tests forge with it). */
export async function entryContent(db: DbOrTx, id: number): Promise<{ stable: string; personal: string }> {
  const [row] = rowsOf<{ stable: string; personal: string }>(await db.execute(sql`select ${STABLE} as stable, ${PERSONAL} as personal from audit_log a where a.id = ${id}`));
  if (!row) throw new Error(`no audit entry ${id}`);
  return row;
}

export interface ChainBatchResult {
  chained: number;
  /** Another writer held the lock: nothing done. */
  busy: boolean;
}

/** Chain up to `limit` unchained entries (one transaction). */
export async function chainAuditBatch(db: Db | DbOrTx, limit = 1000): Promise<ChainBatchResult> {
  return db.transaction(async (tx) => {
    const [lock] = rowsOf<{ locked: boolean }>(await tx.execute(sql`select pg_try_advisory_xact_lock(${CHAIN_LOCK}) as locked`));
    if (!lock?.locked) return { chained: 0, busy: true };
    const [last] = rowsOf<{ chain_seq: string | number; hash: string }>(
      await tx.execute(sql`select chain_seq, hash from audit_log where chain_seq is not null order by chain_seq desc limit 1`),
    );
    const rows = rowsOf<{ id: string | number; stable: string; personal: string }>(
      await tx.execute(sql`select a.id, ${STABLE} as stable, ${PERSONAL} as personal from audit_log a where a.chain_seq is null order by a.id limit ${limit}`),
    );
    if (rows.length === 0) return { chained: 0, busy: false };
    let seq = last ? Number(last.chain_seq) : 0;
    let prev = last?.hash ?? GENESIS_HASH;
    const ids: string[] = [];
    const seqs: number[] = [];
    const prevs: string[] = [];
    const hashes: string[] = [];
    const personals: string[] = [];
    for (const row of rows) {
      seq += 1;
      const personal = personalHash(row.personal);
      const hash = entryHash(prev, row.stable, personal);
      personals.push(personal);
      ids.push(String(row.id));
      seqs.push(seq);
      prevs.push(prev);
      hashes.push(hash);
      prev = hash;
    }
    await tx.execute(sql`
      update audit_log a set chain_seq = v.seq, prev_hash = v.prev, hash = v.hash, personal_hash = v.personal
        from unnest(${`{${ids.join(',')}}`}::bigint[], ${`{${seqs.join(',')}}`}::bigint[], ${`{${prevs.join(',')}}`}::text[], ${`{${hashes.join(',')}}`}::text[],
                    ${`{${personals.join(',')}}`}::text[])
             as v(id, seq, prev, hash, personal)
       where a.id = v.id and a.chain_seq is null`);
    return { chained: rows.length, busy: false };
  });
}

/** Chain everything visible now (tests, the verify command's --chain). */
export async function chainAuditLog(db: Db | DbOrTx): Promise<number> {
  let total = 0;
  for (;;) {
    const { chained, busy } = await chainAuditBatch(db);
    total += chained;
    if (busy) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    if (chained === 0) return total;
  }
}

export interface ChainProblem {
  chainSeq: number;
  id: number;
  problem: 'hash_mismatch' | 'prev_hash_mismatch' | 'gap';
}

export interface VerifyResult {
  ok: boolean;
  /** Entries checked (chained ones). */
  checked: number;
  /** Entries not chained yet (newer than the writer's last pass). */
  unchained: number;
  /** The first chain position present (older ones may have aged out under the retention). */
  firstSeq: number | null;
  lastSeq: number | null;
  problems: ChainProblem[];
}

/**
 * Walk the chain in chain_seq order, recompute every hash and compare the links.
 * The first entry present is trusted for its prev_hash (the retention deletes
 * the oldest entries whole); everything after it must link up with no gap.
 */
export async function verifyAuditChain(db: DbOrTx, options: { batch?: number; maxProblems?: number } = {}): Promise<VerifyResult> {
  const batch = options.batch ?? 5000;
  const maxProblems = options.maxProblems ?? 100;
  const problems: ChainProblem[] = [];
  let checked = 0;
  let firstSeq: number | null = null;
  let lastSeq: number | null = null;
  let prevHash: string | null = null;
  let after = 0;
  for (;;) {
    const rows = rowsOf<{
      id: string | number;
      chain_seq: string | number;
      prev_hash: string;
      hash: string;
      personal_hash: string;
      stable: string;
      personal: string;
      erased: boolean;
    }>(
      await db.execute(sql`
        select a.id, a.chain_seq, a.prev_hash, a.hash, a.personal_hash, ${STABLE} as stable, ${PERSONAL} as personal,
               (a.personal_erased_at is not null and a.ip is null and a.detail is null) as erased
          from audit_log a where a.chain_seq > ${after} order by a.chain_seq limit ${batch}`),
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      const seq = Number(row.chain_seq);
      const id = Number(row.id);
      if (firstSeq === null) firstSeq = seq;
      else if (seq !== lastSeq! + 1) problems.push({ chainSeq: seq, id, problem: 'gap' });
      if (prevHash !== null && row.prev_hash !== prevHash) problems.push({ chainSeq: seq, id, problem: 'prev_hash_mismatch' });
      // An erased personal part (cleared and marked by the erasure) is proven by its stored digest alone.
      const personalIntact = row.erased || personalHash(row.personal) === row.personal_hash;
      if (!personalIntact || entryHash(row.prev_hash, row.stable, row.personal_hash) !== row.hash) problems.push({ chainSeq: seq, id, problem: 'hash_mismatch' });
      prevHash = row.hash;
      lastSeq = seq;
      checked += 1;
      if (problems.length >= maxProblems) break;
    }
    if (problems.length >= maxProblems) break;
    after = lastSeq!;
  }
  const [pending] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from audit_log where chain_seq is null`));
  return { ok: problems.length === 0, checked, unchained: Number(pending?.n ?? 0), firstSeq, lastSeq, problems };
}
