/**
 * Every setting of EduCard, read from environment variables once at start-up.
 *
 * Each variable has a one-line description and a safe development default, so a
 * fresh clone runs with no configuration at all. In production
 * (NODE_ENV=production) the secrets have no default: start-up refuses to run
 * and names every missing one in a single message.
 */
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/**
 * TRUST_PROXY: how many reverse proxies stand in front of the API (Koa's
 * `maxIpsCount`). The old boolean spellings stay readable: false is 0, and true
 * (which used to trust the leftmost, client-written entry) is read as 1 proxy.
 */
const proxyHops = z
  .string()
  .trim()
  .transform((v) => (v === 'false' ? '0' : v === 'true' ? '1' : v))
  .pipe(z.string().regex(/^\d{1,2}$/, 'must be the number of reverse proxies in front of the API (0-10)'))
  .transform(Number)
  .pipe(z.number().int().min(0).max(10));

/** A JSON document in a variable, parsed and checked against `schema`. */
const jsonOf = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((v, ctx) => {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

/** `{ "<serial or key id>": "<PEM or base64 DER>" }` of WeChat Pay's verification keys. */
const keyMap = jsonOf(z.record(z.string().regex(/^[A-Za-z0-9_]{1,64}$/), z.string().min(40)));

const commCardProduct = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,32}$/),
  name: z.string().min(1).max(40),
  /** WeChat Pay amounts are integers in fen. */
  priceFen: z.number().int().min(1).max(1_000_000),
  description: z.string().max(200).default(''),
});
export type CommCardProductConfig = z.output<typeof commCardProduct>;

/**
 * Development-only key material. It is public (it is in the repository), so
 * production refuses it: see SECRET_VARIABLES below.
 */
const DEV_PII_KEY = 'dev1:ZGV2LW9ubHktcGlpLWtleS0zMi1ieXRlcy1sb25nISE=';
const DEV_BLIND_INDEX_KEY = 'ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LTMyLWJ5dGVz';
const DEV_SESSION_SECRET = 'dev-only-session-secret-change-me-in-production';
/** The public development SESSION_SECRET: production refuses it and anything derived from it (the e-card key). */
export const DEVELOPMENT_SESSION_SECRET = DEV_SESSION_SECRET;

/** Hosts that only this machine reaches: where the development fakes listen. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

function urlHost(value: string): string {
  try {
    return new URL(value.includes('://') ? value : `https://${value}`).hostname;
  } catch {
    return value;
  }
}

/**
 * What production refuses besides the secrets: the development fakes' base URLs
 * (a loopback or *.localhost host, or plain http) for WeChat, WeChat Pay and
 * Tencent SMS, and the development SMS provider (its codes land in a Redis
 * inbox instead of a phone).
 */
function productionProblems(config: Config): string[] {
  const problems: string[] = [];
  if (config.SMS_PROVIDER === 'dev') problems.push('SMS_PROVIDER: dev (the development inbox) is refused in production: set SMS_PROVIDER=tencent and the TENCENT_* variables');
  const bases: [VariableName, string][] = [
    ['WECHAT_API_BASE', config.WECHAT_API_BASE],
    ['WECHATPAY_API_BASE', config.WECHATPAY_API_BASE],
    ['TENCENT_SMS_ENDPOINT', config.TENCENT_SMS_ENDPOINT],
  ];
  for (const [name, value] of bases) {
    if (isLoopbackHost(urlHost(value))) problems.push(`${name}: ${value} is a local development fake; production needs the real service`);
    else if (value.startsWith('http://')) problems.push(`${name}: plain http:// is refused in production`);
  }
  return problems;
}

interface VariableSpec {
  schema: z.ZodType;
  description: string;
  /** Default for development and tests; undefined means "unset". */
  devDefault?: string;
  /** A secret: production refuses to start without it and never accepts the dev default. */
  secret?: boolean;
  /** Default computed from the other variables (e.g. PUBLIC_BASE_URL follows PORT) when there is no devDefault. */
  defaultFrom?: (env: Record<string, string | undefined>) => string;
}

