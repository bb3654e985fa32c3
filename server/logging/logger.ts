/**
 * The one logger (pino). Personal data never reaches a log line: known PII keys
 * are redacted by path, and any string that still looks like a resident ID
 * number or a mainland mobile number is masked before it is written.
 */
import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

const PII_KEYS = ['residentId', 'resident_id', 'idNumber', 'phone', 'mobile', 'password', 'newPassword', 'currentPassword', 'smsCode', 'code', 'token', 'sessionKey', 'session_key', 'secret'];

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...PII_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
];

const ID_PATTERN = /(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])/g;
const PHONE_PATTERN = /(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)/g;

/** Mask anything in free text that looks like a resident ID number or a mobile number. */
export function maskSensitiveText(text: string): string {
  return text.replace(ID_PATTERN, '$1********$2').replace(PHONE_PATTERN, '$1****$2');
}

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskSensitiveText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return maskDeep(serializeError(value), depth + 1);
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
  return out;
}

/** Properties of an error (node, pg, drizzle, WeChat, AppError) that never hold a value of the request. */
const SAFE_ERROR_STRINGS = new Set(['severity', 'routine', 'constraint', 'table', 'column', 'schema', 'dataType', 'syscall', 'address', 'errmsg', 'type']);
/**
 * Never logged: drizzle's `params` (every bound value of the statement: names,
 * addresses, ciphertexts), PostgreSQL's `detail` ("Key (x)=(value) already
 * exists", "Token "…" is invalid") and `where` ("JSON data, line 1: …"), and
 * anything else that is not on the list above.
 */
const MAX_QUERY_LOGGED = 2000;

/** The message of an error without the values it quotes. */
function safeErrorMessage(err: Record<string, unknown>, message: string): string {
  // DrizzleQueryError: "Failed query: <sql>\nparams: <every bound value>".
  let text = message.replace(/\nparams:[\s\S]*$/, '');
  const code = typeof err.code === 'string' ? err.code : '';
  // PostgreSQL data exceptions (22…) and integrity violations (23…) quote the offending value.
  if (/^2[23][0-9A-Z]{3}$/.test(code) && typeof err.severity === 'string') text = text.replace(/"[^"]*"/g, '"…"');
  return text;
}

/**
 * The `err` serializer of every log line: type, message (without quoted values
 * or bound parameters), stack frames, the safe fields above, the SQL text of a
 * failed query (placeholders, not values) and the causes, recursively.
 */
export function serializeError(value: unknown, depth = 0): unknown {
  if (!(value instanceof Error)) {
    if (value === null || typeof value !== 'object') return value;
    return depth > 4 ? '[object]' : { type: 'non-error', keys: Object.keys(value).slice(0, 20) };
  }
  const err = value as Error & Record<string, unknown>;
  const type = err.constructor?.name ?? err.name ?? 'Error';
  const message = safeErrorMessage(err, String(err.message ?? ''));
  const frames = typeof err.stack === 'string' ? err.stack.split('\n').filter((line) => /^\s+at /.test(line)) : [];
  const out: Record<string, unknown> = { type, message, stack: [`${type}: ${message}`, ...frames].join('\n') };
  // Logged as errorCode: the redaction of `code` (SMS codes, at any depth) would hide the SQLSTATE.
  if (typeof err.code === 'string' || typeof err.code === 'number') out.errorCode = err.code;
  for (const [key, field] of Object.entries(err)) {
    if (key === 'code' || key === 'cause' || key === 'errors' || key === 'message' || key === 'stack') continue;
    if (typeof field === 'number' || typeof field === 'boolean') out[key] = field;
    else if (typeof field === 'string' && SAFE_ERROR_STRINGS.has(key)) out[key] = field;
    else if (key === 'query' && typeof field === 'string') out.query = field.slice(0, MAX_QUERY_LOGGED);
  }
  if (err.cause !== undefined && depth < 4) out.cause = serializeError(err.cause, depth + 1);
  if (Array.isArray(err.errors) && depth < 4) out.errors = err.errors.slice(0, 5).map((e: unknown) => serializeError(e, depth + 1));
  return out;
}

/** Log files opened by this process, one destination per path (several contexts may share one file). */
const fileDestinations = new Map<string, DestinationStream>();

function fileDestination(file: string): DestinationStream {
  let destination = fileDestinations.get(file);
  if (!destination) {
    // Synchronous appends: every line is on disk even when the process is killed (tests kill workers with SIGKILL).
    destination = pino.destination({ dest: file, append: true, mkdir: true, sync: true });
    fileDestinations.set(file, destination);
  }
  return destination;
}

/**
 * Child loggers' bindings (logger.child({ … })) are masked like the fields of
 * each call: pino applies no formatter to them, so `child` is wrapped on the
 * root (children are created from it and inherit the wrapper).
 */
function maskChildBindings(logger: Logger): Logger {
  const child = logger.child;
  logger.child = function maskedChild(this: Logger, bindings, childOptions) {
    return child.call(this, maskDeep(bindings) as typeof bindings, childOptions);
  } as Logger['child'];
  return logger;
}

export function createLogger(options: { level: string; name?: string; file?: string }, destination?: DestinationStream): Logger {
  return maskChildBindings(pino(
    {
      name: options.name ?? 'educard',
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { log: (obj) => maskDeep(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === 'string' ? maskSensitiveText(a) : a)) as Parameters<typeof method>;
          method.apply(this, masked);
        },
      },
      // Errors lose every bound parameter and quoted value (serializeError); what remains is masked too.
      // (formatters.log runs first and has already serialized an Error at any key, `err` included.)
      serializers: { err: (err: unknown) => maskDeep(err instanceof Error ? serializeError(err) : err) },
    },
    destination ?? (options.file ? fileDestination(options.file) : undefined),
  ));
}
