/**
 * The payment-reconcile worker: its job scheduler (every minute,
 * jobs/schedules/schedulers.ts) runs the reconciliation of
 * server/services/payments/reconcile.ts — query unpaid orders older than
 * PAYMENT_RECONCILE_AFTER_S, apply what WeChat Pay says through the single
 * state path, close expired ones, query pending refunds.
 */
import type { Job } from 'bullmq';
import type { PaymentReconcileJob } from '../../domain/jobs/payloads';
import type { AppContext } from '../../server/context';
import { reconcilePayments, type ReconcileReport } from '../../server/services/payments/reconcile';
import { startQueueWorker, type QueueWorker } from '../schedules/queue-worker';

export function paymentReconcileProcessor(ctx: AppContext) {
  return async function processPaymentReconcile(job: Pick<Job<PaymentReconcileJob>, 'id'>): Promise<ReconcileReport> {
    const report = await reconcilePayments(ctx);
    const changed = report.paid + report.closed + report.flagged + report.refundsQueried + report.errors > 0;
    if (changed) ctx.logger.info({ jobId: job.id, ...report }, 'payments reconciled');
    return report;
  };
}

export function startPaymentReconcileWorker(ctx: AppContext): QueueWorker<PaymentReconcileJob, ReconcileReport> {
  return startQueueWorker(ctx, 'payment-reconcile', paymentReconcileProcessor(ctx));
}
