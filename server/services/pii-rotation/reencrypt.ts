/**
 * Re-encryption of personal data under the current key (`npm run pii:reencrypt`,
 * tools/reencrypt-pii.ts): after a new key id becomes PII_CURRENT_KEY_ID (the
 * old one stays in PII_ENCRYPTION_KEYS, so everything stays readable), this
 * moves every ciphertext of every `*_cipher` column to the current key, so the
 * old key can later be removed from the ring.
 *
 * - In batches (one short transaction each), paged by primary key: a running
 *   service keeps working, and no lock is held for long.
 * - Compare-and-set: a row is updated only if its ciphertext is still the one
 *   that was read, so a concurrent write (a new phone number) is never
 *   overwritten with the re-encrypted old value; it is counted as `changed`.
 * - Idempotent and resumable: only values not under the current key are
 *   selected, so a second run moves nothing, and a run stopped half-way (or
 *   limited with maxBatches) is finished by the next one.
 * - A value that does not decrypt (a key id missing from the ring, tampered
 *   data) is left as it is and reported with its table, column and primary key
 *   (never its content); the run goes on.
 * - Blind indexes are HMACs under their own key and are not touched.
 */
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { rowsOf } from '../../db/client';
import { listCipherColumns, type CipherColumn } from './cipher-columns';

export interface ReencryptOptions {
  /** Rows read and re-encrypted per transaction (default 500). */
  batchSize?: number;
  /** Stop after this many batches in total (tests of resumption; an operator's canary run). */
  maxBatches?: number;
  /** Count what would move without writing. */
  dryRun?: boolean;
  onBatch?: (progress: { table: string; column: string; moved: number }) => void;
}

export interface ColumnReport {
  table: string;
  column: string;
  /** Values found under another key id. */
  found: number;
  moved: number;
  /** Changed by someone else between the read and the write (already re-written by them). */
  changed: number;
  /** Did not decrypt: primary keys, for an operator to look at. */
  failed: string[];
}

export interface ReencryptReport {
  currentKeyId: string;
  columns: ColumnReport[];
  moved: number;
  failed: number;
  /** False when maxBatches stopped the run before every column was done. */
  complete: boolean;
}

const ident = (name: string) => sql.raw(`"${name.replace(/"/g, '""')}"`);

export async function reencryptPii(ctx: Pick<AppContext, 'db' | 'pii' | 'config'>, options: ReencryptOptions = {}): Promise<ReencryptReport> {
  const batchSize = options.batchSize ?? 500;
  const currentKeyId = ctx.config.PII_CURRENT_KEY_ID;
  const prefix = `${currentKeyId}.%`;
  const columns = await listCipherColumns(ctx.db);
  const reports: ColumnReport[] = [];
  let batches = 0;
  let complete = true;

  for (const col of columns) {
    const report: ColumnReport = { table: col.table, column: col.column, found: 0, moved: 0, changed: 0, failed: [] };
    reports.push(report);
    let after: string | null = null;
    for (;;) {
      if (options.maxBatches !== undefined && batches >= options.maxBatches) {
        complete = false;
        break;
      }
      const rows = await readBatch(ctx, col, prefix, after, batchSize);
      if (rows.length === 0) break;
      batches += 1;
      after = rows[rows.length - 1]!.pk;
      const updates: { pk: string; old: string; next: string }[] = [];
      for (const row of rows) {
        report.found += 1;
        try {
          const plain = ctx.pii.decrypt(row.cipher, col.context);
          updates.push({ pk: row.pk, old: row.cipher, next: ctx.pii.encrypt(plain, col.context) });
        } catch {
          report.failed.push(row.pk);
        }
      }
      if (!options.dryRun && updates.length > 0) {
        const moved = await ctx.db.transaction(async (tx) => {
          let n = 0;
          for (const u of updates) {
            const result = await tx.execute(
              sql`update ${ident(col.table)} set ${ident(col.column)} = ${u.next} where ${ident(col.primaryKey)}::text = ${u.pk} and ${ident(col.column)} = ${u.old}`,
            );
            const changed = result as { rowCount?: number | null; affectedRows?: number };
            n += changed.rowCount ?? changed.affectedRows ?? 0;
          }
          return n;
        });
        report.moved += moved;
        report.changed += updates.length - moved;
        options.onBatch?.({ table: col.table, column: col.column, moved });
      }
      if (rows.length < batchSize) break;
    }
    if (!complete) break;
  }
  return {
    currentKeyId,
    columns: reports,
    moved: reports.reduce((n, r) => n + r.moved, 0),
    failed: reports.reduce((n, r) => n + r.failed.length, 0),
    complete,
  };
}

async function readBatch(ctx: Pick<AppContext, 'db'>, col: CipherColumn, prefix: string, after: string | null, limit: number) {
  const pk = ident(col.primaryKey);
  const result = await ctx.db.execute(sql`
    select ${pk}::text as pk, ${ident(col.column)} as cipher
      from ${ident(col.table)}
     where ${ident(col.column)} is not null
       and ${ident(col.column)} not like ${prefix}
       ${after === null ? sql`` : sql`and ${pk} > (select ${pk} from ${ident(col.table)} where ${pk}::text = ${after})`}
     order by ${pk}
     limit ${limit}`);
  return rowsOf<{ pk: unknown; cipher: unknown }>(result).map((r) => ({ pk: String(r.pk), cipher: String(r.cipher) }));
}
