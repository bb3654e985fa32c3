import Taro from '@tarojs/taro'
import type { output, ZodType } from 'zod'
import { AppError, appErrorFromBody } from '../../../domain/errors'

/**
 * The one HTTP client of the mini-program and the H5 site: the only module that
 * calls `Taro.request`.
 *
 * - 2xx: the JSON body, validated with the caller's zod schema when one is given.
 * - non-2xx: the `{ error: { code, message, fields? } }` body becomes the shared
 *   `AppError` (domain/errors.ts), so pages show the same Chinese messages as the API.
 * - no response at all (offline, DNS, timeout, TLS, domain not whitelisted):
 *   `AppError('NETWORK')`.
 *
 * `Taro.request` resolves for every HTTP status; this wrapper is the single place
 * where statuses are turned into errors.
 */

/** Storage key of the session token written by the login flow. */
export const SESSION_STORAGE_KEY = 'educard.session'

const REQUEST_TIMEOUT_MS = 15_000

/**
 * Where the API lives. The H5 build is served by the API itself, so it calls the
 * same origin ('' + '/api/...'); the mini-program needs an absolute https origin,
 * inlined at build time from TARO_APP_API_BASE (see config/index.ts).
 */
function apiBase(): string {
  if (process.env.TARO_ENV === 'h5') return ''
  return (process.env.TARO_APP_API_BASE || '').replace(/\/+$/, '')
}

/** The session token, if the user has logged in. The one place that reads it. */
function sessionToken(): string | undefined {
  try {
    const token: unknown = Taro.getStorageSync(SESSION_STORAGE_KEY)
    return typeof token === 'string' && token !== '' ? token : undefined
  } catch {
    return undefined
  }
}

