/**
 * `npm run pii:reencrypt [-- --batch-size 500] [--dry-run]`
 *
 * Key rotation, step 2 (SECURITY.md): after a new key was added to
 * PII_ENCRYPTION_KEYS and made PII_CURRENT_KEY_ID (step 1: every process
 * restarted with the new ring; the old key stays listed, so old data stays
 * readable), this re-encrypts every `*_cipher` column of every table under the
 * current key, in batches (server/services/pii-rotation). It is idempotent and
 * resumable: run it again after an interruption, or to check (it then moves
 * nothing). When it reports 0 failed, step 3 removes the old key from the ring.
 *
 * Exit codes: 0 done (nothing failed), 1 some values did not decrypt or an
 * error stopped the run, 2 wrong arguments.
 */
import { config } from '../config';
import { openDatabase } from '../server/db/client';
import { piiCipherFromConfig } from '../server/crypto/keys';
import { reencryptPii } from '../server/services/pii-rotation/reencrypt';
import { runCli, UsageError } from './run-cli';

const USAGE = `usage: npm run pii:reencrypt -- [--batch-size N] [--dry-run]

  Re-encrypts every *_cipher column under PII_CURRENT_KEY_ID (old key ids must still be in PII_ENCRYPTION_KEYS).
  --batch-size  rows per transaction (default 500)
  --dry-run     count what would move, write nothing`;

runCli({
  usage: USAGE,
  options: { 'batch-size': { type: 'string' }, 'dry-run': { type: 'boolean' } },
  run: async (args) => {
    const batchSize = args.values['batch-size'] === undefined ? 500 : Number(args.values['batch-size']);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new UsageError('--batch-size must be an integer from 1 to 10000');
    const settings = config();
    const database = await openDatabase({ databaseUrl: settings.DATABASE_URL, pgliteDataDir: settings.PGLITE_DATA_DIR, poolMax: 2, applicationName: 'educard-pii-reencrypt' });
    try {
      const report = await reencryptPii(
        { db: database.db, pii: piiCipherFromConfig(settings), config: settings },
        {
          batchSize,
          dryRun: args.values['dry-run'] ?? false,
          onBatch: ({ table, column, moved }) => console.log(`  ${table}.${column}: +${moved}`),
        },
      );
      for (const c of report.columns) {
        const failed = c.failed.length > 0 ? `, ${c.failed.length} failed (primary keys: ${c.failed.slice(0, 20).join(', ')}${c.failed.length > 20 ? ', …' : ''})` : '';
        console.log(`${c.table}.${c.column}: ${c.found} under an old key, ${c.moved} moved, ${c.changed} changed meanwhile${failed}`);
      }
      console.log(`${args.values['dry-run'] ? 'dry run: ' : ''}${report.moved} value(s) now under key "${report.currentKeyId}", ${report.failed} failed.`);
      return report.failed > 0 ? 1 : 0;
    } finally {
      await database.close();
    }
  },
});
