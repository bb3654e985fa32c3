/**
 * The PostgreSQL schema (drizzle). Migrations in ./migrations are generated from
 * this file with `npm run db:generate` and committed; never edit a migration that
 * has landed, add a new one.
 *
 * Personal data: resident ID numbers and phone numbers never rest in plaintext.
 * They are stored as `*_cipher` (AES-256-GCM with a key id, see server/crypto/pii.ts)
 * beside an `*_index` (HMAC blind index) for equality look-ups.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  customType,
  date,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

import { ACCOUNT_ROLES } from '../../domain/api/auth';
import { APPROVAL_EVIDENCE } from '../../domain/review/state-machine';

export type { AccountRole } from '../../domain/api/auth';

export const schools = pgTable('schools', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** 学校标识码 (10 digits, national school code). */
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  /**
   * 行政区划 of the school: the city (地级市, 6-digit code such as 510100) and
   * the district or county (区县, such as 510104), from the registry import or
   * set by an operator; the province overview groups by them.
   */
  cityCode: text('city_code'),
  cityName: text('city_name'),
  districtCode: text('district_code'),
  districtName: text('district_name'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [index('schools_region_idx').on(t.cityCode, t.districtCode), index('schools_district_idx').on(t.districtCode)]);

export const accounts = pgTable(
  'accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    role: text('role', { enum: ACCOUNT_ROLES }).notNull(),
    /** As typed by the person; uniqueness is on usernameKey (lower case). */
    username: text('username'),
    usernameKey: text('username_key').unique(),
    passwordHash: text('password_hash'),
    displayName: text('display_name'),
    phoneCipher: text('phone_cipher'),
    phoneIndex: text('phone_index'),
    /** Teachers and school staff: resident ID number from the import (encrypted + blind index). */
    residentIdCipher: text('resident_id_cipher'),
    residentIdIndex: text('resident_id_index'),
    schoolId: uuid('school_id').references(() => schools.id),
    wechatMpOpenid: text('wechat_mp_openid').unique(),
    wechatOaOpenid: text('wechat_oa_openid').unique(),
    wechatUnionid: text('wechat_unionid'),
    /**
     * cancelled: the family cancelled the account (注销) and its personal data
     * was erased; the row stays as a pseudonymous anchor (its id) of the audit
     * entries and payment records the law makes us keep (SECURITY.md).
     */
    status: text('status', { enum: ['active', 'pending_activation', 'disabled', 'cancelled'] })
      .notNull()
      .default('active'),
    /** 注销 asked for (password + SMS code); erased at eraseAfter unless the owner signs in again first (the cool-off). */
    cancelRequestedAt: timestamp('cancel_requested_at', { withTimezone: true }),
    eraseAfter: timestamp('erase_after', { withTimezone: true }),
    /** Set for a generated password (npm run operator:create): the console allows nothing but the password change until it is changed. */
    passwordChangeRequired: boolean('password_change_required').notNull().default(false),
    failedLoginCount: integer('failed_login_count').notNull().default(0),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('accounts_phone_index_idx').on(t.phoneIndex),
    index('accounts_unionid_idx').on(t.wechatUnionid),
    index('accounts_school_idx').on(t.schoolId),
    index('accounts_resident_id_index_idx').on(t.residentIdIndex),
    // The daily erasure of accounts whose cool-off ended.
    index('accounts_erase_after_idx').on(t.eraseAfter).where(sql`erase_after is not null`),
    // The console's staff list (school admins, operators): a few thousand rows among millions of families.
    index('accounts_staff_idx').on(t.role, t.createdAt).where(sql`role in ('school_admin', 'operator')`),
  ],
);

/** Signed-in sessions: only a hash of the opaque token is stored. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id),
    tokenHash: text('token_hash').notNull().unique(),
    /** console: a console session (school admin, operator) opened with the SMS second factor; short and idling out. */
    channel: text('channel', { enum: ['weapp', 'h5', 'console'] }).notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('sessions_account_idx').on(t.accountId)],
);

/** SMS verification codes: only a hash of the code is stored; single use, limited tries. */
export const smsChallenges = pgTable(
  'sms_challenges',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    phoneIndex: text('phone_index').notNull(),
    purpose: text('purpose').notNull(),
    codeHash: text('code_hash').notNull(),
    attempts: integer('attempts').notNull().default(0),
    ip: text('ip'),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
  },
  (t) => [index('sms_challenges_phone_purpose_idx').on(t.phoneIndex, t.purpose, t.createdAt)],
);

/** What a family agreed to (privacy policy, children's data rules), which version, when. */
export const accountAgreements = pgTable(
  'account_agreements',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id),
    document: text('document', { enum: ['privacy_policy', 'children_rules'] }).notNull(),
    version: text('version').notNull(),
    agreedAt: timestamp('agreed_at', { withTimezone: true }).notNull().defaultNow(),
    ip: text('ip'),
    channel: text('channel'),
  },
  (t) => [index('account_agreements_account_idx').on(t.accountId)],
);

/**
 * Official-account users known by unionid (from the account's user API or its
 * events): how a mini-program account is linked to its official-account openid.
 */
