/**
 * The wechat-shipping worker: `{ orderId }` jobs written to the outbox when an
 * operator marks a communication-card order shipped; uploads it to WeChat's
 * 发货信息管理 once (server/services/payments/shipping.ts). WeChat's system
 * errors and outages throw and are retried with the queue's back-off.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import { WechatShippingJobSchema, type WechatShippingJob } from '../../domain/jobs/payloads';
import type { AppContext } from '../../server/context';
import { uploadOrderShipping, type ShippingUploadOutcome } from '../../server/services/payments/shipping';
import { startQueueWorker, type QueueWorker } from '../schedules/queue-worker';

export type WechatShippingWorkerContext = Pick<AppContext, 'db' | 'config' | 'logger' | 'wechat'>;

export function wechatShippingProcessor(ctx: WechatShippingWorkerContext) {
  return async function processWechatShipping(job: Pick<Job<WechatShippingJob>, 'id' | 'data'>): Promise<ShippingUploadOutcome> {
    const parsed = WechatShippingJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid wechat-shipping job data: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return uploadOrderShipping(ctx, parsed.data.orderId);
  };
}

export function startWechatShippingWorker(ctx: WechatShippingWorkerContext): QueueWorker<WechatShippingJob, ShippingUploadOutcome> {
  return startQueueWorker(ctx, 'wechat-shipping', wechatShippingProcessor(ctx), { concurrency: 2 });
}
