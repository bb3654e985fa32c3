import type { Context } from 'koa';

export class RawBodyTooLargeError extends Error {
  constructor() {
    super('request body too large');
    this.name = 'RawBodyTooLargeError';
  }
}

/** The request body as UTF-8 text, exactly as sent (for signature checks); throws RawBodyTooLargeError past `limitBytes`. */
export async function readRawBody(ctx: Pick<Context, 'req'>, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limitBytes) throw new RawBodyTooLargeError();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