export const wechatOaUsers = pgTable('wechat_oa_users', {
  unionid: text('unionid').primaryKey(),
  oaOpenid: text('oa_openid').notNull().unique(),
  subscribed: boolean('subscribed').notNull().default(true),
  updatedAt: updatedAt(),
});

export const classes = pgTable(
  'classes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    schoolId: uuid('school_id')
      .notNull()
      .references(() => schools.id),
    /** Grade code of domain/profile (P1…P6, J1…J3, S1…S3, K1…K3). */
    grade: text('grade').notNull(),
    /** Class name as the registry writes it, e.g. "3班". */
    name: text('name').notNull(),
    headTeacherId: uuid('head_teacher_id').references(() => accounts.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('classes_school_grade_name_uq').on(t.schoolId, t.grade, t.name),
    index('classes_head_teacher_idx').on(t.headTeacherId),
  ],
);

/** The classes a teacher teaches (the head teacher is classes.head_teacher_id). */
export const teacherClasses = pgTable(
  'teacher_classes',
  {
    teacherId: uuid('teacher_id')
      .notNull()
      .references(() => accounts.id),
    classId: uuid('class_id')
      .notNull()
      .references(() => classes.id),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.teacherId, t.classId] }), index('teacher_classes_class_idx').on(t.classId)],
);

export const students = pgTable(
  'students',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The family account (parent or student) that holds this student. */
    familyAccountId: uuid('family_account_id')
      .notNull()
      .references(() => accounts.id),
    classId: uuid('class_id').references(() => classes.id),
    /** Review status of the latest version (domain/review state machine). */
    status: text('status').notNull().default('draft'),
    currentVersionId: uuid('current_version_id'),
    approvedVersionId: uuid('approved_version_id'),
    /** 教育卡号, issued at first approval from card_number_seq; never reused. */
    cardNumber: text('card_number').unique(),
    cardIssuedAt: timestamp('card_issued_at', { withTimezone: true }),
    /**
     * Set when the student leaves; the card then verifies as revoked. A returned
     * key-field change after approval does not revoke it (the approved version stays).
     */
    cardRevokedAt: timestamp('card_revoked_at', { withTimezone: true }),
    /** Why the card was revoked (the family reads it on the card page); null while it is valid. */
    cardRevokedReason: text('card_revoked_reason'),
    /**
     * The card reference sealed into QR tokens (server/services/ecard): random,
     * never shown, replaced when the card is reissued (the old one goes to
     * retired_cards, so its tokens verify as revoked).
     */
    cardRef: uuid('card_ref').notNull().unique().defaultRandom(),
    residentIdIndex: text('resident_id_index'),
    /** The semester whose school information the family last confirmed. */
    reconfirmedSemesterId: uuid('reconfirmed_semester_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('students_family_idx').on(t.familyAccountId),
    index('students_class_status_idx').on(t.classId, t.status),
    index('students_resident_id_index_idx').on(t.residentIdIndex),
    // One resident ID is authenticated under one account at most (a second gets 409 ID_ALREADY_APPROVED).
    uniqueIndex('students_approved_resident_id_uq').on(t.residentIdIndex).where(sql`approved_version_id is not null`),
  ],
);

/**
 * Cards replaced by a reissue: the old card reference and number stay known,
 * so a token of the old card verifies as revoked (not as an unknown card).
 */
export const retiredCards = pgTable(
  'retired_cards',
  {
    cardRef: uuid('card_ref').primaryKey(),
    studentId: uuid('student_id')
      .notNull()
      .references(() => students.id),
    cardNumber: text('card_number').notNull(),
    issuedAt: timestamp('issued_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }).notNull(),
    revokedReason: text('revoked_reason'),
    retiredAt: timestamp('retired_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('retired_cards_student_idx').on(t.studentId)],
);

/** Sequence of education card numbers (教育卡号): numbers are never reused, even after a rollback. */
export const cardNumberSeq = pgSequence('card_number_seq', { startWith: 1, increment: 1 });

/** A family's unsubmitted form, one per student; ID numbers and phones encrypted like a version's. */
export const profileDrafts = pgTable('profile_drafts', {
  studentId: uuid('student_id')
    .primaryKey()
    .references(() => students.id),
  data: jsonb('data').notNull(),
  piiCipher: text('pii_cipher'),
  updatedBy: uuid('updated_by')
    .notNull()
    .references(() => accounts.id),
  updatedAt: updatedAt(),
});

/** Guardian consent to processing a child's data (PIPL art. 31): who, which text version, when, for which version. */
export const guardianConsents = pgTable(
  'guardian_consents',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    studentId: uuid('student_id')
      .notNull()
      .references(() => students.id),
    profileVersionId: uuid('profile_version_id'),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id),
    /** Which guardian of the submission (0 or 1) gave it. */
    guardianIndex: integer('guardian_index').notNull(),
    policyVersion: text('policy_version').notNull(),
    agreedAt: timestamp('agreed_at', { withTimezone: true }).notNull().defaultNow(),
    ip: text('ip'),
  },
  (t) => [index('guardian_consents_student_idx').on(t.studentId)],
);

/** Semesters: opening one asks every approved student's family to reconfirm the school information. */
export const semesters = pgTable('semesters', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** e.g. 2026-2027学年第二学期 */
  name: text('name').notNull().unique(),
  reconfirmDeadline: timestamp('reconfirm_deadline', { withTimezone: true }).notNull(),
  openedAt: timestamp('opened_at', { withTimezone: true }).notNull().defaultNow(),
  openedBy: text('opened_by'),
  /** Set when the reset of approved students to reconfirm_required has run to the end. */
  resetCompletedAt: timestamp('reset_completed_at', { withTimezone: true }),
});

