/**
 * The recurring jobs, registered with BullMQ job schedulers
 * (`upsertJobScheduler`: creating or updating a scheduler by id is idempotent,
 * so every process start re-runs it safely, and several processes starting at
 * once end with one scheduler each).
 *
 * | scheduler | queue | when |
 * |---|---|---|
 * | sweeper | sweeper | every minute |
 * | reminders-daily | reminders | 09:00 Asia/Shanghai (families read messages in the morning) |
 * | cleanup-daily | cleanup | 03:30 Asia/Shanghai (quiet hours) |
 * | payment-reconcile | payment-reconcile | every minute (unpaid orders, pending refunds: jobs/payment-reconcile) |
 *
 * The jobs carry no data; each run works out what to do from the database.
 */
import type { RepeatOptions } from 'bullmq';
import type { JobSchedulerTemplateOptions } from 'bullmq';
import { QUEUE_NAMES, type QueueName } from '../../domain/jobs/payloads';
import type { Queues } from '../../server/queues/queues';

export interface JobSchedule {
  id: string;
  queue: Extract<QueueName, 'sweeper' | 'reminders' | 'cleanup' | 'payment-reconcile'>;
  repeat: Omit<RepeatOptions, 'key'>;
  opts: JobSchedulerTemplateOptions;
}

export const JOB_SCHEDULES: readonly JobSchedule[] = [
  {
    id: 'sweeper',
    queue: QUEUE_NAMES.sweeper,
    repeat: { every: 60_000 },
    // The next run is a minute away: no retries; keep a short history (1,440 runs a day).
    opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 500 } },
  },
  {
    id: 'reminders-daily',
    queue: QUEUE_NAMES.reminders,
    repeat: { pattern: '0 9 * * *', tz: 'Asia/Shanghai' },
    opts: { attempts: 5, backoff: { type: 'exponential', delay: 60_000 }, removeOnComplete: { count: 60 }, removeOnFail: { count: 60 } },
  },
  {
    id: 'cleanup-daily',
    queue: QUEUE_NAMES.cleanup,
    repeat: { pattern: '30 3 * * *', tz: 'Asia/Shanghai' },
    opts: { attempts: 5, backoff: { type: 'exponential', delay: 60_000 }, removeOnComplete: { count: 60 }, removeOnFail: { count: 60 } },
  },
  {
    id: 'payment-reconcile',
    queue: QUEUE_NAMES.paymentReconcile,
    repeat: { every: 60_000 },
    // Like the sweeper: the next run is a minute away, so no retries.
    opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 500 } },
  },
];

/** Create or update every scheduler of JOB_SCHEDULES (idempotent). */
export async function upsertJobSchedulers(queues: Queues, schedules: readonly JobSchedule[] = JOB_SCHEDULES): Promise<void> {
  for (const schedule of schedules) {
    await queues[schedule.queue].upsertJobScheduler(schedule.id, schedule.repeat, {
      name: schedule.id,
      data: {},
      opts: schedule.opts,
    });
  }
}
