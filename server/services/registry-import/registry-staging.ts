/**
 * The staging table of the registry import and the set-based statements that
 * move a chunk of it into registry_records.
 *
 * The staging table is a temporary table (one per import session): rows reach
 * it by COPY, with their ciphertexts already made in Node (no plaintext resident
 * ID or 学籍号 is ever sent to the database), and it empties itself at every
 * commit (`on commit delete rows`), so one transaction = one chunk.
 */
import { copyLine } from './copy-text';

export const STAGING_TABLE = 'registry_import_staging';

const STAGING_COLUMNS = [
  'student_number_cipher',
  'student_number_index',
  'name',
  'resident_id_cipher',
  'resident_id_index',
  'sex',
  'birth_date',
  'school_code',
  'school_name',
  'grade',
  'class_name',
  'registry_status',
  'guardians_cipher',
  'guardian_phone_indexes',
  'content_hash',
] as const;

/** The staging table with its column list, as `COPY <target> FROM STDIN` takes it. */
export const STAGING_COPY_TARGET = `${STAGING_TABLE} (${STAGING_COLUMNS.join(', ')})`;

export const CREATE_STAGING_TABLE = `
  create temporary table if not exists ${STAGING_TABLE} (
    student_number_cipher text,
    student_number_index text not null,
    name text not null,
    resident_id_cipher text,
    resident_id_index text not null,
    sex text,
    birth_date date,
    school_code text not null,
    school_name text not null,
    grade text not null,
    class_name text not null,
    registry_status text not null,
    guardians_cipher text,
    guardian_phone_indexes text[] not null,
    content_hash text not null
  ) on commit delete rows`;

/** What a staged row carries; the ciphers are null in a dry run (nothing is stored, nothing encrypted). */
export interface StagedRow {
  studentNumberCipher: string | null;
  studentNumberIndex: string;
  name: string;
  residentIdCipher: string | null;
  residentIdIndex: string;
  sex: string;
  birthDate: string;
  schoolCode: string;
  schoolName: string;
  grade: string;
  className: string;
  registryStatus: string;
  guardiansCipher: string | null;
  /** Blind indexes (base64url: no character an array literal must quote). */
  guardianPhoneIndexes: readonly string[];
  contentHash: string;
}

/** One staged row as a line of COPY text (the order of STAGING_COLUMNS). */
export function stagingLine(r: StagedRow): string {
  return copyLine([
    r.studentNumberCipher,
    r.studentNumberIndex,
    r.name,
    r.residentIdCipher,
    r.residentIdIndex,
    r.sex,
    r.birthDate,
    r.schoolCode,
    r.schoolName,
    r.grade,
    r.className,
    r.registryStatus,
    r.guardiansCipher,
    `{${r.guardianPhoneIndexes.join(',')}}`,
    r.contentHash,
  ]);
}

/**
 * Makes the planner probe registry_records' unique index per staged row (a
 * nested loop) rather than hash the whole registry for every chunk: the staging
 * table has no statistics, and a chunk is small next to the registry.
 */
export const PREFER_INDEX_PROBES = [`set local enable_hashjoin = off`, `set local enable_mergejoin = off`];

/**
 * The merge of the staged chunk ($1 = the batch id): new 学籍号 inserted, rows
 * whose content hash differs updated (batch and updated_at with them), equal
 * rows left alone. Equal rows are filtered out before the insert, so they are
 * not even locked (ON CONFLICT … DO UPDATE locks the conflicting row even when
 * its WHERE is false); the WHERE clause still decides for a row changed by a
 * concurrent import in between. Rows go in 学籍号-index order: consecutive
 * inserts land on neighbouring pages of the unique index. (xmax = 0) tells an
 * insert from an update.
 */
export const MERGE_STAGED_ROWS = `
  with written as (
    insert into registry_records (
      student_number_cipher, student_number_index, name, resident_id_cipher, resident_id_index,
      sex, birth_date, school_code, school_name, grade, class_name, registry_status, guardians_cipher,
      guardian_phone_indexes, content_hash, batch_id)
    select s.student_number_cipher, s.student_number_index, s.name, s.resident_id_cipher, s.resident_id_index,
           s.sex, s.birth_date, s.school_code, s.school_name, s.grade, s.class_name, s.registry_status,
           s.guardians_cipher, s.guardian_phone_indexes, s.content_hash, $1::uuid
    from ${STAGING_TABLE} s
    where not exists (
      select 1 from registry_records r
      where r.student_number_index = s.student_number_index and r.content_hash = s.content_hash)
    order by s.student_number_index
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
      guardians_cipher = excluded.guardians_cipher,
      guardian_phone_indexes = excluded.guardian_phone_indexes,
      content_hash = excluded.content_hash,
      batch_id = excluded.batch_id,
      updated_at = now()
    where registry_records.content_hash is distinct from excluded.content_hash
    returning (xmax = 0) as inserted
  )
  select (count(*) filter (where inserted))::int as inserted, (count(*) filter (where not inserted))::int as updated
  from written`;

/** Dry run: what the merge would do with the staged chunk, without doing it. */
export const COUNT_STAGED_CHANGES = `
  select (count(*) filter (where r.id is null))::int as inserted,
         (count(*) filter (where r.id is not null and r.content_hash is distinct from s.content_hash))::int as updated
  from ${STAGING_TABLE} s
  left join registry_records r on r.student_number_index = s.student_number_index`;
