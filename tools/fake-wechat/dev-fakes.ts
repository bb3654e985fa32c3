/**
 * The fakes `npm start` runs in development: the fake WeChat
 * server on FAKE_WECHAT_PORT and, when SMS_PROVIDER=tencent points at a local
 * http://sms.localhost:<port> endpoint, the fake Tencent Cloud SMS API.
 * (With SMS_PROVIDER=dev no SMS fake is needed: messages go to the dev inbox.)
 */
import type { Config } from '../../config';
import { parseSmsEndpoint } from '../../server/integrations/sms/tencent-sms-sender';
import { startFakeTencentSms, type FakeTencentSms } from '../fake-tencent-sms/fake-tencent-sms-server';
import { startFakeWechat, type FakeWechat } from './fake-wechat-server';

type DevFakesConfig = Pick<
  Config,
  | 'NODE_ENV'
  | 'WECHAT_API_BASE'
  | 'WECHAT_MP_APPID'
  | 'WECHAT_MP_SECRET'
  | 'WECHAT_OA_APPID'
  | 'WECHAT_OA_SECRET'
  | 'WECHAT_OA_PUSH_TOKEN'
  | 'PORT'
  | 'FAKE_WECHAT_PORT'
  | 'SMS_PROVIDER'
  | 'TENCENT_SMS_ENDPOINT'
  | 'TENCENT_SECRET_ID'
  | 'TENCENT_SECRET_KEY'
  | 'TENCENT_SMS_SDK_APP_ID'
>;

export interface DevFakes {
  /** Started here (undefined when disabled or when one was already running). */
  wechat?: FakeWechat;
  sms?: FakeTencentSms;
  /** URL of the fake WeChat server in use, whoever started it. */
  wechatUrl?: string;
  smsUrl?: string;
  /** Notes for the start-up log, e.g. a fake already running on the port. */
  notes: string[];
  close(): Promise<void>;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export async function startDevFakes(config: DevFakesConfig): Promise<DevFakes> {
  if (config.NODE_ENV === 'production') throw new Error('startDevFakes: the fake WeChat and SMS servers never run in production');
  const notes: string[] = [];
  const result: DevFakes = { notes, close: async () => undefined };

  if (config.FAKE_WECHAT_PORT !== 0) {
    const base = new URL(config.WECHAT_API_BASE);
    if (!LOCAL_HOSTS.has(base.hostname) || Number(base.port) !== config.FAKE_WECHAT_PORT) {
      notes.push(`WECHAT_API_BASE (${config.WECHAT_API_BASE}) does not point at the fake WeChat server on port ${config.FAKE_WECHAT_PORT}`);
    }
    const started = await startOrReuse('fake-wechat', config.FAKE_WECHAT_PORT, () =>
      startFakeWechat({
        port: config.FAKE_WECHAT_PORT,
        appSecrets: { [config.WECHAT_MP_APPID]: config.WECHAT_MP_SECRET, [config.WECHAT_OA_APPID]: config.WECHAT_OA_SECRET },
        // Template message results go to this process's event endpoint, as WeChat pushes them to the configured URL.
        oaPush: { url: `http://127.0.0.1:${config.PORT}/api/wechat/oa/events`, token: config.WECHAT_OA_PUSH_TOKEN },
      }),
    );
    if (started) result.wechat = started;
    else notes.push(`a fake WeChat server is already running on port ${config.FAKE_WECHAT_PORT}: using it`);
    result.wechatUrl = started?.url ?? `http://127.0.0.1:${config.FAKE_WECHAT_PORT}`;
  }

  if (config.SMS_PROVIDER === 'tencent') {
    const { protocol, hostname, endpoint } = parseSmsEndpoint(config.TENCENT_SMS_ENDPOINT);
    const port = Number(new URL(`${protocol}${endpoint}`).port);
    if (protocol === 'http://' && hostname.endsWith('.localhost') && port > 0) {
      const started = await startOrReuse('fake-tencent-sms', port, () =>
        startFakeTencentSms({
          port,
          credentials: { [config.TENCENT_SECRET_ID]: config.TENCENT_SECRET_KEY },
          sdkAppIds: [config.TENCENT_SMS_SDK_APP_ID],
        }),
      );
      if (started) result.sms = started;
      else notes.push(`a fake Tencent SMS server is already running on port ${port}: using it`);
      result.smsUrl = `http://${hostname}:${port}`;
    }
  }

  result.close = async () => {
    await Promise.all([result.wechat?.close(), result.sms?.close()]);
  };
  return result;
}

/** Start a fake, or return undefined when the same fake already answers on the port (another `npm start`, the CLI). */
async function startOrReuse<T>(service: string, port: number, start: () => Promise<T>): Promise<T | undefined> {
  try {
    return await start();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    const health = await fetch(`http://127.0.0.1:${port}/__fake/health`, { signal: AbortSignal.timeout(1_000) })
      .then((res) => res.json() as Promise<{ service?: string }>)
      .catch(() => undefined);
    if (health?.service === service) return undefined;
    throw new Error(`port ${port} is in use by something other than ${service}: stop it or choose another port`, { cause: err });
  }
}