/**
 * What a person should be told (approved, returned, a review is waiting, a
 * reminder). One row per event and recipient (dedup_key makes producers
 * idempotent); the messaging workers deliver it over WeChat or SMS. Data holds
 * no plaintext ID numbers or phones.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id),
    /** e.g. review.approved, review.returned, review.waiting, reconfirm.reminder */
    kind: text('kind').notNull(),
    data: jsonb('data').notNull(),
    /** Mini-program page the message opens, e.g. pages/review/detail?id=… */
    pagePath: text('page_path'),
    dedupKey: text('dedup_key').notNull().unique(),
    createdAt: createdAt(),
    readAt: timestamp('read_at', { withTimezone: true }),
    /**
     * review.waiting only: the teacher's digest window this row was gathered
     * into (review_digest_windows); null for the row that opened a window (sent
     * at once) and for every other kind. Delivery itself is triggered by the
     * outbox row its writer wrote in the same transaction (server/outbox).
     */
    digestWindowId: uuid('digest_window_id'),
    /**
     * The number an SMS of this row goes to when it is not the account's current
     * phone: the OLD phone after a phone change or a manual recovery (account
     * security notices). Encrypted like accounts.phone_cipher.
     */
    smsPhoneCipher: text('sms_phone_cipher'),
  },
  (t) => [
    index('notifications_account_idx').on(t.accountId, t.createdAt),
    index('notifications_digest_window_idx').on(t.digestWindowId).where(sql`digest_window_id is not null`),
    // Retention (jobs/cleanup): rows come in time order, so a BRIN index finds the old ones at a tiny cost.
    index('notifications_created_brin').using('brin', t.createdAt),
  ],
);

/**
 * One row per notification and channel tried (template, subscribe, sms): the
 * send record. A worker claims the row (status sending) before calling the
 * provider and never sends for a row already sent, so a retried or re-delivered
 * job does not send twice; id is the template message's client_msg_id.
 * Status: queued (waiting for a retry, e.g. 45009 or WeChat unavailable) →
 * sending → sent | failed (permanent, errcode kept) | skipped (channel impossible
 * or refused with a fallback errcode: 43004, 43101, 40003; the next channel is tried).
 */
export const messageDeliveries = pgTable(
  'message_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    notificationId: uuid('notification_id')
      .notNull()
      .references(() => notifications.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id),
    channel: text('channel', { enum: ['template', 'subscribe', 'sms'] }).notNull(),
    status: text('status', { enum: ['queued', 'sending', 'sent', 'failed', 'skipped'] }).notNull(),
    templateId: text('template_id'),
    /** Mini-program page the message opens (template miniprogram.pagepath, subscribe page). */
    pagePath: text('page_path'),
    /** The formatted field values as sent (no ID numbers or phones). */
    fields: jsonb('fields'),
    errcode: integer('errcode'),
    errmsg: text('errmsg'),
    /** WeChat msgid of a sent message. */
    providerMessageId: text('provider_message_id'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: createdAt(),
    /** Last change; for status sending, when the claim was taken (stale after the lease). */
    updatedAt: updatedAt(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('message_deliveries_notification_channel_uq').on(t.notificationId, t.channel),
    index('message_deliveries_account_idx').on(t.accountId, t.createdAt),
    // The template message a TEMPLATESENDJOBFINISH push names by its msgid (server/services/messaging/template-result.ts).
    index('message_deliveries_template_msgid_idx').on(t.providerMessageId).where(sql`channel = 'template'`),
    index('message_deliveries_created_brin').using('brin', t.createdAt),
  ],
);

/**
 * One-time subscribe-message grants (wx.requestSubscribeMessage "accept"), per
 * account and template: each accept adds one, each subscribe message sent
 * consumes one; a 43101 answer (refused, cancelled, used up) resets it to 0.
 */
export const subscriptionGrants = pgTable(
  'subscription_grants',
  {
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id),
    templateId: text('template_id').notNull(),
    available: integer('available').notNull().default(0),
    /** accept | reject | ban | filter: the last answer of the popup. */
    lastResult: text('last_result'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.templateId] })],
);