/** The one table of environment variables. `.env.example` is generated from it (tools/env-example.ts). */
export const VARIABLES = {
  NODE_ENV: {
    schema: z.enum(['development', 'test', 'production']),
    description: 'Runtime mode: development, test or production (production requires every secret).',
    devDefault: 'development',
  },
  HOST: { schema: z.string().min(1), description: 'Interface the HTTP server binds to.', devDefault: '127.0.0.1' },
  PORT: { schema: int(0, 65535), description: 'HTTP port of the API and the web build.', devDefault: '3000' },
  PUBLIC_BASE_URL: {
    schema: z.url(),
    description:
      'Public https origin of the service, used in links sent to people and in the WeChat Pay notify_url (default: http://127.0.0.1:<PORT>).',
    defaultFrom: (env) => `http://127.0.0.1:${env.PORT || '3000'}`,
  },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    description: 'pino log level.',
    devDefault: 'info',
  },
  LOG_FILE: {
    schema: z.string().min(1).optional(),
    description: 'Append log lines to this file instead of standard output (the test run captures its logs there for the PII scan).',
  },
  ALLOW_DEV_ON_PUBLIC_HOST: {
    schema: bool,
    description:
      'Outside production only: let a development or test server bind a non-loopback HOST. Its dev inbox, development WeChat codes and derived e-card key still answer loopback peers only.',
    devDefault: 'false',
  },
  TRUST_PROXY: {
    schema: proxyHops,
    description:
      'Number of reverse proxies in front of the API (0 = none: X-Forwarded-* ignored). The client IP is the entry that many places from the right of X-Forwarded-For, so a forged leftmost entry changes nothing; the API port must be reachable only through them. Legacy: false = 0, true = 1.',
    devDefault: '0',
  },
  CORS_ORIGINS: {
    schema: list,
    description: 'Comma-separated origins allowed to call the API from a browser (the H5 build itself is same-origin).',
    devDefault: '',
  },
  JSON_BODY_LIMIT: {
    schema: z.string().regex(/^\d+(kb|mb)$/),
    description: 'Largest JSON request body accepted, e.g. 100kb.',
    devDefault: '100kb',
  },
  METRICS_PORT: {
    schema: int(0, 65535),
    description:
      'Port of the metrics listener (GET /metrics in Prometheus text format; a worker process also answers /health/live and /health/ready there); 0 = no listener. Never expose it publicly.',
    devDefault: '0',
  },
  METRICS_HOST: {
    schema: z.string().min(1),
    description: 'Interface the metrics listener binds to: loopback by default; the pod address (0.0.0.0) under Kubernetes, where only Prometheus and the kubelet reach it.',
    devDefault: '127.0.0.1',
  },
  DATABASE_URL: {
    schema: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
    description: 'PostgreSQL connection URL; when unset, an embedded PGlite database in PGLITE_DATA_DIR is used.',
  },
  DATABASE_POOL_MAX: { schema: int(1, 200), description: 'Largest number of PostgreSQL connections per process.', devDefault: '10' },
  PGLITE_DATA_DIR: {
    schema: z.string().min(1),
    description: 'Directory of the embedded PGlite database (used only when DATABASE_URL is unset).',
    devDefault: '.data/pglite',
  },
  REDIS_URL: {
    schema: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL'),
    description: 'Redis (>= 6.2) for queues and rate limits.',
    devDefault: 'redis://127.0.0.1:6379',
  },
  QUEUE_PREFIX: {
    schema: z.string().regex(/^[a-z0-9_-]+$/i),
    description: 'Prefix of every BullMQ key in Redis (separates environments sharing one Redis).',
    devDefault: 'educard',
  },
  OUTBOX_POLL_MS: { schema: int(10, 60_000), description: 'How often the outbox relay looks for new rows.', devDefault: '250' },
  OUTBOX_BATCH_SIZE: { schema: int(1, 5000), description: 'Largest number of outbox rows relayed in one batch.', devDefault: '200' },
  WORKER_LOCK_MS: {
    schema: int(1_000, 600_000),
    description: 'How long a worker holds a job without renewing its lock; a job of a worker that died (kill -9, lost host) is taken over after about twice this.',
    devDefault: '30000',
  },
  MATCH_CONCURRENCY: { schema: int(1, 200), description: 'Registry-match jobs processed at once per worker process.', devDefault: '20' },
  MATCH_BATCH_SIZE: {
    schema: int(1, 1000),
    description:
      'Registry-match jobs decided together in one transaction (1: one transaction per job). The worker then takes up to three times this many jobs at once (at least MATCH_CONCURRENCY): two batches deciding while the next fills.',
    devDefault: '100',
  },
  AUTO_APPROVE_WITHOUT_GUARDIAN_PHONE: {
    schema: bool,
    description:
      'Approve automatically a submission whose key fields equal a registry row that names no guardian phone (default false: such a row goes to the head teacher, 学籍库无监护人手机号). Never applies when the registry names other guardian phones.',
    devDefault: 'false',
  },
  MATCH_STUCK_AFTER_S: {
    schema: int(10, 86_400),
    description: 'The sweeper re-enqueues a submitted or matching profile version unchanged for this many seconds (its match job was lost).',
    devDefault: '120',
  },
  SWEEP_BATCH_SIZE: { schema: int(1, 5000), description: 'Largest number of stuck profile versions the sweeper re-enqueues per run (every minute).', devDefault: '200' },
  SEMESTER_RESET_BATCH_SIZE: {
    schema: int(1, 10_000),
    description: 'Students moved to reconfirm_required per transaction when a semester opens.',
    devDefault: '1000',
  },
  H5_DIST_DIR: {
    schema: z.string().min(1),
    description: 'Directory of the H5 build served at /.',
    devDefault: 'miniprogram/dist/h5',
  },
  PII_ENCRYPTION_KEYS: {
    schema: z.string().min(1),
    description: 'AES-256-GCM keys for personal data, as keyId:base64(32 bytes), comma-separated; old ids stay readable.',
    devDefault: DEV_PII_KEY,
    secret: true,
  },
  PII_CURRENT_KEY_ID: {
    schema: z.string().regex(/^[a-z0-9]{1,16}$/i),
    description: 'Key id (from PII_ENCRYPTION_KEYS) that encrypts new data.',
    devDefault: 'dev1',
  },
  PII_BLIND_INDEX_KEY: {
    schema: z.string().min(1),
    description: 'HMAC-SHA256 key (base64, >= 32 bytes) for blind indexes of ID numbers and phones.',
    devDefault: DEV_BLIND_INDEX_KEY,
    secret: true,
  },
  SESSION_SECRET: {
    schema: z.string().min(32),
    description: 'Secret (>= 32 chars) for hashing session tokens and signing short-lived values.',
    devDefault: DEV_SESSION_SECRET,
    secret: true,
  },
  WECHAT_API_BASE: {
    schema: z.url(),
    description: 'Base URL of the WeChat server API (a local fake in development and tests).',
    devDefault: 'http://127.0.0.1:3901',
  },
  WECHAT_MP_APPID: { schema: z.string().min(1), description: 'Mini-program appid.', devDefault: 'wxdev0000000000mp' },
  WECHAT_MP_SECRET: {
    schema: z.string().min(1),
    description: 'Mini-program AppSecret (jscode2session, access token).',
    devDefault: 'dev-mp-secret',
    secret: true,
  },
  WECHAT_OA_APPID: { schema: z.string().min(1), description: 'Official-account appid (template messages).', devDefault: 'wxdev0000000000oa' },
  WECHAT_OA_SECRET: {
    schema: z.string().min(1),
    description: 'Official-account AppSecret.',
    devDefault: 'dev-oa-secret',
    secret: true,
  },
  WECHAT_OA_PUSH_TOKEN: {
    schema: z.string().min(3).max(32),
    description: 'Official-account message push Token (服务器配置): signs the events WeChat posts to /api/wechat/oa/events (template send results).',
    devDefault: 'devoapushtoken',
    secret: true,
  },
  WECHAT_TOKEN_REFRESH_MARGIN_S: {
    schema: int(0, 3600),
    description: 'Refresh the shared WeChat access token this many seconds before it expires.',
    devDefault: '300',
  },
  FAKE_WECHAT_PORT: {
    schema: int(0, 65535),
    description: 'Development only: port of the fake WeChat server that `npm start` runs (0 = do not run it).',
    devDefault: '3901',
  },
  SMS_PROVIDER: {
    schema: z.enum(['dev', 'tencent']),
    description: 'SMS provider: dev (messages go to the development inbox) or tencent (Tencent Cloud SMS).',
    devDefault: 'dev',
  },
  TENCENT_SMS_ENDPOINT: {
    schema: z.string().min(1),
    description: 'Tencent Cloud SMS API host (sms.tencentcloudapi.com, HTTPS) or, for the local fake, http://sms.localhost:<port>.',
    devDefault: 'sms.tencentcloudapi.com',
  },
  TENCENT_SMS_REGION: { schema: z.string().min(1), description: 'Tencent Cloud region of the SMS service.', devDefault: 'ap-guangzhou' },
  TENCENT_SECRET_ID: { schema: z.string().min(1), description: 'Tencent Cloud API SecretId.', devDefault: 'dev-secret-id' },
  TENCENT_SECRET_KEY: {
    schema: z.string().min(1),
    description: 'Tencent Cloud API SecretKey (required when SMS_PROVIDER=tencent).',
    devDefault: 'dev-secret-key',
    secret: true,
  },
  TENCENT_SMS_SDK_APP_ID: { schema: z.string().min(1), description: 'SmsSdkAppId of the SMS application.', devDefault: '1400000000' },
  TENCENT_SMS_SIGN_NAME: { schema: z.string().min(1), description: 'Approved SMS signature (签名), e.g. 教育卡.', devDefault: '教育卡' },
  TENCENT_SMS_TEMPLATE_VERIFICATION: {
    schema: z.string().min(1),
    description: 'Template id of the verification-code SMS ({1} code, {2} minutes).',
    devDefault: '1000001',
  },
  ECARD_SIGNING_KEY: {
    schema: z.string().min(1).optional(),
    description:
      'Ed25519 private key that signs electronic-card QR tokens, as base64 of its PKCS#8 DER; unset outside production = a key derived from SESSION_SECRET.',
    secret: true,
  },
  ECARD_PREVIOUS_PUBLIC_KEYS: {
    schema: list,
    description: 'Comma-separated base64 SPKI DER Ed25519 public keys still published and accepted after a signing-key rotation.',
    devDefault: '',
  },
  ECARD_TOKEN_TTL_S: {
    schema: int(10, 300),
    description: 'Lifetime of an electronic-card QR token in seconds (the page refreshes it before it runs out).',
    devDefault: '60',
  },
  ECARD_VERIFY_PER_MINUTE: {
    schema: int(1, 10_000),
    description: 'Card verifications one staff account may make per minute (POST /api/ecard/verify; a gate scans about one student a second at most).',
    devDefault: '60',
  },
  WECHATPAY_API_BASE: {
    schema: z.url(),
    description: 'Base URL of the WeChat Pay APIv3 (https://api.mch.weixin.qq.com/ in production; a local fake in development and tests).',
    devDefault: 'http://127.0.0.1:3902/',
  },
  WECHATPAY_MCHID: { schema: z.string().regex(/^\d{6,32}$/), description: 'WeChat Pay merchant id (mchid).', devDefault: '1900000109' },
  WECHATPAY_MERCHANT_SERIAL: {
    schema: z.string().min(1),
    description: 'Serial number of the merchant API certificate (serial_no of the Authorization header).',
    devDefault: 'DEV0MERCHANT0SERIAL0000000000000000000001',
  },
  WECHATPAY_MERCHANT_PRIVATE_KEY: {
    schema: z.string().min(1).optional(),
    description:
      'Merchant API private key (RSA, PKCS#8 PEM or its base64 DER); unset outside production = a development key generated once and kept in Redis for the fake.',
    secret: true,
  },
  WECHATPAY_APIV3_KEY: {
    schema: z.string().length(32).optional(),
    description: 'APIv3 key (32 characters) that decrypts notifications (AES-256-GCM); unset outside production = the development key kept in Redis.',
    secret: true,
  },
  WECHATPAY_PLATFORM_CERTS: {
    schema: keyMap.optional(),
    description:
      'WeChat Pay platform certificates as JSON {"<serial>": "<certificate or public key PEM>"}: verifies responses and notifications signed by certificate.',
  },
  WECHATPAY_PUBLIC_KEYS: {
    schema: keyMap.optional(),
    description: 'WeChat Pay public keys as JSON {"PUB_KEY_ID_…": "<public key PEM>"}: verifies what is signed by public key. Both maps may be set during a migration.',
  },
  WECHATPAY_NOTIFY_MAX_SKEW_S: {
    schema: int(30, 3600),
    description: 'A payment notification whose Wechatpay-Timestamp is further than this from now (past or future) is rejected.',
    devDefault: '300',
  },
  WECHATPAY_TIMEOUT_MS: { schema: int(500, 60_000), description: 'Timeout of one WeChat Pay API call.', devDefault: '8000' },
  FAKE_WECHATPAY_PORT: {
    schema: int(0, 65535),
    description: 'Development only: port of the fake WeChat Pay server that `npm start` runs (0 = do not run it).',
    devDefault: '3902',
  },
  COMM_CARD_PRODUCTS: {
    schema: jsonOf(
      z
        .array(commCardProduct)
        .min(1)
        .refine((list) => new Set(list.map((p) => p.id)).size === list.length, 'product ids must be unique'),
    ),
    description: 'Communication-card products as JSON [{"id","name","priceFen","description"}] (prices in fen).',
    devDefault: JSON.stringify([
      { id: 'comm-card-basic', name: '教育卡配套通讯卡', priceFen: 2900, description: '与电子教育卡配套的校园通讯卡（含卡费），支持校园亲情通话' },
    ]),
  },
  ORDER_EXPIRE_MINUTES: { schema: int(5, 120), description: 'An unpaid order closes this many minutes after it is created (time_expire).', devDefault: '30' },
  PAYMENT_RECONCILE_AFTER_S: {
    schema: int(30, 86_400),
    description: 'The reconciler queries WeChat Pay about orders still unpaid this many seconds after they were created.',
    devDefault: '300',
  },
  WECHAT_MINIPROGRAM_STATE: {
    schema: z.enum(['developer', 'trial', 'formal']),
    description: 'miniprogram_state of subscribe messages: which build of the mini-program a message opens (developer / trial / formal).',
    devDefault: 'formal',
  },
  WECHAT_TEMPLATE_REVIEW_DIGEST: {
    schema: z.string().min(1),
    description: 'Official-account template id of 待审核提醒 (teacher digest; keys thing1 number2 time3).',
    devDefault: 'dev-tpl-review-digest',
  },
  WECHAT_TEMPLATE_REVIEW_RESULT: {
    schema: z.string().min(1),
    description: 'Official-account template id of 审核结果通知 (approved / returned; keys name1 phrase2 thing3 time4).',
    devDefault: 'dev-tpl-review-result',
  },
  WECHAT_TEMPLATE_RECONFIRM: {
    schema: z.string().min(1),
    description: 'Official-account template id of 信息确认提醒 (semester reconfirmation; keys name1 thing2 time3 thing4).',
    devDefault: 'dev-tpl-reconfirm',
  },
  WECHAT_TEMPLATE_NOTICE: {
    schema: z.string().min(1),
    description: 'Official-account template id of 班级通知 (notices and homework; keys thing1 phrase2 thing3 time4).',
    devDefault: 'dev-tpl-notice',
  },
  WECHAT_TEMPLATE_ACCOUNT_SECURITY: {
    schema: z.string().min(1),
    description: 'Official-account template id of 账号安全提醒 (password, phone and recovery events; keys thing1 time2 thing3).',
    devDefault: 'dev-tpl-account-security',
  },
  WECHAT_SUBSCRIBE_ACCOUNT_SECURITY: {
    schema: z.string().min(1),
    description: 'Mini-program subscribe template id of 账号安全提醒 (same keys as the template message).',
    devDefault: 'dev-sub-account-security',
  },
  WECHAT_SUBSCRIBE_REVIEW_DIGEST: {
    schema: z.string().min(1),
    description: 'Mini-program subscribe template id of 待审核提醒 (same keys as the template message).',
    devDefault: 'dev-sub-review-digest',
  },
  WECHAT_SUBSCRIBE_REVIEW_RESULT: {
    schema: z.string().min(1),
    description: 'Mini-program subscribe template id of 审核结果通知.',
    devDefault: 'dev-sub-review-result',
  },
  WECHAT_SUBSCRIBE_RECONFIRM: {
    schema: z.string().min(1),
    description: 'Mini-program subscribe template id of 信息确认提醒.',
    devDefault: 'dev-sub-reconfirm',
  },
  WECHAT_SUBSCRIBE_NOTICE: {
    schema: z.string().min(1),
    description: 'Mini-program subscribe template id of 班级通知.',
    devDefault: 'dev-sub-notice',
  },
  TENCENT_SMS_TEMPLATE_REVIEW_DIGEST: {
    schema: z.string().min(1),
    description: 'SMS template id of the teacher digest ({1} count).',
    devDefault: '1000002',
  },
  TENCENT_SMS_TEMPLATE_REVIEW_APPROVED: {
    schema: z.string().min(1),
    description: 'SMS template id of an approval ({1} student, {2} card number).',
    devDefault: '1000003',
  },
  TENCENT_SMS_TEMPLATE_REVIEW_RETURNED: {
    schema: z.string().min(1),
    description: 'SMS template id of a return ({1} student, {2} reason).',
    devDefault: '1000004',
  },
  TENCENT_SMS_TEMPLATE_RECONFIRM: {
    schema: z.string().min(1),
    description: 'SMS template id of a reconfirmation request or reminder ({1} student, {2} deadline).',
    devDefault: '1000005',
  },
  TENCENT_SMS_TEMPLATE_NOTICE: {
    schema: z.string().min(1),
    description: 'SMS template id of a class notice ({1} 通知/作业, {2} title).',
    devDefault: '1000006',
  },
  TENCENT_SMS_TEMPLATE_ACCOUNT_SECURITY: {
    schema: z.string().min(1),
    description: 'SMS template id of an account security notice ({1} what happened, e.g. 登录密码已重置).',
    devDefault: '1000007',
  },
  RECOVERY_WAIT_HOURS: {
    schema: int(0, 720),
    description: 'Hours an approved manual recovery request (人工找回) waits before it can take effect; the old phone and WeChat are told at once, and the owner can cancel meanwhile.',
    devDefault: '72',
  },
  NOTIFY_RATE_PER_S: {
    schema: int(1, 10_000),
    description: 'Largest number of messages the notifications queue sends per second (all workers together; WeChat and SMS quotas).',
    devDefault: '50',
  },
  NOTIFY_CONCURRENCY: { schema: int(1, 200), description: 'Notification deliveries processed at once per worker process.', devDefault: '10' },
  NOTIFY_BATCH_SIZE: {
    schema: int(1, 1000),
    description: 'Notification rows per delivery job of a notice fan-out (loaded together; their sends share the NOTIFY_CONCURRENCY send slots of the worker).',
    devDefault: '100',
  },
  NOTIFY_QUOTA_RETRY_MS: {
    schema: int(100, 86_400_000),
    description: 'First back-off after WeChat answers 45009 (quota reached); doubles per attempt, at most 6 hours.',
    devDefault: '600000',
  },
  NOTIFY_MAX_ATTEMPTS: {
    schema: int(1, 100),
    description: 'A delivery still failing (45009, WeChat unavailable) after this many sends is recorded as failed.',
    devDefault: '8',
  },
  DIGEST_WINDOW_S: {
    schema: int(1, 86_400),
    description: 'The 待审核 digest window: the first waiting submission is sent to the teacher at once and opens it; later ones are gathered into one digest when it closes.',
    devDefault: '300',
  },
  NOTICE_FANOUT_BATCH_SIZE: {
    schema: int(10, 10_000),
    description: 'Students resolved, recipients inserted and messages enqueued per batch of a notice fan-out.',
    devDefault: '500',
  },
  NOTICE_REMIND_INTERVAL_S: {
    schema: int(1, 604_800),
    description: 'The author of a notice may remind the unread at most once per this many seconds.',
    devDefault: '3600',
  },
  SMS_RESEND_INTERVAL_S: {
    schema: int(1, 3600),
    description: 'Seconds before another SMS code may be sent to the same phone.',
    devDefault: '60',
  },
  SMS_PER_IP_PER_HOUR: {
    schema: int(1, 100_000),
    description: 'SMS codes one client IP may request per hour (raise it for schools behind one NAT).',
    devDefault: '20',
  },
  CONSOLE_DIST_DIR: {
    schema: z.string().min(1),
    description: 'Directory of the console build (console/dist) served at /console.',
    devDefault: 'console/dist',
  },
  CONSOLE_SESSION_IDLE_MINUTES: {
    schema: int(1, 24 * 60),
    description: 'A console session (school admin, operator) ends after this many minutes without a request.',
    devDefault: '30',
  },
  CONSOLE_SESSION_MAX_HOURS: {
    schema: int(1, 72),
    description: 'A console session ends this many hours after its sign-in, however busy.',
    devDefault: '8',
  },
  SUPPORT_HOTLINE: { schema: z.string().min(1), description: 'Customer-service hotline shown on 我的.', devDefault: '400 028 8881' },
  SUPPORT_EMAIL: { schema: z.string().min(1), description: 'Customer-service e-mail shown on 我的.', devDefault: 'service@jiaoyucard.com' },
  SUPPORT_QQ: { schema: z.string().min(1), description: 'Customer-service QQ shown on 我的.', devDefault: '400 028 8881' },
} satisfies Record<string, VariableSpec>;

