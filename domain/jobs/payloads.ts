/**
 * Job payload contracts: what the outbox and the queues carry. Ids only, never
 * personal data or secrets (job data sits in Redis in plaintext).
 */
import { z } from 'zod';

export const QUEUE_NAMES = {
  registryMatch: 'registry-match',
  sweeper: 'sweeper',
  semesterReset: 'semester-reset',
  reminders: 'reminders',
  cleanup: 'cleanup',
  paymentReconcile: 'payment-reconcile',
  notifications: 'notifications',
  noticesFanout: 'notices-fanout',
  digests: 'digests',
  guardianRecheck: 'guardian-recheck',
  consoleStats: 'console-stats',
  registryImport: 'registry-import',
  wechatShipping: 'wechat-shipping',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** registry-match: compare one submitted profile version with the registry (学籍库). */
export const RegistryMatchJobSchema = z.object({ profileVersionId: z.uuid() });
export type RegistryMatchJob = z.infer<typeof RegistryMatchJobSchema>;

/** sweeper (scheduled every minute): re-enqueue profile versions whose registry-match job was lost. No data. */
export const SweeperJobSchema = z.object({});
export type SweeperJob = z.infer<typeof SweeperJobSchema>;

/** semester-reset: move the approved students to reconfirm_required for one semester (written by `npm run semester:open`). */
export const SemesterResetJobSchema = z.object({ semesterId: z.uuid() });
export type SemesterResetJob = z.infer<typeof SemesterResetJobSchema>;

/** reminders (scheduled daily): reconfirmation reminders 3 days and 1 day before the semester's deadline. No data. */
export const RemindersJobSchema = z.object({});
export type RemindersJob = z.infer<typeof RemindersJobSchema>;

/** cleanup (scheduled daily): delete expired sessions and old SMS challenges. No data. */
export const CleanupJobSchema = z.object({});
export type CleanupJob = z.infer<typeof CleanupJobSchema>;

/** payment-reconcile (scheduled every minute): query unpaid orders and pending refunds at WeChat Pay, close expired orders. No data. */
export const PaymentReconcileJobSchema = z.object({});
export type PaymentReconcileJob = z.infer<typeof PaymentReconcileJobSchema>;

/** deliver-notification (notifications queue): deliver one notification row over WeChat (template / subscribe) or SMS. */
export const NotificationJobSchema = z.object({ notificationId: z.uuid() });
export type NotificationJob = z.infer<typeof NotificationJobSchema>;

/** Most notification rows one batch job carries. */
export const MAX_NOTIFICATION_BATCH = 1000;

/**
 * deliver-notifications (notifications queue): deliver many notification rows
 * in one job (the notice fan-out); a row that must wait (45009, WeChat
 * unavailable, a claim held elsewhere) is handed on to a deliver-notification
 * job of its own.
 */
export const NotificationBatchJobSchema = z.object({ notificationIds: z.array(z.uuid()).min(1).max(MAX_NOTIFICATION_BATCH) });
export type NotificationBatchJob = z.infer<typeof NotificationBatchJobSchema>;

/** What the notifications queue carries: one row or a batch of rows, told apart by the job name. */
export type NotificationsQueueJob = NotificationJob | NotificationBatchJob;

/**
 * notices-fanout: resolve the recipients of a notice and enqueue their
 * messages (written by POST /api/notices); with reminderId, remind its unread
 * recipients (POST /api/notices/:id/remind).
 */
export const NoticeFanoutJobSchema = z.object({ noticeId: z.uuid(), reminderId: z.number().int().positive().optional() });
export type NoticeFanoutJob = z.infer<typeof NoticeFanoutJobSchema>;

/**
 * review-digest (digests queue): when a teacher's digest window closes, send
 * one review.digest of the review.waiting rows gathered into it (the first of
 * the window was sent at once). Made available at the window's end.
 */
export const ReviewDigestJobSchema = z.object({ teacherId: z.uuid(), windowId: z.uuid() });
export type ReviewDigestJob = z.infer<typeof ReviewDigestJobSchema>;

/**
 * guardian-recheck: after a registry import with guardian phones (written by the import), check the approvals
 * that carry no guardian evidence against the registry: a guardian phone equal to the account's phone becomes
 * their evidence, other phones send the student to the head teacher (the card stays valid meanwhile).
 */
export const GuardianRecheckJobSchema = z.object({ batchId: z.uuid() });
export type GuardianRecheckJob = z.infer<typeof GuardianRecheckJobSchema>;

/**
 * console-stats: recompute the console's funnel of these classes (and their
 * schools). Written by the students triggers of migration console_stats_triggers
 * in the transaction of any statement that changes a student's status or class.
 */
export const ConsoleStatsJobSchema = z.object({ classIds: z.array(z.uuid()).min(1) });
export type ConsoleStatsJob = z.infer<typeof ConsoleStatsJobSchema>;

/** registry-import: import a registry file uploaded in the console (registry_imports row; the file is in storage). */
export const RegistryImportJobSchema = z.object({ importId: z.uuid() });
export type RegistryImportJob = z.infer<typeof RegistryImportJobSchema>;

/** wechat-shipping: upload one shipped communication-card order to WeChat's 发货信息管理 (once; a re-delivery changes nothing). */
export const WechatShippingJobSchema = z.object({ orderId: z.uuid() });
export type WechatShippingJob = z.infer<typeof WechatShippingJobSchema>;

export interface JobPayloads {
  'registry-match': RegistryMatchJob;
  sweeper: SweeperJob;
  'semester-reset': SemesterResetJob;
  reminders: RemindersJob;
  cleanup: CleanupJob;
  'payment-reconcile': PaymentReconcileJob;
  notifications: NotificationsQueueJob;
  'notices-fanout': NoticeFanoutJob;
  digests: ReviewDigestJob;
  'guardian-recheck': GuardianRecheckJob;
  'console-stats': ConsoleStatsJob;
  'registry-import': RegistryImportJob;
  'wechat-shipping': WechatShippingJob;
}

/**
 * Every job written through the outbox, by name: its queue and its payload. A
 * queue carrying one kind of job names it like itself; the notifications queue
 * carries two, each with its own name (workers dispatch on the name, never on
 * the payload's shape).
 */
export const OUTBOX_JOBS = {
  'registry-match': { queue: QUEUE_NAMES.registryMatch, schema: RegistryMatchJobSchema },
  'semester-reset': { queue: QUEUE_NAMES.semesterReset, schema: SemesterResetJobSchema },
  'notices-fanout': { queue: QUEUE_NAMES.noticesFanout, schema: NoticeFanoutJobSchema },
  'guardian-recheck': { queue: QUEUE_NAMES.guardianRecheck, schema: GuardianRecheckJobSchema },
  'console-stats': { queue: QUEUE_NAMES.consoleStats, schema: ConsoleStatsJobSchema },
  'wechat-shipping': { queue: QUEUE_NAMES.wechatShipping, schema: WechatShippingJobSchema },
  'deliver-notification': { queue: QUEUE_NAMES.notifications, schema: NotificationJobSchema },
  'deliver-notifications': { queue: QUEUE_NAMES.notifications, schema: NotificationBatchJobSchema },
  'review-digest': { queue: QUEUE_NAMES.digests, schema: ReviewDigestJobSchema },
  'registry-import': { queue: QUEUE_NAMES.registryImport, schema: RegistryImportJobSchema },
} as const;

export type OutboxJobName = keyof typeof OUTBOX_JOBS;
export type OutboxJobPayload<J extends OutboxJobName> = z.infer<(typeof OUTBOX_JOBS)[J]['schema']>;
