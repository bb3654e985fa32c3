/**
 * The schools and classes a registry file names: a school is upserted by code
 * (its name is the one of its first row in the file; renamed when the stored
 * one differs), a class is created per (school, grade, class name) when it does
 * not exist. Each is written once per import, with the chunk that first names
 * it, in that chunk's transaction.
 */
import type { ImportSession } from './import-session';

export interface StructureCounts {
  schoolsCreated: number;
  schoolsRenamed: number;
  classesCreated: number;
}

interface ClassKey {
  schoolCode: string;
  grade: string;
  name: string;
}

/** The schools and classes first named by one chunk. */
export class ChunkStructure {
  readonly schools = new Map<string, string>();
  readonly classes = new Map<string, ClassKey>();
}

export class RegistryStructure {
  /** School codes and class keys ('code/grade/name') already given to a chunk. */
  private readonly schoolsMet = new Set<string>();
  private readonly classesMet = new Set<string>();
  /** School code → id, filled as chunks are written (null in a dry run for a school that does not exist yet). */
  private readonly schoolIds = new Map<string, string | null>();

  /** Notes the school and class of a row; the chunk gets them when the import has not met them yet. */
  note(chunk: ChunkStructure, schoolCode: string, schoolName: string, grade: string, className: string): void {
    if (!this.schoolsMet.has(schoolCode)) {
      this.schoolsMet.add(schoolCode);
      chunk.schools.set(schoolCode, schoolName);
    }
    const key = `${schoolCode}/${grade}/${className}`;
    if (!this.classesMet.has(key)) {
      this.classesMet.add(key);
      chunk.classes.set(key, { schoolCode, grade, name: className });
    }
  }

  /** Writes the chunk's schools, then its classes (inside the chunk's transaction). */
  async write(session: ImportSession, chunk: ChunkStructure, counts: StructureCounts): Promise<void> {
    if (chunk.schools.size > 0) {
      const codes = [...chunk.schools.keys()];
      const written = await session.query<{ id: string; code: string; inserted: boolean }>(
        `insert into schools (code, name)
         select * from unnest($1::text[], $2::text[])
         on conflict (code) do update set name = excluded.name, updated_at = now()
           where schools.name is distinct from excluded.name
         returning id, code, (xmax = 0) as inserted`,
        [codes, [...chunk.schools.values()]],
      );
      for (const s of written) {
        this.schoolIds.set(s.code, s.id);
        if (s.inserted) counts.schoolsCreated += 1;
        else counts.schoolsRenamed += 1;
      }
      const rest = codes.filter((code) => !this.schoolIds.has(code));
      if (rest.length > 0) {
        const found = await session.query<{ id: string; code: string }>(`select id, code from schools where code = any($1::text[])`, [rest]);
        for (const s of found) this.schoolIds.set(s.code, s.id);
      }
    }
    if (chunk.classes.size > 0) {
      const list = [...chunk.classes.values()];
      const created = await session.query<{ id: string }>(
        `insert into classes (school_id, grade, name)
         select * from unnest($1::uuid[], $2::text[], $3::text[])
         on conflict (school_id, grade, name) do nothing
         returning id`,
        [list.map((c) => this.schoolIds.get(c.schoolCode)!), list.map((c) => c.grade), list.map((c) => c.name)],
      );
      counts.classesCreated += created.length;
    }
  }

  /** Dry run: counts which of the chunk's schools would be created or renamed, and which classes created. */
  async count(session: ImportSession, chunk: ChunkStructure, counts: StructureCounts): Promise<void> {
    if (chunk.schools.size > 0) {
      const codes = [...chunk.schools.keys()];
      const found = await session.query<{ id: string; code: string; name: string }>(
        `select id, code, name from schools where code = any($1::text[])`,
        [codes],
      );
      const byCode = new Map(found.map((s) => [s.code, s]));
      for (const [code, name] of chunk.schools) {
        const school = byCode.get(code);
        this.schoolIds.set(code, school?.id ?? null);
        if (!school) counts.schoolsCreated += 1;
        else if (school.name !== name) counts.schoolsRenamed += 1;
      }
    }
    if (chunk.classes.size === 0) return;
    const known = [...new Set([...chunk.classes.values()].map((c) => this.schoolIds.get(c.schoolCode)).filter((id): id is string => !!id))];
    const existing = new Set<string>();
    if (known.length > 0) {
      const found = await session.query<{ code: string; grade: string; name: string }>(
        `select s.code, c.grade, c.name from classes c join schools s on s.id = c.school_id where c.school_id = any($1::uuid[])`,
        [known],
      );
      for (const c of found) existing.add(`${c.code}/${c.grade}/${c.name}`);
    }
    for (const key of chunk.classes.keys()) if (!existing.has(key)) counts.classesCreated += 1;
  }
}
