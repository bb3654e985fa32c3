/**
 * The messaging runtime of one process, built by createContext (server/context.ts)
 * and closed by closeContext: the WeChat transport (tokens shared through Redis,
 * reused for a second), the send pipeline (send slots, the cross-process rate
 * limiter, claims in waves) and the delivery recorder (group-committed delivery
 * rows). Building connects nothing: the first send does. Tests pass parts of it
 * to createContext (`overrides.messaging`).
 */
import { messagingWechatApi } from './channels';
import type { WechatApi } from '../../integrations/wechat';
import { DeliveryRecorder } from './delivery-rows';
import type { MessagingDeps } from './messaging-deps';
import { createSendPipeline, type SendPipeline } from './send-pipeline';

export interface MessagingRuntime {
  wechatApi: WechatApi;
  sendPipeline: Pick<SendPipeline, 'send'>;
  recorder: Pick<DeliveryRecorder, 'record' | 'drain'>;
  /** Wait for the delivery records still being written (closeContext, before the database closes). */
  close(): Promise<void>;
}

/** The dependencies and the runtime: what delivering a message needs. */
export type MessagingContext = MessagingDeps & { messaging: MessagingRuntime };

export function createMessagingRuntime(deps: MessagingDeps, overrides: Partial<MessagingRuntime> = {}): MessagingRuntime {
  const recorder = overrides.recorder ?? new DeliveryRecorder(deps);
  return {
    wechatApi: overrides.wechatApi ?? messagingWechatApi(deps),
    sendPipeline: overrides.sendPipeline ?? createSendPipeline(deps),
    recorder,
    close: overrides.close ?? (() => recorder.drain()),
  };
}
