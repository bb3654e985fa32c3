/**
 * Writing validated registry rows, one batch (default 1,000 rows) per
 * transaction:
 *
 * 1. one look-up of the batch's 学籍号 blind indexes: rows whose content hash
 *    equals the stored one are unchanged and cost nothing more (no encryption,
 *    no write, updated_at kept);
 * 2. the schools and classes the batch names that this import has not met
 *    yet: schools upserted by code (the name updated when it changed), classes
 *    created per (school, grade, class name);
 * 3. the other rows encrypted and upserted with one INSERT … SELECT FROM
 *    unnest(…) ON CONFLICT (student_number_index) DO UPDATE … WHERE the content
 *    hash differs, so a row changed concurrently since step 1 is still counted
 *    right; (xmax = 0) tells an insert from an update.
 *
 * A dry run does the look-ups only and counts what a real run would do.
 */
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { rowsOf, type DbOrTx } from '../../db/client';
import type { RegistryRow } from './registry-row';

/** PII contexts and blind-index kinds of registry rows (the matcher looks rows up by the same kinds). */
export const STUDENT_NUMBER_CONTEXT = 'registry_records.student_number';
export const RESIDENT_ID_CONTEXT = 'registry_records.resident_id';
export const STUDENT_NUMBER_INDEX_KIND = 'student_number';
export const RESIDENT_ID_INDEX_KIND = 'resident_id';
/** Blind-index kind of the content hash: keyed, because an unkeyed hash of an ID number could be brute-forced. */
export const CONTENT_HASH_KIND = 'registry_content';

/** Serialises the write of batches of concurrent imports (two files naming the same rows or schools). */
const BATCH_LOCK = sql`select pg_advisory_xact_lock(hashtext('educard.registry-import'))`;

export type RegistryWriterContext = Pick<AppContext, 'db' | 'pii'>;

/** A valid row with its blind indexes and content hash. */
export interface PreparedRow extends RegistryRow {
  studentNumberIndex: string;
  residentIdIndex: string;
  contentHash: string;
}

export interface WriteCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  schoolsCreated: number;
  schoolsRenamed: number;
  classesCreated: number;
}

export function emptyCounts(): WriteCounts {
  return { inserted: 0, updated: 0, unchanged: 0, schoolsCreated: 0, schoolsRenamed: 0, classesCreated: 0 };
}

export function addCounts(into: WriteCounts, more: WriteCounts): void {
  for (const key of Object.keys(into) as (keyof WriteCounts)[]) into[key] += more[key];
}

/** The row's indexes and content hash (HMACs under the blind-index key). */
export function prepareRow(pii: AppContext['pii'], row: RegistryRow, studentNumberIndex?: string): PreparedRow {
  const content = JSON.stringify([
    row.studentNumber,
    row.name,
    row.residentId,
    row.sex,
    row.birthDate,
    row.schoolCode,
    row.schoolName,
    row.grade,
    row.className,
    row.registryStatus,
  ]);
  return {
    ...row,
    studentNumberIndex: studentNumberIndex ?? pii.blindIndex(STUDENT_NUMBER_INDEX_KIND, row.studentNumber),
    residentIdIndex: pii.blindIndex(RESIDENT_ID_INDEX_KIND, row.residentId),
    contentHash: pii.blindIndex(CONTENT_HASH_KIND, content),
  };
}

const textArray = (values: readonly (string | null)[]) => sql`${sql.param(values)}::text[]`;

export class RegistryBatchWriter {
  /** Schools met by this import: code → id (null in a dry run for a school that does not exist yet). */
  private readonly schoolIds = new Map<string, string | null>();
  /** Classes met by this import, as 'schoolCode/grade/name'. */
  private readonly classesSeen = new Set<string>();

  constructor(
    private readonly ctx: RegistryWriterContext,
    private readonly options: { batchId: string | null; dryRun: boolean },
  ) {}