export const profileVersions = pgTable(
  'profile_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    studentId: uuid('student_id')
      .notNull()
      .references(() => students.id),
    version: integer('version').notNull(),
    /** Review status of this version (domain/review state machine). */
    status: text('status').notNull(),
    /** The submitted snapshot without ID numbers and phones (names, school, grade, class, relations, address). */
    data: jsonb('data').notNull(),
    /** ID numbers and phones of the snapshot, encrypted as one JSON document. */
    piiCipher: text('pii_cipher').notNull(),
    residentIdIndex: text('resident_id_index').notNull(),
    schoolId: uuid('school_id').references(() => schools.id),
    classId: uuid('class_id').references(() => classes.id),
    grade: text('grade'),
    /** matched | mismatch | not_found | transient_status */
    matchOutcome: text('match_outcome'),
    matchDiff: jsonb('match_diff'),
    matchedRegistryId: uuid('matched_registry_id').references(() => registryRecords.id),
    assignedReviewerId: uuid('assigned_reviewer_id').references(() => accounts.id),
    reviewReason: text('review_reason'),
    reviewedBy: uuid('reviewed_by').references(() => accounts.id),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    submittedBy: uuid('submitted_by')
      .notNull()
      .references(() => accounts.id),
    submittedAt: timestamp('submitted_at', { withTimezone: true }).notNull().defaultNow(),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }).notNull().defaultNow(),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    /**
     * What an approval of this version rested on (domain/review APPROVAL_EVIDENCE):
     * guardian_phone | none_allowed_by_setting | teacher | legacy (approved before the
     * rule). Null for a version never approved.
     */
    approvalEvidence: text('approval_evidence', { enum: APPROVAL_EVIDENCE }),
    /**
     * A 电子档案 edit of contact fields only (phones, e-mail, guardian addresses)
     * after approval: the row copies the approved version's key fields, status
     * and decision and is never matched or reviewed (contact fields never block
     * approval). See server/services/profiles/update-contact.ts.
     */
    contactOnly: boolean('contact_only').notNull().default(false),
  },
  (t) => [
    uniqueIndex('profile_versions_student_version_uq').on(t.studentId, t.version),
    // The review lists: a class's versions in one status, newest first.
    index('profile_versions_class_status_idx').on(t.classId, t.status, t.statusChangedAt),
    index('profile_versions_status_changed_idx').on(t.status, t.statusChangedAt),
    index('profile_versions_reviewer_status_idx').on(t.assignedReviewerId, t.status),
    index('profile_versions_resident_id_index_idx').on(t.residentIdIndex),
    // Foreign keys are checked on every registry row deleted or re-keyed: without it that is a scan per row.
    index('profile_versions_matched_registry_idx').on(t.matchedRegistryId),
  ],
);

export const registryBatches = pgTable('registry_batches', {
  id: uuid('id').primaryKey().defaultRandom(),
  fileName: text('file_name').notNull(),
  fileSha256: text('file_sha256').notNull(),
  rowsTotal: integer('rows_total').notNull().default(0),
  rowsValid: integer('rows_valid').notNull().default(0),
  rowsRejected: integer('rows_rejected').notNull().default(0),
  /** Of the valid rows: new 学籍号, changed rows, rows equal to what was stored. */
  rowsInserted: integer('rows_inserted').notNull().default(0),
  rowsUpdated: integer('rows_updated').notNull().default(0),
  rowsUnchanged: integer('rows_unchanged').notNull().default(0),
  importedBy: text('imported_by'),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
});

/**
 * 学籍库: one row per 学籍号. The 学籍号 itself is personal data (a G-number is
 * "G" + the resident ID), so it is stored encrypted with a blind index, like the ID.
 */
export const registryRecords = pgTable(
  'registry_records',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    studentNumberCipher: text('student_number_cipher').notNull(),
    studentNumberIndex: text('student_number_index').notNull().unique(),
    name: text('name').notNull(),
    residentIdCipher: text('resident_id_cipher').notNull(),
    residentIdIndex: text('resident_id_index').notNull(),
    sex: text('sex', { enum: ['male', 'female'] }),
    birthDate: date('birth_date'),
    schoolCode: text('school_code').notNull(),
    schoolName: text('school_name').notNull(),
    grade: text('grade').notNull(),
    className: text('class_name').notNull(),
    /** 学籍状态 as the registry states it: 在籍, 借读, 休学, 转出 … */
    registryStatus: text('registry_status').notNull(),
    /**
     * HMAC (blind-index key) of every imported field: a re-import compares it and
     * leaves an equal row alone (no write, updated_at kept). Null for rows not
     * written by the import.
     */
    contentHash: text('content_hash'),
    /**
     * The guardians the registry names (监护人1/2: name and phone), encrypted as one JSON
     * document `[{ name, phone }]` (context registry_records.guardians); null when none.
     */
    guardiansCipher: text('guardians_cipher'),
    /** Blind indexes (kind 'phone', as accounts.phone_index) of the guardians' phones: the evidence the match compares. */
    guardianPhoneIndexes: text('guardian_phone_indexes').array().notNull().default(sql`'{}'::text[]`),
    /** The import batch that last inserted or changed the row. */
    batchId: uuid('batch_id').references(() => registryBatches.id),
    updatedAt: updatedAt(),
  },
  (t) => [index('registry_records_resident_id_index_idx').on(t.residentIdIndex)],
);

