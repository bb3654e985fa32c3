/**
 * The family's rights over its data (PIPL arts. 44–47): a copy of what we hold
 * (GET /api/me/data-export), consent withdrawal and deletion by cancelling
 * the account (注销账号, POST /api/me/cancellation), which the WeChat platform
 * requires of every mini-program with registration.
 */
import { z } from 'zod';
import { errorMessage } from '../errors';
import { smsCodeSchema } from './auth';

/** Reasons a family may give (optional, for the operator's statistics only). */
export const CANCELLATION_REASONS = ['no_longer_needed', 'student_left', 'privacy', 'duplicate_account', 'other'] as const;
export const CANCELLATION_REASON_LABELS: Readonly<Record<(typeof CANCELLATION_REASONS)[number], string>> = {
  no_longer_needed: '不再需要使用',
  student_left: '学生已毕业或转学',
  privacy: '担心个人信息安全',
  duplicate_account: '有重复账号',
  other: '其他原因',
};

// POST /api/me/cancellation/code: a code (purpose cancel_account) to the bound phone.
// POST /api/me/cancellation: password + that code.
export const CancelAccountRequestSchema = z.strictObject({
  // The current password is checked, not judged (as in the password change).
  password: z.string().min(1, errorMessage('REQUIRED')).max(64),
  smsCode: smsCodeSchema,
  reason: z.enum(CANCELLATION_REASONS).optional(),
});
export type CancelAccountRequest = z.infer<typeof CancelAccountRequestSchema>;

export const CancelAccountResponseSchema = z.object({
  /** erased: done now; scheduled: erased at eraseAfter unless the owner signs in again before. */
  state: z.enum(['erased', 'scheduled']),
  eraseAfter: z.string().nullable(),
  /** Cards revoked by the cancellation. */
  cardsRevoked: z.number().int(),
});
export type CancelAccountResponse = z.infer<typeof CancelAccountResponseSchema>;

const MaskedGuardian = z.object({
  name: z.string(),
  relationLabel: z.string(),
  residentIdMasked: z.string(),
  phoneMasked: z.string(),
  address: z.string().nullable(),
});

/** A copy of the family's data: everything we hold about it, ID numbers and phones masked (a full copy is one request to the operator away). */
export const DataExportSchema = z.object({
  generatedAt: z.string(),
  notice: z.string(),
  account: z.object({
    id: z.uuid(),
    role: z.string(),
    username: z.string().nullable(),
    phoneMasked: z.string().nullable(),
    wechatBound: z.boolean(),
    createdAt: z.string(),
  }),
  agreements: z.array(z.object({ document: z.string(), version: z.string(), agreedAt: z.string(), channel: z.string().nullable() })),
  students: z.array(
    z.object({
      id: z.uuid(),
      status: z.string(),
      statusLabel: z.string(),
      cardNumber: z.string().nullable(),
      cardStatus: z.string(),
      profile: z
        .object({
          name: z.string(),
          residentIdMasked: z.string(),
          phoneMasked: z.string().nullable(),
          emailMasked: z.string().nullable(),
          schoolName: z.string().nullable(),
          gradeLabel: z.string().nullable(),
          className: z.string().nullable(),
          guardians: z.array(MaskedGuardian),
        })
        .nullable(),
      submissions: z.array(z.object({ version: z.number().int(), status: z.string(), submittedAt: z.string(), reason: z.string().nullable() })),
      consents: z.array(z.object({ policyVersion: z.string(), agreedAt: z.string(), guardianIndex: z.number().int() })),
      commCard: z.object({ phoneMasked: z.string(), boundAt: z.string() }).nullable(),
      orders: z.array(z.object({ outTradeNo: z.string(), description: z.string(), amountFen: z.number().int(), status: z.string(), createdAt: z.string() })),
    }),
  ),
  notices: z.array(z.object({ title: z.string(), type: z.string(), receivedAt: z.string(), readAt: z.string().nullable(), confirmedAt: z.string().nullable() })),
  messages: z.array(z.object({ kind: z.string(), createdAt: z.string() })),
  signIns: z.array(z.object({ channel: z.string(), createdAt: z.string(), ipMasked: z.string().nullable() })),
  activity: z.array(z.object({ action: z.string(), at: z.string() })),
});
export type DataExport = z.infer<typeof DataExportSchema>;