  /**
   * Writes one batch. `schoolNames` gives the name each school code has in the
   * file (its first occurrence), used when the school is created or renamed.
   */
  async write(rows: readonly PreparedRow[], schoolNames: ReadonlyMap<string, string>): Promise<WriteCounts> {
    const counts = emptyCounts();
    if (rows.length === 0) return counts;
    const stored = await this.storedHashes(rows.map((r) => r.studentNumberIndex));
    const changed = rows.filter((r) => stored.get(r.studentNumberIndex) !== r.contentHash);
    counts.unchanged = rows.length - changed.length;

    if (this.options.dryRun) {
      for (const row of changed) {
        if (stored.has(row.studentNumberIndex)) counts.updated += 1;
        else counts.inserted += 1;
      }
      await this.dryRunStructure(rows, schoolNames, counts);
      return counts;
    }

    await this.ctx.db.transaction(async (tx) => {
      await tx.execute(BATCH_LOCK);
      // A batch's commit does not wait for its WAL flush: the synchronous update of the batch record at the
      // end flushes all of them (WAL is sequential), and a batch lost to a crash before that is simply
      // imported again by the next run (the import is idempotent).
      await tx.execute(sql`set local synchronous_commit = off`);
      await this.ensureSchools(tx, rows, schoolNames, counts);
      await this.ensureClasses(tx, rows, counts);
      if (changed.length === 0) return;
      const written = await this.upsert(tx, changed);
      counts.inserted += written.inserted;
      counts.updated += written.updated;
      counts.unchanged += changed.length - written.inserted - written.updated;
    });
    return counts;
  }

  private async storedHashes(indexes: readonly string[]): Promise<Map<string, string | null>> {
    const result = await this.ctx.db.execute(sql`
      select student_number_index as "index", content_hash as "hash"
      from registry_records where student_number_index = any(${textArray(indexes)})`);
    return new Map(rowsOf<{ index: string; hash: string | null }>(result).map((r) => [r.index, r.hash]));
  }

  private newSchools(rows: readonly PreparedRow[], schoolNames: ReadonlyMap<string, string>) {
    const codes = [...new Set(rows.map((r) => r.schoolCode))].filter((code) => !this.schoolIds.has(code));
    return { codes, names: codes.map((code) => schoolNames.get(code) ?? rows.find((r) => r.schoolCode === code)!.schoolName) };
  }

  private newClasses(rows: readonly PreparedRow[]) {
    const fresh = new Map<string, { schoolCode: string; grade: string; name: string }>();
    for (const r of rows) {
      const key = `${r.schoolCode}/${r.grade}/${r.className}`;
      if (!this.classesSeen.has(key) && !fresh.has(key)) fresh.set(key, { schoolCode: r.schoolCode, grade: r.grade, name: r.className });
    }
    return fresh;
  }

  private async ensureSchools(
    tx: DbOrTx,
    rows: readonly PreparedRow[],
    schoolNames: ReadonlyMap<string, string>,
    counts: WriteCounts,
  ): Promise<void> {
    const { codes, names } = this.newSchools(rows, schoolNames);
    if (codes.length === 0) return;
    const written = rowsOf<{ id: string; code: string; inserted: boolean }>(
      await tx.execute(sql`
        insert into schools (code, name)
        select * from unnest(${textArray(codes)}, ${textArray(names)})
        on conflict (code) do update set name = excluded.name, updated_at = now()
          where schools.name is distinct from excluded.name
        returning id, code, (xmax = 0) as inserted`),
    );
    for (const s of written) {
      this.schoolIds.set(s.code, s.id);
      if (s.inserted) counts.schoolsCreated += 1;
      else counts.schoolsRenamed += 1;
    }
    const rest = codes.filter((code) => !this.schoolIds.has(code));
    if (rest.length > 0) {
      const found = rowsOf<{ id: string; code: string }>(
        await tx.execute(sql`select id, code from schools where code = any(${textArray(rest)})`),
      );
      for (const s of found) this.schoolIds.set(s.code, s.id);
    }
  }

  private async ensureClasses(
    tx: DbOrTx,
    rows: readonly PreparedRow[],
    counts: WriteCounts,
  ): Promise<void> {
    const fresh = this.newClasses(rows);
    if (fresh.size === 0) return;
    const list = [...fresh.values()];
    const created = rowsOf<{ id: string }>(
      await tx.execute(sql`
        insert into classes (school_id, grade, name)
        select * from unnest(${sql.param(list.map((c) => this.schoolIds.get(c.schoolCode)!))}::uuid[],
                             ${textArray(list.map((c) => c.grade))}, ${textArray(list.map((c) => c.name))})
        on conflict (school_id, grade, name) do nothing
        returning id`),
    );
    counts.classesCreated += created.length;
    for (const key of fresh.keys()) this.classesSeen.add(key);
  }