/**
 * Transactional outbox: written in the same transaction as the change that needs
 * background work; the relay (jobs/outbox-relay) enqueues each row into BullMQ
 * with job id `outbox-<id>` and marks it dispatched. The only way jobs are made
 * (besides the recurring schedulers).
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** Queue name, e.g. "registry-match". */
    queue: text('queue').notNull(),
    /**
     * Job name (server/outbox/jobs.ts) where the queue carries more than one kind of job
     * (notifications: one row or a batch); null: the job is named like its queue.
     */
    job: text('job'),
    /** Ids only: never personal data or secrets. */
    payload: jsonb('payload').notNull(),
    createdAt: createdAt(),
    availableAt: timestamp('available_at', { withTimezone: true }).notNull().defaultNow(),
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [
    index('outbox_pending_idx').on(t.availableAt, t.id).where(sql`dispatched_at is null`),
    // The sweeper's look-up "does this profile version already have a registry-match row?" (server/services/registry-matching/sweeper.ts).
    index('outbox_registry_match_version_idx')
      .on(sql`(${t.payload}->>'profileVersionId')`, t.createdAt)
      .where(sql`queue = 'registry-match'`),
    index('outbox_created_brin').using('brin', t.createdAt),
  ],
);

/** Who saw or changed what, when, from where. Append-only. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorAccountId: uuid('actor_account_id'),
    actorRole: text('actor_role'),
    /** e.g. profile.reveal_resident_id, review.approve, account.login_failed */
    action: text('action').notNull(),
    subjectType: text('subject_type'),
    subjectId: text('subject_id'),
    ip: text('ip'),
    requestId: text('request_id'),
    detail: jsonb('detail'),
    /** Whether the action succeeded (false for refused attempts worth auditing). */
    success: boolean('success').notNull().default(true),
    /**
     * The hash chain (server/services/audit/audit-chain.ts): the position in the
     * chain, the previous entry's hash and this entry's hash over its content and
     * that previous hash. Set by the single chain writer shortly after commit,
     * null until then.
     */
    chainSeq: bigint('chain_seq', { mode: 'number' }).unique(),
    prevHash: text('prev_hash'),
    hash: text('hash'),
    /** Digest of the personal part (ip, detail) the hash covers; kept when the erasure clears that part. */
    personalHash: text('personal_hash'),
    /** Set by the erasure of the actor's account (注销) when it cleared ip and detail. */
    personalErasedAt: timestamp('personal_erased_at', { withTimezone: true }),
  },
  (t) => [
    index('audit_log_subject_idx').on(t.subjectType, t.subjectId, t.at),
    index('audit_log_actor_idx').on(t.actorAccountId, t.at),
    index('audit_log_action_idx').on(t.action, t.at),
    index('audit_log_at_idx').on(t.at),
    index('audit_log_unchained_idx').on(t.id).where(sql`chain_seq is null`),
  ],
);

/**
 * 通讯卡: the communication card a family already holds, bound to a student's
 * card: its printed card number (ICCID) and its mobile number, verified by an
 * SMS code of purpose bind_phone sent to that number. One binding per student;
 * re-binding replaces it, unbinding deletes it; one card is bound to one
 * student at most. Both values are encrypted with blind indexes.
 */
