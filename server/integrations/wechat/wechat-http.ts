/**
 * One HTTP request to a WeChat server API, over node:http(s) with keep-alive
 * agents shared by the process.
 *
 * Not `fetch`: a notice fan-out makes thousands of small calls, and undici's
 * per-request machinery (web streams, AbortSignal) was the largest item of the
 * worker's profile (BENCHMARKS.md, Fan-out). The answer is read whole (WeChat
 * answers are small JSON objects) within one deadline for the whole exchange;
 * when it passes, the request is destroyed with an error named TimeoutError
 * (what callers tell apart: the message may have been taken).
 */
import http from 'node:http';
import https from 'node:https';

export interface WechatHttpAnswer {
  status: number;
  body: string;
}

const AGENT_OPTIONS = { keepAlive: true, maxSockets: 64, maxFreeSockets: 16 } as const;
const agents = { http: new http.Agent(AGENT_OPTIONS), https: new https.Agent(AGENT_OPTIONS) };

/** The whole exchange took longer than its deadline. */
export class WechatTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

export function wechatHttpRequest(url: URL, options: { method: 'GET' | 'POST'; body?: unknown; timeoutMs: number }): Promise<WechatHttpAnswer> {
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  const secure = url.protocol === 'https:';
  return new Promise<WechatHttpAnswer>((resolve, reject) => {
    const request = (secure ? https : http).request(url, {
      method: options.method,
      agent: secure ? agents.https : agents.http,
      headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
    });
    const timer = setTimeout(() => request.destroy(new WechatTimeoutError(options.timeoutMs)), options.timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    request.on('error', fail);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.end(payload);
  });
}