type Variables = typeof VARIABLES;
export type VariableName = keyof Variables;

export type Config = {
  [K in VariableName]: Variables[K]['schema'] extends z.ZodType<infer T> ? T : never;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parse the environment into a typed Config; throws ConfigError naming every problem at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const problems: string[] = [];
  const missingSecrets: string[] = [];
  const out: Record<string, unknown> = {};

  for (const [name, spec] of Object.entries(VARIABLES) as [VariableName, VariableSpec][]) {
    const raw = env[name] === '' && spec.devDefault === undefined ? undefined : env[name];
    if (production && spec.secret && (raw === undefined || raw === '' || raw === spec.devDefault)) {
      missingSecrets.push(name);
      continue;
    }
    const value = raw ?? spec.devDefault ?? spec.defaultFrom?.(env);
    const parsed = spec.schema.safeParse(value);
    if (parsed.success) out[name] = parsed.data;
    else problems.push(`${name}: ${parsed.error.issues[0]?.message ?? 'invalid'} (${spec.description})`);
  }
  if (missingSecrets.length > 0) {
    problems.unshift(
      `NODE_ENV=production requires these secrets to be set (development defaults are refused): ${missingSecrets.join(', ')}`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const config = out as Config;
  if (production) {
    const refused = productionProblems(config);
    if (!config.WECHATPAY_PLATFORM_CERTS && !config.WECHATPAY_PUBLIC_KEYS) {
      refused.push('NODE_ENV=production requires WECHATPAY_PUBLIC_KEYS or WECHATPAY_PLATFORM_CERTS (or both, while migrating)');
    }
    if (refused.length > 0) throw new ConfigError(refused);
  }
  const keyIds = parseKeyRing(config.PII_ENCRYPTION_KEYS).map((k) => k.id);
  if (!keyIds.includes(config.PII_CURRENT_KEY_ID)) {
    throw new ConfigError([`PII_CURRENT_KEY_ID: "${config.PII_CURRENT_KEY_ID}" is not one of PII_ENCRYPTION_KEYS (${keyIds.join(', ')})`]);
  }
  return Object.freeze(config);
}

/** `id:base64,id:base64` → key entries; throws ConfigError on a malformed entry or a key of the wrong size. */
export function parseKeyRing(value: string): { id: string; key: Uint8Array }[] {
  return value.split(',').map((entry) => {
    const [id, b64] = entry.trim().split(':');
    const key = b64 ? Uint8Array.from(Buffer.from(b64, 'base64')) : new Uint8Array();
    if (!id || key.length !== 32) {
      throw new ConfigError([`PII_ENCRYPTION_KEYS: entry "${id ?? ''}" must be keyId:base64 of exactly 32 bytes`]);
    }
    return { id, key };
  });
}

let cached: Config | undefined;

/** The process-wide configuration, parsed on first use. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
