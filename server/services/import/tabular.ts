/**
 * What the readers of import files (CSV, XLSX) yield: one row at a time, with
 * the row number a spreadsheet shows (the first line is row 1, blank rows
 * count), so that a problem report points at the line the operator sees.
 */
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { Transform, type TransformCallback } from 'node:stream';

/** A cell as read: CSV gives strings; XLSX also numbers and dates (a date cell is UTC midnight of its day). */
export type CellValue = string | number | Date | null;

export interface SheetRow {
  /** 1-based, as the spreadsheet shows it. */
  rowNumber: number;
  cells: CellValue[];
}

/** The file cannot be read (any more): not a spreadsheet, broken CSV quoting, undecodable bytes … */
export class FileReadError extends Error {
  constructor(
    message: string,
    /** The row where reading stopped (1 when the file could not be opened at all). */
    readonly row: number,
  ) {
    super(message);
    this.name = 'FileReadError';
  }
}

export type TableFormat = 'csv' | 'xlsx';

/** The format from the first bytes: a ZIP container is XLSX, an OLE2 container is a legacy .xls, anything else CSV. */
export function detectTableFormat(head: Uint8Array): TableFormat | 'xls' {
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'xlsx';
  if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) return 'xls';
  return 'csv';
}

/**
 * A pass-through that hashes every byte going by. `digest()` first reads
 * whatever the consumer left unread (a ZIP reader stops before the central
 * directory; a reader that gave up stops anywhere), so the hash is always that
 * of the whole file.
 */
export class HashingStream extends Transform {
  private readonly hash: Hash;

  constructor(algorithm = 'sha256') {
    super({ highWaterMark: 64 * 1024 });
    this.hash = createHash(algorithm);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    callback(null, chunk);
  }

  /** Hex digest of the whole source. */
  async digest(): Promise<string> {
    if (!this.readableEnded) {
      this.unpipe();
      const ended = once(this, 'end');
      this.resume();
      await ended;
    }
    return this.hash.digest('hex');
  }
}
