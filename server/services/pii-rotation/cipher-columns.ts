/**
 * Where personal data rests encrypted: every `*_cipher` column of every table
 * (DESIGN.md §5; server/db/schema.ts). The encryption context (the additional
 * authenticated data of server/crypto/pii.ts) of a column is
 * `<table>.<column without _cipher>`, e.g. accounts.phone_cipher →
 * "accounts.phone", profile_versions.pii_cipher → "profile_versions.pii".
 *
 * The columns are read from the database catalogue, not from a list kept by
 * hand, so a new encrypted column is re-encrypted (and scanned) without
 * anyone remembering to add it here.
 */
import { sql } from 'drizzle-orm';
import { rowsOf, type DbOrTx } from '../../db/client';

export interface CipherColumn {
  table: string;
  column: string;
  /** AES-GCM additional authenticated data of the column's values. */
  context: string;
  /** The table's primary-key column (the re-encryption pages by it). */
  primaryKey: string;
}

export function contextOf(table: string, column: string): string {
  return `${table}.${column.replace(/_cipher$/, '')}`;
}

export async function listCipherColumns(db: DbOrTx): Promise<CipherColumn[]> {
  const result = await db.execute(sql`
    select c.table_name as "table", c.column_name as "column",
           (select string_agg(a.attname, ',' order by a.attnum)
              from pg_index i
              join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
             where i.indrelid = format('%I.%I', c.table_schema, c.table_name)::regclass and i.indisprimary) as "primaryKey"
      from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
     where c.table_schema = current_schema() and c.column_name like '%\\_cipher'
     order by c.table_name, c.column_name`);
  return rowsOf<{ table: unknown; column: unknown; primaryKey: unknown }>(result).map((row) => {
    const table = String(row.table);
    const column = String(row.column);
    const primaryKey = row.primaryKey == null ? '' : String(row.primaryKey);
    if (!primaryKey || primaryKey.includes(',')) throw new Error(`${table}.${column}: the re-encryption needs a single-column primary key (found "${primaryKey}")`);
    return { table, column, context: contextOf(table, column), primaryKey };
  });
}
