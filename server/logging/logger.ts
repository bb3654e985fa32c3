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
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
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
      // Error messages and stacks are masked too (a driver error quotes the statement's parameters).
      serializers: { err: (err: Error) => maskDeep(pino.stdSerializers.err(err)) },
    },
    destination ?? (options.file ? fileDestination(options.file) : undefined),
  ));
}
