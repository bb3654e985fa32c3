/**
 * The WeChat Pay side of one process, built by createContext (ctx.payments):
 * the clock, the product list and the notify_url at once; the keys and the API
 * gateway on first use (`load()`), because outside production the development
 * keys live in Redis and nothing at start-up may wait for Redis. A failed load
 * (Redis down) is not kept: the next call tries again.
 */
import type { CommCardProductConfig, Config } from '../../../config';
import { AppError } from '../../../domain/errors';
import { createWechatPayGateway, type WechatPayGateway } from '../../integrations/wechatpay/wechatpay-client';
import { loadWechatPayKeys, type WechatPayKeyConfig, type WechatPayKeys } from '../../integrations/wechatpay/wechatpay-keys';
import type { Redis } from '../../redis';

export interface PaymentsRuntime {
  keys: WechatPayKeys;
  gateway: WechatPayGateway;
  /** Milliseconds clock. */
  now: () => number;
  products: readonly CommCardProductConfig[];
  notifyUrl: string;
}

export interface Payments {
  now: () => number;
  products: readonly CommCardProductConfig[];
  notifyUrl: string;
  /** The keys and the gateway with the rest; 503 PAYMENT_UNAVAILABLE while they cannot be loaded. */
  load(): Promise<PaymentsRuntime>;
}

export interface PaymentsOptions {
  /** Milliseconds clock (default Date.now); tests pass one they move. */
  now?: () => number;
}

export type PaymentsConfig = WechatPayKeyConfig &
  Pick<Config, 'PUBLIC_BASE_URL' | 'WECHATPAY_API_BASE' | 'WECHATPAY_TIMEOUT_MS' | 'COMM_CARD_PRODUCTS'>;

/** The notify_url WeChat Pay calls: PUBLIC_BASE_URL + /api/payments/wechatpay/notify (no query). */
export function notifyUrlOf(config: Pick<Config, 'PUBLIC_BASE_URL'>): string {
  return new URL('/api/payments/wechatpay/notify', config.PUBLIC_BASE_URL).toString();
}

export function createPayments(config: PaymentsConfig, redis: Redis, options: PaymentsOptions = {}): Payments {
  const base = { now: options.now ?? Date.now, products: config.COMM_CARD_PRODUCTS, notifyUrl: notifyUrlOf(config) };
  let loading: Promise<PaymentsRuntime> | undefined;
  const build = async (): Promise<PaymentsRuntime> => {
    const keys = await loadWechatPayKeys(config, redis);
    return { ...base, keys, gateway: createWechatPayGateway(keys, { baseURL: config.WECHATPAY_API_BASE, timeoutMs: config.WECHATPAY_TIMEOUT_MS }) };
  };
  return {
    ...base,
    async load() {
      if (!loading) {
        loading = build();
        loading.catch(() => (loading = undefined));
      }
      try {
        return await loading;
      } catch (err) {
        throw new AppError('PAYMENT_UNAVAILABLE', { cause: err });
      }
    },
  };
}