export const commCardBindings = pgTable(
  'comm_card_bindings',
  {
    studentId: uuid('student_id')
      .primaryKey()
      .references(() => students.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id),
    phoneCipher: text('phone_cipher').notNull(),
    phoneIndex: text('phone_index').notNull(),
    /** Null for bindings made before cards were bound by their number. */
    cardNumberCipher: text('card_number_cipher'),
    cardNumberIndex: text('card_number_index'),
    boundAt: timestamp('bound_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('comm_card_bindings_phone_index_idx').on(t.phoneIndex), uniqueIndex('comm_card_bindings_card_number_uq').on(t.cardNumberIndex)],
);

/**
 * Orders of a companion communication card, paid with WeChat Pay (JSAPI).
 * Status: created → paying (prepay issued) → paid | closed; paid → refunding →
 * refunded; any → flagged (a notification or query that disagrees with the
 * order, e.g. a wrong amount: an operator decides). Only
 * server/services/payments/order-state.ts changes it, under a row lock.
 */
export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Ours, sent to WeChat Pay: 'EC' + yyyymmdd (China) + 16 base32 characters. */
    outTradeNo: text('out_trade_no').notNull().unique(),
    studentId: uuid('student_id')
      .notNull()
      .references(() => students.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id),
    productId: text('product_id').notNull(),
    description: text('description').notNull(),
    amountFen: integer('amount_fen').notNull(),
    currency: text('currency').notNull().default('CNY'),
    status: text('status', { enum: ['created', 'paying', 'paid', 'closed', 'refunding', 'refunded', 'flagged'] })
      .notNull()
      .default('created'),
    /** The payer's mini-program openid at ordering (WeChat Pay needs it for JSAPI). */
    payerOpenid: text('payer_openid').notNull(),
    prepayId: text('prepay_id'),
    transactionId: text('transaction_id'),
    /** WeChat Pay's trade_state as last seen (notification or query). */
    tradeState: text('trade_state'),
    timeExpire: timestamp('time_expire', { withTimezone: true }).notNull(),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    flaggedReason: text('flagged_reason'),
    /**
     * Shipping of the communication card (an operator marks it shipped); the
     * upload to WeChat's 发货信息管理 goes through the outbox and is recorded in
     * shippingUploadedAt once WeChat accepted it.
     */
    shippedAt: timestamp('shipped_at', { withTimezone: true }),
    shippingCarrier: text('shipping_carrier'),
    shippingTrackingNo: text('shipping_tracking_no'),
    shippingUploadedAt: timestamp('shipping_uploaded_at', { withTimezone: true }),
    shippingUploadError: text('shipping_upload_error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('orders_student_idx').on(t.studentId, t.createdAt),
    // The reconciler's scan: unpaid orders by age.
    index('orders_open_idx').on(t.createdAt).where(sql`status in ('created', 'paying')`),
    // The console's payment pages: orders by state, newest first.
    index('orders_status_created_idx').on(t.status, t.createdAt),
    index('orders_account_idx').on(t.accountId, t.createdAt),
  ],
);

/**
 * Every WeChat Pay notification received, verified or not (id = WeChat's
 * notification id when the body had one). raw_resource keeps the encrypted
 * resource as received, never the decrypted transaction (payer data).
 */
export const paymentNotifications = pgTable(
  'payment_notifications',
  {
    id: text('id').primaryKey(),
    eventType: text('event_type'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /** Wechatpay-Serial of the request: the certificate serial or public key id that signed it. */
    serial: text('serial'),
    verified: boolean('verified').notNull().default(false),
    /** applied | duplicate | flagged | rejected | unknown_order | ignored */
    outcome: text('outcome').notNull(),
    outTradeNo: text('out_trade_no'),
    outRefundNo: text('out_refund_no'),
    rawResource: jsonb('raw_resource'),
    error: text('error'),
    /** How many times this notification id arrived. */
    deliveries: integer('deliveries').notNull().default(1),
  },
  (t) => [index('payment_notifications_out_trade_no_idx').on(t.outTradeNo)],
);

/** Refunds of paid orders; out_refund_no is deterministic per order and attempt, so a retry reuses it. */
export const refunds = pgTable(
  'refunds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id),
    outRefundNo: text('out_refund_no').notNull().unique(),
    attempt: integer('attempt').notNull(),
    amountFen: integer('amount_fen').notNull(),
    reason: text('reason'),
    /** requested (sent, answer pending) | processing | success | abnormal | closed */
    status: text('status', { enum: ['requested', 'processing', 'success', 'abnormal', 'closed'] })
      .notNull()
      .default('requested'),
    refundId: text('refund_id'),
    requestedBy: text('requested_by'),
    successAt: timestamp('success_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('refunds_order_attempt_uq').on(t.orderId, t.attempt)],
);

/**
 * 公告作业: a class notice (通知) or homework (作业) written by a teacher for one
 * or more classes. The body is plain text as typed: never rendered as HTML.
 */
export const notices = pgTable(
  'notices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    schoolId: uuid('school_id')
      .notNull()
      .references(() => schools.id),
    authorId: uuid('author_id')
      .notNull()
      .references(() => accounts.id),
    type: text('type', { enum: ['通知', '作业'] }).notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    /** Homework: the day it is due (China calendar date). */
    dueDate: date('due_date'),
    requiresConfirmation: boolean('requires_confirmation').notNull().default(false),
    createdAt: createdAt(),
    /** Set when the fan-out has written every recipient. */
    fanoutCompletedAt: timestamp('fanout_completed_at', { withTimezone: true }),
    /** The author's last edit (within NOTICE_EDIT_WINDOW_HOURS of publishing); families read the edited text. */
    editedAt: timestamp('edited_at', { withTimezone: true }),
    /** Withdrawn by the author (within the same window): gone for families, kept for the author and the school. */
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true }),
  },
  (t) => [index('notices_author_idx').on(t.authorId, t.createdAt)],
);

export const noticeClasses = pgTable(
  'notice_classes',
  {
    noticeId: uuid('notice_id')
      .notNull()
      .references(() => notices.id),
    classId: uuid('class_id')
      .notNull()
      .references(() => classes.id),
  },
  (t) => [primaryKey({ columns: [t.noticeId, t.classId] }), index('notice_classes_class_idx').on(t.classId, t.noticeId)],
);

/** Who a notice reached: one row per notice, family account and student (the fan-out inserts with ON CONFLICT DO NOTHING). */
export const noticeRecipients = pgTable(
  'notice_recipients',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    noticeId: uuid('notice_id')
      .notNull()
      .references(() => notices.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id),
    studentId: uuid('student_id')
      .notNull()
      .references(() => students.id),
    classId: uuid('class_id').references(() => classes.id),
    createdAt: createdAt(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    readAt: timestamp('read_at', { withTimezone: true }),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('notice_recipients_notice_account_student_uq').on(t.noticeId, t.accountId, t.studentId),
    // The family's list: their notices, newest first.
    index('notice_recipients_account_idx').on(t.accountId, t.createdAt),
  ],
);

/** Reminders the author sent to the unread (at most one an hour per notice). */
export const noticeReminders = pgTable(
  'notice_reminders',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    noticeId: uuid('notice_id')
      .notNull()
      .references(() => notices.id),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    byAccountId: uuid('by_account_id').references(() => accounts.id),
  },
  (t) => [index('notice_reminders_notice_idx').on(t.noticeId, t.at)],
);

/**
 * Manual account recovery (人工找回) when the bound phone is lost: filed by
 * anyone with the username and a new phone proven by SMS, checked by a person
 * (the head teacher of one of the account's students, or the school admin),
 * then a waiting period (RECOVERY_WAIT_HOURS) before the requester can set a
 * password and the new phone. The old phone and WeChat are told at once; the
 * owner cancels by signing in or from 我的.
 */