  private async upsert(
    tx: DbOrTx,
    rows: readonly PreparedRow[],
  ): Promise<{ inserted: number; updated: number }> {
    const { pii } = this.ctx;
    const column = <T extends string | null>(pick: (r: PreparedRow) => T) => textArray(rows.map(pick));
    const result = await tx.execute(sql`
      insert into registry_records (
        student_number_cipher, student_number_index, name, resident_id_cipher, resident_id_index,
        sex, birth_date, school_code, school_name, grade, class_name, registry_status, content_hash, batch_id)
      select n_cipher, n_index, name, id_cipher, id_index, sex, birth_date::date, school_code, school_name,
             grade, class_name, status, content_hash, ${this.options.batchId}::uuid
      from unnest(
        ${column((r) => pii.encrypt(r.studentNumber, STUDENT_NUMBER_CONTEXT))},
        ${column((r) => r.studentNumberIndex)},
        ${column((r) => r.name)},
        ${column((r) => pii.encrypt(r.residentId, RESIDENT_ID_CONTEXT))},
        ${column((r) => r.residentIdIndex)},
        ${column((r) => r.sex)},
        ${column((r) => r.birthDate)},
        ${column((r) => r.schoolCode)},
        ${column((r) => r.schoolName)},
        ${column((r) => r.grade)},
        ${column((r) => r.className)},
        ${column((r) => r.registryStatus)},
        ${column((r) => r.contentHash)}
      ) as v(n_cipher, n_index, name, id_cipher, id_index, sex, birth_date, school_code, school_name,
             grade, class_name, status, content_hash)
      on conflict (student_number_index) do update set
        student_number_cipher = excluded.student_number_cipher,
        name = excluded.name,
        resident_id_cipher = excluded.resident_id_cipher,
        resident_id_index = excluded.resident_id_index,
        sex = excluded.sex,
        birth_date = excluded.birth_date,
        school_code = excluded.school_code,
        school_name = excluded.school_name,
        grade = excluded.grade,
        class_name = excluded.class_name,
        registry_status = excluded.registry_status,
        content_hash = excluded.content_hash,
        batch_id = excluded.batch_id,
        updated_at = now()
      where registry_records.content_hash is distinct from excluded.content_hash
      returning (xmax = 0) as inserted`);
    const returned = rowsOf<{ inserted: boolean }>(result);
    const inserted = returned.filter((r) => r.inserted).length;
    return { inserted, updated: returned.length - inserted };
  }

  /** Dry run: which schools would be created or renamed, which classes created. */
  private async dryRunStructure(rows: readonly PreparedRow[], schoolNames: ReadonlyMap<string, string>, counts: WriteCounts): Promise<void> {
    const { codes, names } = this.newSchools(rows, schoolNames);
    if (codes.length > 0) {
      const found = rowsOf<{ id: string; code: string; name: string }>(
        await this.ctx.db.execute(sql`select id, code, name from schools where code = any(${textArray(codes)})`),
      );
      const byCode = new Map(found.map((s) => [s.code, s]));
      codes.forEach((code, i) => {
        const school = byCode.get(code);
        this.schoolIds.set(code, school?.id ?? null);
        if (!school) counts.schoolsCreated += 1;
        else if (school.name !== names[i]) counts.schoolsRenamed += 1;
      });
    }
    const fresh = this.newClasses(rows);
    if (fresh.size === 0) return;
    const known = [...new Set([...fresh.values()].map((c) => this.schoolIds.get(c.schoolCode)).filter((id): id is string => !!id))];
    const existing = new Set<string>();
    if (known.length > 0) {
      const found = rowsOf<{ code: string; grade: string; name: string }>(
        await this.ctx.db.execute(sql`
          select s.code, c.grade, c.name from classes c join schools s on s.id = c.school_id
          where c.school_id = any(${sql.param(known)}::uuid[])`),
      );
      for (const c of found) existing.add(`${c.code}/${c.grade}/${c.name}`);
    }
    for (const key of fresh.keys()) {
      if (!existing.has(key)) counts.classesCreated += 1;
      this.classesSeen.add(key);
    }
  }
}
