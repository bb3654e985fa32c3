/**
 * The WeChat Pay side of one AppContext, built on first use (the development
 * keys may have to be read from Redis first) and cached for the context's
 * lifetime: the keys, the API gateway, the clock and the product list.
 * Tests install their own clock with installPayments.
 */
import type { CommCardProductConfig } from '../../../config';
import { AppError } from '../../../domain/errors';
import type { AppContext } from '../../context';
import { createWechatPayGateway, type WechatPayGateway } from '../../integrations/wechatpay/wechatpay-client';
import { loadWechatPayKeys, type WechatPayKeys } from '../../integrations/wechatpay/wechatpay-keys';

export interface PaymentsRuntime {
  keys: WechatPayKeys;
  gateway: WechatPayGateway;
  /** Milliseconds clock. */
  now: () => number;
  products: readonly CommCardProductConfig[];
  notifyUrl: string;
}

export interface PaymentsOptions {
  now?: () => number;
}

const options = new WeakMap<AppContext, PaymentsOptions>();
const runtimes = new WeakMap<AppContext, Promise<PaymentsRuntime>>();

/** Set this context's options (tests: a clock they move); call before the first use. */
export function installPayments(app: AppContext, opts: PaymentsOptions = {}): void {
  options.set(app, opts);
  runtimes.delete(app);
}

/** The notify_url WeChat Pay calls: PUBLIC_BASE_URL + /api/payments/wechatpay/notify (no query). */
export function notifyUrlOf(app: Pick<AppContext, 'config'>): string {
  return new URL('/api/payments/wechatpay/notify', app.config.PUBLIC_BASE_URL).toString();
}

async function build(app: AppContext): Promise<PaymentsRuntime> {
  const keys = await loadWechatPayKeys(app.config, app.redis);
  return {
    keys,
    gateway: createWechatPayGateway(keys, { baseURL: app.config.WECHATPAY_API_BASE, timeoutMs: app.config.WECHATPAY_TIMEOUT_MS }),
    now: options.get(app)?.now ?? Date.now,
    products: app.config.COMM_CARD_PRODUCTS,
    notifyUrl: notifyUrlOf(app),
  };
}

export async function payments(app: AppContext): Promise<PaymentsRuntime> {
  let found = runtimes.get(app);
  if (!found) {
    found = build(app);
    runtimes.set(app, found);
    // A failure (Redis down while the development keys load) is not cached: the next call tries again.
    found.catch(() => runtimes.delete(app));
  }
  try {
    return await found;
  } catch (err) {
    throw new AppError('PAYMENT_UNAVAILABLE', { cause: err });
  }
}