export const recoveryRequests = pgTable(
  'recovery_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id),
    /** pending | approved | rejected | cancelled | completed */
    status: text('status', { enum: ['pending', 'approved', 'rejected', 'cancelled', 'completed'] })
      .notNull()
      .default('pending'),
    /** The schools whose staff may decide (of the account's students, or a staff account's own school). */
    schoolIds: uuid('school_ids').array().notNull(),
    /** The classes whose head teachers may decide. */
    classIds: uuid('class_ids').array().notNull(),
    newPhoneCipher: text('new_phone_cipher').notNull(),
    newPhoneIndex: text('new_phone_index').notNull(),
    note: text('note').notNull(),
    ip: text('ip'),
    decidedBy: uuid('decided_by').references(() => accounts.id),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    rejectReason: text('reject_reason'),
    /** Approved requests take effect from this time on. */
    effectiveAt: timestamp('effective_at', { withTimezone: true }),
    /** signed_in | owner | superseded …: why a request was cancelled. */
    cancelReason: text('cancel_reason'),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('recovery_requests_account_idx').on(t.accountId, t.status),
    index('recovery_requests_status_created_idx').on(t.status, t.createdAt),
    index('recovery_requests_school_ids_idx').using('gin', t.schoolIds),
    index('recovery_requests_class_ids_idx').using('gin', t.classIds),
    // At most one open request per account.
    uniqueIndex('recovery_requests_open_uq').on(t.accountId).where(sql`status in ('pending', 'approved')`),
  ],
);

/**
 * The console's statistics, one row per class: the semester's authentication
 * funnel of its students. Never written by the decisions themselves: a
 * statement that changes students' status or class writes one `console-stats`
 * outbox row naming the classes it touched (trigger students_console_stats_*,
 * migration console_stats_triggers), and the console-stats worker recomputes
 * those classes from their indexed rows (students_class_status_idx,
 * profile_versions_class_status_idx), a few seconds behind.
 */
/** The authentication funnel's counters, the same for a class row and a school row (fresh builders per table). */
const funnelColumns = () => ({
    registered: integer('registered').notNull().default(0),
    submitted: integer('submitted').notNull().default(0),
    autoApproved: integer('auto_approved').notNull().default(0),
    pendingReview: integer('pending_review').notNull().default(0),
    returned: integer('returned').notNull().default(0),
    approved: integer('approved').notNull().default(0),
    reconfirmOutstanding: integer('reconfirm_outstanding').notNull().default(0),
    oldestPendingSince: timestamp('oldest_pending_since', { withTimezone: true }),
    updatedAt: updatedAt(),
});

export const consoleClassStats = pgTable(
  'console_class_stats',
  {
    // No foreign keys: a derived row must never stand in the way of deleting a class or a school.
    classId: uuid('class_id').primaryKey(),
    schoolId: uuid('school_id').notNull(),
    grade: text('grade').notNull(),
    ...funnelColumns(),
  },
  (t) => [
    index('console_class_stats_school_idx').on(t.schoolId, t.grade),
    index('console_class_stats_school_pending_idx').on(t.schoolId, t.pendingReview),
    index('console_class_stats_school_oldest_idx').on(t.schoolId, t.oldestPendingSince),
  ],
);

/**
 * A class's activity per day (Beijing time) over the last weeks: submissions,
 * decisions (automatic approvals, approvals and returns by a person) and how
 * long the person's decisions took, bucketed. Recomputed with the class's
 * funnel row by the same worker from the class's own versions; the school's
 * charts sum its class rows by (school_id, day).
 */
export const consoleClassDailyStats = pgTable(
  'console_class_daily_stats',
  {
    classId: uuid('class_id').notNull(),
    schoolId: uuid('school_id').notNull(),
    day: date('day').notNull(),
    submitted: integer('submitted').notNull().default(0),
    autoApproved: integer('auto_approved').notNull().default(0),
    approved: integer('approved').notNull().default(0),
    returned: integer('returned').notNull().default(0),
    decidedLt1h: integer('decided_lt1h').notNull().default(0),
    decidedLt1d: integer('decided_lt1d').notNull().default(0),
    decidedLt3d: integer('decided_lt3d').notNull().default(0),
    decidedLt7d: integer('decided_lt7d').notNull().default(0),
    decidedGe7d: integer('decided_ge7d').notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.classId, t.day] }), index('console_class_daily_stats_school_day_idx').on(t.schoolId, t.day)],
);

/** The same funnel summed per school (recomputed from the school's class rows after them): the operator's school list. */
export const consoleSchoolStats = pgTable(
  'console_school_stats',
  {
    schoolId: uuid('school_id').primaryKey(),
    classes: integer('classes').notNull().default(0),
    ...funnelColumns(),
  },
  (t) => [index('console_school_stats_pending_idx').on(t.pendingReview), index('console_school_stats_registered_idx').on(t.registered)],
);

/**
 * A head teacher's review digest window: the first review.waiting of a window
 * is sent at once and opens it; the ones arriving before closes_at are
 * gathered (notifications.digest_window_id) and sent as one review.digest
 * when it closes (the review-digest job, outbox row available at closes_at).
 * One row per teacher, reused window after window.
 */
