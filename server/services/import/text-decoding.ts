/**
 * Decoding a CSV byte stream whose encoding nobody states: a file is UTF-8
 * (with or without BOM) when its first line holding a non-ASCII byte is valid
 * UTF-8, otherwise GB18030 (a superset of GBK and GB2312, what Excel writes for
 * "CSV (逗号分隔)" on Chinese Windows). Only that much is held back before the
 * bytes stream on; a file that turns out not to decode later is an
 * EncodingError, never silently mangled text.
 */
import iconv from 'iconv-lite';

export type FileEncoding = 'utf-8' | 'gb18030';

/** The encoding is decided on at most this many bytes. */
const SNIFF_LIMIT = 64 * 1024;

export const ENCODING_MESSAGE = '文件编码无法识别，请在 Excel 中另存为"CSV UTF-8（逗号分隔）"后重新导入';

/** The bytes are neither UTF-8 nor GB18030 (or break off mid-file); the message is for the operator. */
export class EncodingError extends Error {
  constructor(message = ENCODING_MESSAGE) {
    super(message);
    this.name = 'EncodingError';
  }
}

interface ChunkDecoder {
  write(chunk: Buffer): string;
  end(): string;
}

function utf8Decoder(): ChunkDecoder {
  // fatal: a file that starts as UTF-8 and breaks later is reported, never silently mangled
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const run = (fn: () => string) => {
    try {
      return fn();
    } catch {
      throw new EncodingError(ENCODING_MESSAGE);
    }
  };
  return {
    write: (chunk) => run(() => decoder.decode(chunk, { stream: true })),
    end: () => run(() => decoder.decode()),
  };
}

function gb18030Decoder(): ChunkDecoder {
  const decoder = iconv.getDecoder('gb18030');
  const check = (text: string) => {
    if (text.includes('\uFFFD')) throw new EncodingError(ENCODING_MESSAGE);
    return text;
  };
  return { write: (chunk) => check(decoder.write(chunk)), end: () => check(decoder.end() ?? '') };
}

function isValidUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * The length of the prefix to decide on: through the end of the first line that
 * holds a non-ASCII byte (newline bytes never occur inside a UTF-8 or GB18030
 * character), or null when there is no such complete line yet.
 */
function decisivePrefix(bytes: Buffer): number | null {
  const firstHigh = bytes.findIndex((b) => b >= 0x80);
  if (firstHigh < 0) return null;
  const newline = bytes.indexOf(0x0a, firstHigh);
  return newline < 0 ? null : newline + 1;
}

function chooseDecoder(sample: Buffer, sampleIsComplete: boolean): { encoding: FileEncoding; decoder: ChunkDecoder } {
  const prefix = decisivePrefix(sample) ?? sample.length;
  let probe = sample.subarray(0, prefix);
  if (!sampleIsComplete && prefix === sample.length) {
    // cut at the sniff limit: do not let a character split at the cut decide
    const lastNewline = probe.lastIndexOf(0x0a);
    if (lastNewline > 0) probe = probe.subarray(0, lastNewline + 1);
  }
  return isValidUtf8(probe)
    ? { encoding: 'utf-8', decoder: utf8Decoder() }
    : { encoding: 'gb18030', decoder: gb18030Decoder() };
}

/** Decodes a byte stream to text, deciding the encoding on as little as possible. */
export async function* decodeText(
  source: AsyncIterable<Uint8Array | string>,
  found: (encoding: FileEncoding) => void,
): AsyncGenerator<string> {
  let decoder: ChunkDecoder | null = null;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (decoder) {
      yield decoder.write(bytes);
      continue;
    }
    pending.push(bytes);
    pendingBytes += bytes.length;
    const sample = Buffer.concat(pending, pendingBytes);
    if (decisivePrefix(sample) === null && pendingBytes < SNIFF_LIMIT) {
      pending = [sample];
      continue;
    }
    const chosen = chooseDecoder(sample, false);
    found(chosen.encoding);
    decoder = chosen.decoder;
    pending = [];
    yield decoder.write(sample);
  }
  if (!decoder) {
    const chosen = chooseDecoder(Buffer.concat(pending, pendingBytes), true);
    found(chosen.encoding);
    decoder = chosen.decoder;
    yield decoder.write(Buffer.concat(pending, pendingBytes));
  }
  yield decoder.end();
}
