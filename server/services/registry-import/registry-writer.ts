/**
 * Writing validated registry rows, one chunk (default 50,000 rows) per
 * transaction, on sessions of the import's own (import-session.ts):
 *
 * 1. the chunk's rows are encrypted in Node and streamed with COPY into the
 *    session's temporary staging table while the file is still being read;
 * 2. the schools and classes the chunk names that this import has not met
 *    yet: schools upserted by code (the name updated when it changed), classes
 *    created per (school, grade, class name);
 * 3. one INSERT … SELECT … ON CONFLICT (student_number_index) DO UPDATE … WHERE
 *    the content hash differs moves the chunk into registry_records: new rows
 *    inserted, changed rows updated, equal rows untouched (updated_at kept);
 *    it returns how many it inserted and updated, the rest are unchanged
 *    (registry-staging.ts).
 *
 * Rows whose 学籍号 and content hash are already stored are neither encrypted
 * nor staged: before a group of rows is staged, one indexed probe asks which of
 * them are unchanged (on the caller's own connection, while the next group is
 * read), so re-importing an unchanged file costs the reading, the validation
 * and the HMACs, not the AES-GCM encryptions and the COPY. They still count
 * in their chunk (as unchanged) and still name their schools and classes.
 *
 * Two sessions take turns: while one merges its chunk (PostgreSQL's work),
 * the reader parses, validates, hashes and encrypts the next chunk and COPYs it
 * into the other. Merges run one after the other in file order, each under the
 * import's advisory lock, so two imports at once never interleave their writes.
 *
 * A dry run stages the rows too (without ciphers: nothing is encrypted) and
 * counts what a real run would do; it writes nothing that outlives the
 * transaction.
 */
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { rowsOf } from '../../db/client';
import { openImportSessions, type CopySink, type ImportSession } from './import-session';
import type { RegistryRow } from './registry-row';
import {
  COUNT_STAGED_CHANGES,
  CREATE_STAGING_TABLE,
  MERGE_STAGED_ROWS,
  PREFER_INDEX_PROBES,
  STAGING_COPY_TARGET,
  stagingLine,
} from './registry-staging';
import { ChunkStructure, RegistryStructure } from './registry-structure';

/** PII contexts and blind-index kinds of registry rows (the matcher looks rows up by the same kinds). */
export const STUDENT_NUMBER_CONTEXT = 'registry_records.student_number';
export const RESIDENT_ID_CONTEXT = 'registry_records.resident_id';
export const STUDENT_NUMBER_INDEX_KIND = 'student_number';
export const RESIDENT_ID_INDEX_KIND = 'resident_id';
/** The guardians of a row (JSON `[{ name, phone }]`), encrypted as one document. */
export const GUARDIANS_CONTEXT = 'registry_records.guardians';
/** Blind-index kind of guardian phones: the kind of accounts.phone_index, so the match compares the two directly. */
export const PHONE_INDEX_KIND = 'phone';
/** Blind-index kind of the content hash: keyed, because an unkeyed hash of an ID number could be brute-forced. */
export const CONTENT_HASH_KIND = 'registry_content';

/** Serialises the writes of concurrent imports (two files naming the same rows or schools). */
const IMPORT_LOCK = `select pg_advisory_xact_lock(hashtext('educard.registry-import'))`;

/** Session pairs take turns (see the module comment); more would only queue behind the merge. */
const SESSIONS = 2;
/** COPY text is handed to the connection in pieces of about this many characters. */
const COPY_PIECE = 64 * 1024;
/** Rows per "which of these are unchanged" probe: large enough to amortise the round trip, small next to a chunk. */
const PROBE_ROWS = 2_000;

export type RegistryWriterContext = Pick<AppContext, 'db' | 'pii'>;

/** A valid row with its blind indexes and content hash. */
export interface PreparedRow extends RegistryRow {
  studentNumberIndex: string;
  residentIdIndex: string;
  /** Blind indexes of the guardians' phones (PHONE_INDEX_KIND), in column order, without repeats. */
  guardianPhoneIndexes: string[];
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
    // the guardians are part of the content: a re-import that only adds or changes a guardian phone updates the row
    row.guardians.map((g) => [g.name, g.phone]),
  ]);
  const phones = [...new Set(row.guardians.flatMap((g) => (g.phone ? [g.phone] : [])))];
  return {
    ...row,
    guardianPhoneIndexes: phones.map((phone) => pii.blindIndex(PHONE_INDEX_KIND, phone)),
    studentNumberIndex: studentNumberIndex ?? pii.blindIndex(STUDENT_NUMBER_INDEX_KIND, row.studentNumber),
    residentIdIndex: pii.blindIndex(RESIDENT_ID_INDEX_KIND, row.residentId),
    contentHash: pii.blindIndex(CONTENT_HASH_KIND, content),
  };
}

