/**
 * The console's one API client: fetch against the same-origin API, the bearer
 * token of the console session, JSON in and out, responses checked against the
 * shared zod schemas of domain/api, and every error body
 * `{ error: { code, message, fields } }` turned back into the one error type of
 * EduCard, AppError (domain/errors.ts): a stable code, the Chinese message and
 * the field messages, so pages branch on codes and show messages as they come.
 */
import type { z } from 'zod';
import { AppError, appErrorFromBody, type ErrorCode } from '../../../domain/errors';

export { AppError };

const SESSION_KEY = 'educard.console.session';

export interface StoredSession {
  token: string;
  expiresAt: string;
}

/** The console session lives in this tab only (sessionStorage): closing the tab ends it on this machine. */
export const sessionStore = {
  get(): StoredSession | null {
    try {
      const raw = sessionStorage.getItem(SESSION_KEY);
      return raw ? (JSON.parse(raw) as StoredSession) : null;
    } catch {
      return null;
    }
  },
  set(session: StoredSession): void {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  },
  clear(): void {
    sessionStorage.removeItem(SESSION_KEY);
  },
};

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions<S extends z.ZodType> {
  body?: unknown;
  query?: Query;
  /** The response schema of the route (domain/api/console.ts). */
  schema: S;
}

type Listener = (error: AppError) => void;
const sessionEndListeners = new Set<Listener>();

/** Called when the server says the session is gone (401): the app goes back to the sign-in page. */
export function onSessionEnd(listener: Listener): () => void {
  sessionEndListeners.add(listener);
  return () => sessionEndListeners.delete(listener);
}

function search(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

export async function request<S extends z.ZodType>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: RequestOptions<S>): Promise<z.infer<S>> {
  const session = sessionStore.get();
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (session) headers.Authorization = `Bearer ${session.token}`;
  let res: Response;
  try {
    res = await fetch(`${path}${search(options.query)}`, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (cause) {
    throw new AppError('NETWORK', { cause });
  }
  const text = await res.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!res.ok) {
    const error = appErrorFromBody(res.status, body);
    if (res.status === 401 && session) {
      sessionStore.clear();
      for (const listener of sessionEndListeners) listener(error);
    }
    throw error;
  }
  const parsed = options.schema.safeParse(body);
  if (!parsed.success) throw new AppError('INTERNAL', { message: '服务器返回的数据格式不正确，请刷新后重试' });
  return parsed.data;
}

export const api = {
  get: <S extends z.ZodType>(path: string, schema: S, query?: Query) => request('GET', path, { schema, ...(query ? { query } : {}) }),
  post: <S extends z.ZodType>(path: string, schema: S, body: unknown = {}) => request('POST', path, { schema, body }),
  put: <S extends z.ZodType>(path: string, schema: S, body: unknown) => request('PUT', path, { schema, body }),
};

/** True when the error is an AppError with one of the codes. */
export function hasCode(error: unknown, ...codes: ErrorCode[]): error is AppError {
  return error instanceof AppError && codes.includes(error.code);
}

/** The message to show for any error (AppError's Chinese message, or a generic one). */
export function messageOf(error: unknown): string {
  return error instanceof AppError ? error.message : '系统繁忙，请稍后再试';
}

/** The field messages of a 400, keyed by the last part of the path (body.smsCode → smsCode). */
export function fieldMessages(error: unknown): Record<string, string> {
  if (!(error instanceof AppError) || !error.fields) return {};
  return Object.fromEntries(Object.entries(error.fields).map(([k, v]) => [k.split('.').slice(1).join('.') || k, v]));
}

/**
 * Download a file the API answers (an export): fetched with the session's bearer token (never a token in a URL),
 * then saved under the server's file name (Content-Disposition filename*).
 */
export async function download(path: string, fallbackName: string): Promise<string> {
  const session = sessionStore.get();
  let res: Response;
  try {
    res = await fetch(path, { headers: session ? { Authorization: `Bearer ${session.token}` } : {}, credentials: 'omit', cache: 'no-store' });
  } catch (cause) {
    throw new AppError('NETWORK', { cause });
  }
  if (!res.ok) {
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    const error = appErrorFromBody(res.status, body);
    if (res.status === 401 && session) {
      sessionStore.clear();
      for (const listener of sessionEndListeners) listener(error);
    }
    throw error;
  }
  const disposition = res.headers.get('Content-Disposition') ?? '';
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  const name = encoded ? decodeURIComponent(encoded) : fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  return name;
}