function requestHeaders(hasBody: boolean): Record<string, string> {
  const header: Record<string, string> = { Accept: 'application/json' }
  if (hasBody) header['Content-Type'] = 'application/json'
  const token = sessionToken()
  if (token) header.Authorization = `Bearer ${token}`
  return header
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/**
 * Called when a request that carried a session token is answered 401
 * UNAUTHENTICATED or SESSION_EXPIRED: the token is no longer valid. The session
 * module (services/session.ts) registers the one listener, which clears the
 * token and opens the login page. Requests without a token (login, register,
 * public pages) never trigger it, so a wrong password is just an error.
 */
export type AuthFailureListener = (error: AppError) => void
let authFailureListener: AuthFailureListener | undefined

export function onAuthFailure(listener: AuthFailureListener | undefined): void {
  authFailureListener = listener
}

const AUTH_FAILURE_CODES: ReadonlySet<string> = new Set(['UNAUTHENTICATED', 'SESSION_EXPIRED'])

export interface RequestOptions {
  /**
   * Non-2xx statuses whose body is a normal response rather than an error body,
   * e.g. 503 from GET /api/health, which still carries a HealthResponse. For these
   * the body is validated with the schema; if it does not match, the usual
   * AppError is thrown.
   */
  acceptStatuses?: readonly number[]
}

/** A response together with its HTTP status (for callers that accept non-2xx bodies). */
export interface ApiResponse<T> {
  status: number
  data: T
}

interface SentResponse extends ApiResponse<unknown> {
  /** Whether the request carried a session token. */
  authenticated: boolean
}

async function send(method: Method, path: string, body: unknown): Promise<SentResponse> {
  const hasBody = body !== undefined
  const header = requestHeaders(hasBody)
  let res: Taro.request.SuccessCallbackResult
  try {
    res = await Taro.request({
      url: apiBase() + path,
      method,
      header,
      timeout: REQUEST_TIMEOUT_MS,
      dataType: 'json',
      ...(hasBody ? { data: body as Record<string, unknown> } : {}),
    })
  } catch (cause) {
    throw new AppError('NETWORK', { cause })
  }
  // A request that never reached a server reports status 0 on some platforms.
  if (!res || typeof res.statusCode !== 'number' || res.statusCode === 0) {
    throw new AppError('NETWORK')
  }
  return { status: res.statusCode, data: res.data as unknown, authenticated: 'Authorization' in header }
}

/** Send a request and return status + body, mapping errors; the single request path. */
async function request<T>(
  method: Method,
  path: string,
  body: unknown,
  schema: ZodType<T> | undefined,
  options: RequestOptions = {},
): Promise<ApiResponse<T>> {
  const { status, data, authenticated } = await send(method, path, body)
  const ok = status >= 200 && status < 300
  const accepted = ok || (options.acceptStatuses ?? []).includes(status)
  if (!accepted) {
    const error = appErrorFromBody(status, data)
    if (authenticated && status === 401 && AUTH_FAILURE_CODES.has(error.code)) authFailureListener?.(error)
    throw error
  }
  if (!schema) return { status, data: data as T }

  const parsed = schema.safeParse(data)
  if (parsed.success) return { status, data: parsed.data }
  // An accepted non-2xx status whose body is an ordinary error body.
  if (!ok) throw appErrorFromBody(status, data)
  throw new AppError('INTERNAL', {
    message: '服务器返回的数据格式不正确，请稍后再试',
    cause: parsed.error,
  })
}

function get(path: string): Promise<unknown>
function get<S extends ZodType>(path: string, schema: S): Promise<output<S>>
function get(path: string, schema?: ZodType): Promise<unknown> {
  return request('GET', path, undefined, schema).then((r) => r.data)
}

function post(path: string, body: unknown): Promise<unknown>
function post<S extends ZodType>(path: string, body: unknown, schema: S): Promise<output<S>>
function post(path: string, body: unknown, schema?: ZodType): Promise<unknown> {
  return request('POST', path, body, schema).then((r) => r.data)
}

function put(path: string, body: unknown): Promise<unknown>
function put<S extends ZodType>(path: string, body: unknown, schema: S): Promise<output<S>>
function put(path: string, body: unknown, schema?: ZodType): Promise<unknown> {
  return request('PUT', path, body, schema).then((r) => r.data)
}

function patch(path: string, body: unknown): Promise<unknown>
function patch<S extends ZodType>(path: string, body: unknown, schema: S): Promise<output<S>>
function patch(path: string, body: unknown, schema?: ZodType): Promise<unknown> {
  return request('PATCH', path, body, schema).then((r) => r.data)
}

function del<S extends ZodType>(path: string, schema: S): Promise<output<S>> {
  return request<output<S>>('DELETE', path, undefined, schema as ZodType<output<S>>).then((r) => r.data)
}

/**
 * Like `get`, but resolves with the status as well and treats the listed non-2xx
 * statuses as responses (their body must match the schema).
 */
function getWithStatus<S extends ZodType>(
  path: string,
  schema: S,
  options: RequestOptions,
): Promise<ApiResponse<output<S>>> {
  return request<output<S>>('GET', path, undefined, schema as ZodType<output<S>>, options)
}

/**
 * POST a file as the raw request body (no multipart: the API streams it into
 * storage and decides its type from its bytes); `query` carries its name.
 * An ArrayBuffer in the mini-program (read from the chosen temp file), a Blob
 * (the File of an <input type=file>) on H5.
 */
async function postFile<S extends ZodType>(path: string, file: ArrayBuffer | Blob, schema: S): Promise<output<S>> {
  const header: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/octet-stream' }
  const token = sessionToken()
  if (token) header.Authorization = `Bearer ${token}`
  let res: Taro.request.SuccessCallbackResult
  try {
    res = await Taro.request({ url: apiBase() + path, method: 'POST', header, timeout: 60_000, dataType: 'json', data: file as unknown as Record<string, unknown> })
  } catch (cause) {
    throw new AppError('NETWORK', { cause })
  }
  if (!res || typeof res.statusCode !== 'number' || res.statusCode === 0) throw new AppError('NETWORK')
  // H5 hands back the body as text when the response is not parsed as JSON by the platform.
  const data: unknown = typeof res.data === 'string' ? safeJson(res.data) : res.data
  if (res.statusCode < 200 || res.statusCode >= 300) {
    const error = appErrorFromBody(res.statusCode, data)
    if (token && res.statusCode === 401 && AUTH_FAILURE_CODES.has(error.code)) authFailureListener?.(error)
    throw error
  }
  const parsed = schema.safeParse(data)
  if (!parsed.success) throw new AppError('INTERNAL', { message: '服务器返回的数据格式不正确，请稍后再试', cause: parsed.error })
  return parsed.data
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return null
  }
}

/**
 * Download a file of the API with the session's token into a local file the
 * platform can preview (a temp path in WeChat, a blob: URL on H5).
 */
async function downloadFile(path: string): Promise<string> {
  const token = sessionToken()
  let res: Taro.downloadFile.FileSuccessCallbackResult
  try {
    res = await Taro.downloadFile({ url: apiBase() + path, header: token ? { Authorization: `Bearer ${token}` } : {} })
  } catch (cause) {
    throw new AppError('NETWORK', { cause })
  }
  if (res.statusCode < 200 || res.statusCode >= 300) throw appErrorFromBody(res.statusCode, null)
  return res.tempFilePath
}

export const api = { get, post, put, patch, delete: del, getWithStatus, postFile, downloadFile }