export interface RegistryWriterOptions {
  batchId: string | null;
  dryRun: boolean;
  /** Rows per transaction. */
  chunkSize: number;
}

/** One session with its staging table, and the chunk it holds. */
class StagingLane {
  /** Settles when the lane's last chunk is merged (or failed). */
  idle: Promise<void> = Promise.resolve();
  copy: CopySink | null = null;
  inTransaction = false;
  /** Rows of the file in this chunk, staged or found unchanged. */
  rows = 0;
  structure = new ChunkStructure();

  constructor(readonly session: ImportSession) {}

  /** Opens the chunk's transaction and its COPY; a slow reader must not trip the statement timeout. */
  async begin(): Promise<void> {
    await this.session.query('begin');
    this.inTransaction = true;
    await this.session.query('set local statement_timeout = 0');
    this.copy = this.session.copyFrom(STAGING_COPY_TARGET);
    this.rows = 0;
    this.structure = new ChunkStructure();
  }
}

export class RegistryWriter {
  private readonly counts = emptyCounts();
  private readonly structure = new RegistryStructure();
  private readonly lanes: StagingLane[];
  private next = 0;
  private current: StagingLane | null = null;
  private pending = '';
  private lastMerge: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  /** Rows read since the last probe was started. */
  private gathering: PreparedRow[] = [];
  /** The group whose probe is running: staged when the next group is full (or at the end). */
  private probing: { rows: PreparedRow[]; unchanged: Promise<Set<string>> } | null = null;

  private constructor(
    private readonly ctx: RegistryWriterContext,
    private readonly options: RegistryWriterOptions,
    sessions: ImportSession[],
  ) {
    this.lanes = sessions.map((s) => new StagingLane(s));
  }

  /** Opens the import's sessions and their staging tables. */
  static async open(ctx: RegistryWriterContext, options: RegistryWriterOptions): Promise<RegistryWriter> {
    const sessions = await openImportSessions(ctx.db, SESSIONS);
    try {
      for (const session of sessions) await session.query(CREATE_STAGING_TABLE);
    } catch (err) {
      for (const session of sessions) session.release(true);
      throw err;
    }
    return new RegistryWriter(ctx, options, sessions);
  }