export const reviewDigestWindows = pgTable('review_digest_windows', {
  teacherId: uuid('teacher_id')
    .primaryKey()
    .references(() => accounts.id),
  windowId: uuid('window_id').notNull(),
  firstNotificationId: uuid('first_notification_id').notNull(),
  closesAt: timestamp('closes_at', { withTimezone: true }).notNull(),
});

/**
 * Four eyes: a bulk export or a reveal of many records asks a second operator.
 * requested → approved (by another operator) → used (once, before expiresAt);
 * or rejected / expired. The grant is the approved row itself, consumed by a
 * conditional update so it serves exactly one use.
 */
export const consoleApprovals = pgTable(
  'console_approvals',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** bulk_reveal | export */
    kind: text('kind', { enum: ['bulk_reveal', 'export'] }).notNull(),
    status: text('status', { enum: ['pending', 'approved', 'rejected', 'used'] })
      .notNull()
      .default('pending'),
    requestedBy: uuid('requested_by')
      .notNull()
      .references(() => accounts.id),
    reason: text('reason').notNull(),
    /** What the grant covers (e.g. the student ids of a bulk reveal). */
    scope: jsonb('scope').notNull(),
    decidedBy: uuid('decided_by').references(() => accounts.id),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('console_approvals_status_created_idx').on(t.status, t.createdAt), index('console_approvals_requested_by_idx').on(t.requestedBy, t.createdAt)],
);

// ---- file storage (server/storage): the embedded PostgreSQL backend and the records that own stored files

/** Raw bytes: node-postgres answers a Buffer, PGlite a Uint8Array; both accept either. */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/**
 * One stored file of the PostgreSQL storage backend. A row without completed_at is
 * an upload in progress or one that broke off (removed by the cleanup job). Only
 * the sniffed content type is recorded, never what the client declared.
 */
export const storedFiles = pgTable(
  'stored_files',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    contentType: text('content_type').notNull(),
    size: bigint('size', { mode: 'number' }).notNull().default(0),
    sha256: text('sha256'),
    createdAt: createdAt(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [index('stored_files_incomplete_idx').on(t.createdAt).where(sql`completed_at is null`)],
);

/** The bytes of a stored file, in chunks of at most STORAGE_CHUNK_BYTES, so neither upload nor download holds a whole file. */
export const storedFileChunks = pgTable(
  'stored_file_chunks',
  {
    fileId: uuid('file_id')
      .notNull()
      .references(() => storedFiles.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.fileId, t.seq] })],
);

/**
 * Evidence a family attached because the head teacher's return reason asked for a
 * document (借读证明 …). Seen by the reviewers of the student's class only; removed
 * ATTACHMENT_RETENTION_DAYS after a later submission of the student was decided.
 */
export const reviewAttachments = pgTable(
  'review_attachments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    studentId: uuid('student_id')
      .notNull()
      .references(() => students.id, { onDelete: 'cascade' }),
    /** The returned version whose reason asked for the document. */
    returnedVersionId: uuid('returned_version_id')
      .notNull()
      .references(() => profileVersions.id, { onDelete: 'cascade' }),
    fileId: uuid('file_id').notNull(),
    fileName: text('file_name').notNull(),
    contentType: text('content_type').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    uploadedBy: uuid('uploaded_by')
      .notNull()
      .references(() => accounts.id),
    createdAt: createdAt(),
  },
  (t) => [index('review_attachments_student_idx').on(t.studentId, t.createdAt), index('review_attachments_created_idx').on(t.createdAt)],
);

/**
 * A registry file uploaded in the console and imported by the registry-import worker:
 * progress (bytes of the stored file read so far), the result, the problems report.
 */
export const registryImports = pgTable(
  'registry_imports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The uploaded file; null once removed (REGISTRY_UPLOAD_RETENTION_DAYS after the import ended). */
    fileId: uuid('file_id'),
    fileName: text('file_name').notNull(),
    fileSize: bigint('file_size', { mode: 'number' }).notNull(),
    dryRun: boolean('dry_run').notNull(),
    status: text('status', { enum: ['queued', 'running', 'succeeded', 'failed'] }).notNull().default('queued'),
    bytesRead: bigint('bytes_read', { mode: 'number' }).notNull().default(0),
    rowsRead: integer('rows_read').notNull().default(0),
    /** The importer's counts (RegistryImportResult without its problem list). */
    result: jsonb('result'),
    /** Why the file could not be imported at all (Chinese, shown to the operator). */
    error: text('error'),
    reportFileId: uuid('report_file_id'),
    batchId: uuid('batch_id').references(() => registryBatches.id),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => accounts.id),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('registry_imports_created_idx').on(t.createdAt), index('registry_imports_status_idx').on(t.status)],
);

/** Images and documents of a notice (JPEG, PNG, PDF through the upload guard), in the order added; seen by its recipients and its author. */
export const noticeAttachments = pgTable(
  'notice_attachments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    noticeId: uuid('notice_id')
      .notNull()
      .references(() => notices.id, { onDelete: 'cascade' }),
    fileId: uuid('file_id').notNull(),
    fileName: text('file_name').notNull(),
    contentType: text('content_type').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('notice_attachments_notice_idx').on(t.noticeId, t.createdAt)],
);
