/**
 * The account as every client shows it: its roles (with their labels) and the
 * signed-in account's view. Kept apart from auth.ts, whose request schemas carry
 * the password rules and their list of common passwords, so that what every
 * page needs (the mini-program's tab pages: its main package) stays small.
 */
import { z } from 'zod';

/** Roles of an account. parent and student are the two family identities (家长 / 学生). */
export const ACCOUNT_ROLES = ['parent', 'student', 'teacher', 'school_admin', 'operator'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

export const FAMILY_ROLES = ['parent', 'student'] as const;
export type FamilyRole = (typeof FAMILY_ROLES)[number];

export const ACCOUNT_ROLE_LABELS: Readonly<Record<AccountRole, string>> = {
  parent: '家长',
  student: '学生',
  teacher: '教师',
  school_admin: '学校管理员',
  operator: '教育卡管理中心',
};

/** The signed-in account as the client sees it: masked contact data only. */
export const AccountViewSchema = z.object({
  id: z.uuid(),
  role: z.enum(ACCOUNT_ROLES),
  username: z.string().nullable(),
  displayName: z.string().nullable(),
  /** 138****5678 */
  phoneMasked: z.string().nullable(),
  wechatBound: z.boolean(),
  schoolId: z.uuid().nullable(),
});
export type AccountView = z.infer<typeof AccountViewSchema>;

export const SessionResponseSchema = z.object({
  /** Opaque bearer token: send as `Authorization: Bearer <token>`. */
  token: z.string(),
  expiresAt: z.string(),
  account: AccountViewSchema,
});
export type SessionResponse = z.infer<typeof SessionResponseSchema>;