  /**
   * Adds a row. Returns a promise only when the caller must wait (a group's
   * probe, a chunk being started, the connection's buffer full); it rejects
   * when an earlier chunk failed.
   */
  add(row: PreparedRow): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    this.gathering.push(row);
    if (this.gathering.length >= PROBE_ROWS) return this.nextProbe();
    return undefined;
  }

  /** Starts the probe of the rows gathered, then stages the group probed before (one probe runs while rows are read). */
  private async nextProbe(): Promise<void> {
    const previous = this.probing;
    const rows = this.gathering;
    this.gathering = [];
    if (rows.length > 0) {
      const unchanged = this.unchangedOf(rows);
      unchanged.catch(() => undefined); // awaited below or at the next call; never an unhandled rejection
      this.probing = { rows, unchanged };
    } else {
      this.probing = null;
    }
    if (previous) await this.stageGroup(previous.rows, await previous.unchanged);
  }

  /** The 学籍号 indexes of the rows stored with the same content hash. */
  private async unchangedOf(rows: readonly PreparedRow[]): Promise<Set<string>> {
    const result = await this.ctx.db.execute(sql`
      select s.i from unnest(${sql.param(rows.map((r) => r.studentNumberIndex))}::text[], ${sql.param(rows.map((r) => r.contentHash))}::text[]) as s(i, h)
      join registry_records r on r.student_number_index = s.i and r.content_hash = s.h`);
    return new Set(rowsOf<{ i: string }>(result).map((r) => r.i));
  }

  private async stageGroup(rows: readonly PreparedRow[], unchanged: ReadonlySet<string>): Promise<void> {
    for (const row of rows) {
      const wait = this.stage(row, !unchanged.has(row.studentNumberIndex));
      if (wait) await wait;
    }
  }

  /** Puts a row into the current chunk: counted and its school and class noted; staged (encrypted, COPYed) when it changed. */
  private stage(row: PreparedRow, changed: boolean): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.current) return this.startChunk().then(() => this.stage(row, changed));
    const lane = this.current;
    this.structure.note(lane.structure, row.schoolCode, row.schoolName, row.grade, row.className);
    lane.rows += 1;
    if (changed) this.pending += this.stagingText(row);
    if (lane.rows >= this.options.chunkSize) return this.sealChunk();
    if (this.pending.length >= COPY_PIECE) return this.flushPending();
    return undefined;
  }

  private stagingText(row: PreparedRow): string {
    const { pii } = this.ctx;
    const encrypt = !this.options.dryRun;
    return stagingLine({
      studentNumberCipher: encrypt ? pii.encrypt(row.studentNumber, STUDENT_NUMBER_CONTEXT) : null,
      studentNumberIndex: row.studentNumberIndex,
      name: row.name,
      residentIdCipher: encrypt ? pii.encrypt(row.residentId, RESIDENT_ID_CONTEXT) : null,
      residentIdIndex: row.residentIdIndex,
      sex: row.sex,
      birthDate: row.birthDate,
      schoolCode: row.schoolCode,
      schoolName: row.schoolName,
      grade: row.grade,
      className: row.className,
      registryStatus: row.registryStatus,
      guardiansCipher: encrypt && row.guardians.length > 0 ? pii.encrypt(JSON.stringify(row.guardians), GUARDIANS_CONTEXT) : null,
      guardianPhoneIndexes: row.guardianPhoneIndexes,
      contentHash: row.contentHash,
    });
  }

  /** Stages what is still gathered or being probed, merges the last chunk, waits for every merge and gives the sessions back. */
  async finish(): Promise<WriteCounts> {
    if (this.failure) throw this.failure;
    await this.nextProbe(); // probes what is gathered, stages the group probed before
    await this.nextProbe(); // stages the last group
    if (this.current) await this.sealChunk();
    await this.lastMerge;
    if (this.failure) throw this.failure;
    for (const lane of this.lanes) lane.session.release(false);
    return { ...this.counts };
  }

  /** After a failure anywhere: open transactions rolled back, sessions discarded. Never throws. */
  async abandon(reason: unknown): Promise<void> {
    this.failure ??= reason;
    const error = reason instanceof Error ? reason : new Error(String(reason));
    for (const lane of this.lanes) {
      await lane.copy?.abort(error).catch(() => undefined);
      await lane.idle.catch(() => undefined);
      if (lane.inTransaction) await lane.session.query('rollback').catch(() => undefined);
      lane.session.release(true);
    }
  }

  private async startChunk(): Promise<void> {
    const lane = this.lanes[this.next]!;
    this.next = (this.next + 1) % this.lanes.length;
    await lane.idle;
    if (this.failure) throw this.failure;
    await lane.begin();
    this.current = lane;
  }

  private async flushPending(): Promise<void> {
    const text = this.pending;
    this.pending = '';
    await this.current!.copy!.write(text);
  }

  /**
   * Queues the current chunk's merge after the merges before it. Its COPY is
   * ended only then: until its turn the session is still copying rather than
   * idle in a transaction.
   */
  private async sealChunk(): Promise<void> {
    const lane = this.current!;
    await this.flushPending();
    this.current = null;
    const previous = this.lastMerge;
    const merged = (async () => {
      await previous;
      if (this.failure) throw this.failure;
      await lane.copy!.end();
      lane.copy = null;
      await this.mergeChunk(lane);
    })();
    // the failure is kept for add() and finish(); the chain itself must not reject unhandled
    const settled = merged.catch((err: unknown) => {
      this.failure ??= err;
    });
    lane.idle = settled;
    this.lastMerge = settled;
  }

  private async mergeChunk(lane: StagingLane): Promise<void> {
    const { session } = lane;
    await session.query('set local statement_timeout to default');
    if (this.options.dryRun) {
      await this.structure.count(session, lane.structure, this.counts);
      const [changes] = await session.query<{ inserted: number; updated: number }>(COUNT_STAGED_CHANGES);
      this.addRowCounts(lane.rows, changes!);
    } else {
      await session.query(IMPORT_LOCK);
      // A chunk's commit does not wait for its WAL flush: the synchronous update of the batch record at the
      // end flushes all of them (WAL is sequential), and a chunk lost to a crash before that is simply
      // imported again by the next run (the import is idempotent).
      await session.query('set local synchronous_commit = off');
      for (const statement of PREFER_INDEX_PROBES) await session.query(statement);
      await this.structure.write(session, lane.structure, this.counts);
      const [written] = await session.query<{ inserted: number; updated: number }>(MERGE_STAGED_ROWS, [this.options.batchId]);
      this.addRowCounts(lane.rows, written!);
    }
    await session.query('commit');
    lane.inTransaction = false;
  }

  private addRowCounts(rows: number, changes: { inserted: number; updated: number }): void {
    this.counts.inserted += changes.inserted;
    this.counts.updated += changes.updated;
    this.counts.unchanged += rows - changes.inserted - changes.updated;
  }
}
