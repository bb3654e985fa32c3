/**
 * The electronic education card (电子卡): the family's card page with a fresh
 * QR token, staff verification of a scanned token, the published public keys,
 * and revocation and reissue.
 *
 * The card shows the approved profile (name, school, grade, class of the
 * approved version; a pending key-field change does not alter the card until
 * it is approved). Status: valid (card number issued, not revoked), revoked
 * (students.card_revoked_at set, with the reason the family reads),
 * not_issued (never approved). Validity is the latest semester opened
 * (semesters), else the school year (China time, September to August).
 *
 * Tokens name no card (ecard-token.ts): they seal students.card_ref, a random
 * reference. What a verification tells depends on who asks: staff of the
 * card's own school (teachers, school admins) get the masked details of a
 * valid card; everyone else, and every card that is not valid (revoked,
 * expired, unknown), gets the verdict alone. Verifications are audited and
 * limited per verifier (ECARD_VERIFY_PER_MINUTE, on Redis).
 *
 * Revocation has one path, revokeCard (the routes of school admins and
 * operators, and any use case that must take a card away, e.g. a decided
 * identity dispute, call it inside their transaction). Reissue gives the
 * student a new card number and a new card reference; the old pair goes to
 * retired_cards, so the old card's tokens keep verifying as revoked and a
 * printed or photographed old number never becomes valid again.
 *
 * The clock is injectable per context (createContext's `ecard` option), so tests move time
 * instead of sleeping. Tests of the whole running system (the browser tests)
 * cannot reach that clock: outside production, POST /api/ecard/verify takes an
 * optional `at` (ISO instant) to verify as of a later time. It can only move
 * the verification instant forward (an earlier `at` is the server's now), so
 * it can expire a token early but never revive one; production ignores it.
 */
import { randomUUID } from 'node:crypto';
import { and, desc, eq, isNotNull, isNull, type SQL } from 'drizzle-orm';
import {
  ECARD_STATUS_LABELS,
  ECARD_TOKEN_PREFIX,
  ECARD_VERIFY_REASONS,
  type CardAdminView,
  type EcardPublicKeys,
  type EcardStatus,
  type EcardVerifyReason,
  type EcardVerifyResponse,
  type EcardView,
} from '../../../domain/api/ecard';
import type { AccountRole } from '../../../domain/api/auth';
import { maskCardNumber } from '../../../domain/card/card-number';
import { AppError } from '../../../domain/errors';
import { maskName } from '../../../domain/masking';
import { chinaDate } from '../../../domain/time/calendar-date';
import type { AppContext } from '../../context';
import type { DbOrTx } from '../../db/client';
import { classes, profileVersions, retiredCards, schools, semesters, students } from '../../db/schema';
import type { RequestMeta } from '../accounts/request-meta';
import { gradeLabel, loadOwnStudent } from '../profiles/profile-content';
import { issueCardNumber, residentIdApprovedElsewhere } from '../reviews/review-approval';
import { checkEcardToken, signEcardToken } from './ecard-token';
import { writeAudit } from '../audit/audit';

/** The school year of a date: 2025-09-01 … 2026-08-31 is 2025-2026学年. */
export function schoolYearLabel(now: Date): string {
  const { year, month } = chinaDate(now);
  const start = month >= 9 ? year : year - 1;
  return `${start}-${start + 1}学年`;
}

export async function currentValidity(db: DbOrTx, now: Date): Promise<string> {
  const [latest] = await db.select({ name: semesters.name }).from(semesters).orderBy(desc(semesters.openedAt)).limit(1);
  return latest?.name ?? schoolYearLabel(now);
}

interface CardHolder {
  name: string | null;
  schoolId: string | null;
  schoolName: string | null;
  grade: string | null;
  className: string | null;
}

type StudentRow = typeof students.$inferSelect;

/** Name, school, grade and class as approved (the latest version when nothing was approved yet). */
async function cardHolder(db: DbOrTx, student: StudentRow): Promise<CardHolder> {
  const versionId = student.approvedVersionId ?? student.currentVersionId;
  const [version] = versionId
    ? await db
        .select({ data: profileVersions.data, schoolId: profileVersions.schoolId, classId: profileVersions.classId, grade: profileVersions.grade })
        .from(profileVersions)
        .where(eq(profileVersions.id, versionId))
    : [];
  const classId = version?.classId ?? student.classId;
  const [klass] = classId
    ? await db
        .select({ name: classes.name, grade: classes.grade, schoolId: schools.id, schoolName: schools.name })
        .from(classes)
        .innerJoin(schools, eq(schools.id, classes.schoolId))
        .where(eq(classes.id, classId))
    : [];
  const name = (version?.data as { personal?: { name?: unknown } } | undefined)?.personal?.name;
  return {
    name: typeof name === 'string' && name.trim() !== '' ? name : null,
    schoolId: klass?.schoolId ?? version?.schoolId ?? null,
    schoolName: klass?.schoolName ?? null,
    grade: version?.grade ?? klass?.grade ?? null,
    className: klass?.name ?? null,
  };
}

export function cardStatus(student: Pick<StudentRow, 'cardNumber' | 'cardRevokedAt'>): EcardStatus {
  if (!student.cardNumber) return 'not_issued';
  return student.cardRevokedAt ? 'revoked' : 'valid';
}

/** GET /api/students/:studentId/ecard: the family's own student only (404 otherwise). */
export async function getStudentEcard(app: AppContext, familyAccountId: string, studentId: string): Promise<EcardView> {
  const { keys, now } = app.ecard;
  const student = await loadOwnStudent(app.db, familyAccountId, studentId);
  const nowMs = now();
  const [holder, validity] = await Promise.all([cardHolder(app.db, student), currentValidity(app.db, new Date(nowMs))]);
  const status = cardStatus(student);
  const ttl = app.config.ECARD_TOKEN_TTL_S;
  const signed = status === 'valid' ? signEcardToken(keys, student.cardRef, nowMs, ttl) : null;
  return {
    studentId: student.id,
    name: holder.name,
    schoolName: holder.schoolName,
    grade: holder.grade,
    gradeLabel: gradeLabel(holder.grade),
    className: holder.className,
    cardNumber: student.cardNumber,
    issuedAt: student.cardIssuedAt?.toISOString() ?? null,
    status,
    statusLabel: ECARD_STATUS_LABELS[status],
    validity,
    revokedAt: status === 'revoked' ? student.cardRevokedAt!.toISOString() : null,
    revokedReason: status === 'revoked' ? student.cardRevokedReason : null,
    token: signed?.token ?? null,
    tokenExpiresAt: signed ? new Date(signed.expiresAt * 1000).toISOString() : null,
    // Fetch the next token a little before this one runs out (at least every 30 s for a 60 s token).
    refreshInSeconds: signed ? Math.max(5, Math.min(ttl - 10, Math.ceil(ttl / 2))) : null,
  };
}

/** GET /api/ecard/public-key */
export function ecardPublicKeys(app: AppContext): EcardPublicKeys {
  const { keys } = app.ecard;
  return {
    tokenFormat:
      `${ECARD_TOKEN_PREFIX}.<kid>.<expiry, Unix seconds>.<sealed card reference, base64url; opaque: only the server can open it>` +
      '.<base64url(Ed25519 signature over the ASCII text before the last dot)>. Offline: authentic and unexpired; ' +
      'which card and whether it is revoked: POST /api/ecard/verify.',
    keys: keys.publicKeys.map(({ kid, key, current }) => {
      const jwk = key.export({ format: 'jwk' }) as { x: string };
      return {
        kid,
        current,
        jwk: { kty: 'OKP' as const, crv: 'Ed25519' as const, x: jwk.x, kid, alg: 'EdDSA' as const, use: 'sig' as const },
        pem: String(key.export({ type: 'spki', format: 'pem' })),
      };
    }),
  };
}

type VerifyDetails = Pick<EcardVerifyResponse, 'maskedName' | 'school' | 'grade' | 'class' | 'cardNumber' | 'expiresAt'>;

function answer(reasonCode: EcardVerifyReason, result: EcardVerifyResponse['result'], details: VerifyDetails | null = null): EcardVerifyResponse {
  return {
    result,
    reasonCode,
    reason: ECARD_VERIFY_REASONS[reasonCode],
    scope: details ? 'details' : 'state_only',
    maskedName: details?.maskedName ?? null,
    school: details?.school ?? null,
    grade: details?.grade ?? null,
    class: details?.class ?? null,
    cardNumber: details?.cardNumber ?? null,
    expiresAt: details?.expiresAt ?? null,
  };
}

export interface VerifyOptions {
  /**
   * Outside production only: verify as if it were this ISO instant, when it is
   * later than the server's clock (browser tests expire a token this way
   * instead of sleeping). Ignored when NODE_ENV=production.
   */
  at?: string;
}

/** The verification instant in ms: the server's clock, or a later `at` outside production (never an earlier one). */
function verificationInstant(app: AppContext, nowMs: number, at: string | undefined): { ms: number; moved: boolean } {
  if (at === undefined || app.config.NODE_ENV === 'production') return { ms: nowMs, moved: false };
  const ms = Date.parse(at);
  if (Number.isNaN(ms) || ms <= nowMs) return { ms: nowMs, moved: false };
  return { ms, moved: true };
}

/** A verifier: staff with the school they belong to (null for operators). */
export interface Verifier {
  id: string;
  role: AccountRole;
  schoolId?: string | null;
}

function ownSchoolStaff(verifier: Verifier, schoolId: string | null): boolean {
  return (verifier.role === 'teacher' || verifier.role === 'school_admin') && !!verifier.schoolId && verifier.schoolId === schoolId;
}

/**
 * POST /api/ecard/verify (staff). valid / expired / revoked / invalid with the
 * reason; the masked name, school, grade, class and card number only for a
 * valid card verified by staff of its own school. Limited per verifier (429)
 * and audited (who checked which card, with what result).
 */
export async function verifyEcard(app: AppContext, verifier: Verifier, token: string, meta: RequestMeta, options: VerifyOptions = {}): Promise<EcardVerifyResponse> {
  const { keys, now, verifyLimit } = app.ecard;
  await verifyLimit.consumeOrThrow(verifier.id);
  const instant = verificationInstant(app, now(), options.at);
  const check = checkEcardToken(keys, token, instant.ms, app.config.ECARD_TOKEN_TTL_S);
  let response: EcardVerifyResponse;
  let studentId: string | null = null;
  let cardNumber: string | null = null;
  if (!check.ok && check.reason !== 'expired') {
    response = answer(check.reason, 'invalid');
  } else if (check.cardRef === null) {
    // Expired under a retired key: nothing to look up.
    response = answer('expired', 'expired');
  } else {
    const [student] = await app.db.select().from(students).where(eq(students.cardRef, check.cardRef));
    if (student?.cardNumber) {
      studentId = student.id;
      cardNumber = student.cardNumber;
      // Revoked wins over expired: the gate must not be told to ask for a fresh code that cannot be valid.
      if (student.cardRevokedAt) response = answer('revoked', 'revoked');
      else if (!check.ok) response = answer('expired', 'expired');
      else {
        const holder = await cardHolder(app.db, student);
        response = answer(
          'valid',
          'valid',
          ownSchoolStaff(verifier, holder.schoolId)
            ? {
                maskedName: holder.name ? maskName(holder.name) : null,
                school: holder.schoolName,
                grade: gradeLabel(holder.grade),
                class: holder.className,
                cardNumber: maskCardNumber(student.cardNumber),
                expiresAt: new Date(check.expiresAt * 1000).toISOString(),
              }
            : null,
        );
      }
    } else {
      // A reference replaced by a reissue: the old card is revoked for good.
      const [retired] = student ? [] : await app.db.select().from(retiredCards).where(eq(retiredCards.cardRef, check.cardRef));
      if (retired) {
        studentId = retired.studentId;
        cardNumber = retired.cardNumber;
        response = answer('revoked', 'revoked');
      } else {
        response = answer('unknown_card', 'invalid');
      }
    }
  }
  await writeAudit(app.db, {
    actor: verifier,
    action: 'ecard.verified',
    subject: studentId ? { type: 'student', id: studentId } : null,
    meta,
    detail: {
      result: response.result,
      reasonCode: response.reasonCode,
      scope: response.scope,
      cardNumber,
      ...(instant.moved ? { verifiedAt: new Date(instant.ms).toISOString() } : {}),
    },
    success: response.result === 'valid',
  });
  return response;
}

/** Who revokes or reissues: a person (any role: the caller checked the right) or the system (null). */
export type CardActor = { id: string; role: AccountRole } | null;

export interface RevokeCardInput {
  /** The student whose card is revoked, or … */
  studentId?: string;
  /** … the card, by its number. Exactly one of the two. */
  cardNumber?: string;
  /** Shown to the family on the card page (trimmed, at most 200 characters kept). */
  reason: string;
  actor: CardActor;
  /** The request, for the audit row. */
  meta?: Pick<RequestMeta, 'ip' | 'requestId'> | null;
  /** Extra audit detail (e.g. the dispute that decided it). */
  detail?: Record<string, unknown>;
}

export interface RevokeCardResult {
  /** True when this call revoked the card; false when there was no card or it was already revoked. */
  revoked: boolean;
  /** The student found (null when none matched). */
  studentId: string | null;
  cardNumber: string | null;
}

function cleanReason(reason: string): string {
  return [...reason.trim()].slice(0, 200).join('');
}

/**
 * Revoke a card: THE one path (school admins and operators through their
 * routes, any other use case — a decided identity dispute — directly). Runs in
 * the caller's transaction and checks no authorization (the caller did);
 * idempotent. Tokens already shown verify as revoked from the next scan on,
 * and the family's card page shows 已撤销 with the reason. Audited
 * ('ecard.revoked', with the reason and the card number).
 */
export async function revokeCard(tx: DbOrTx, input: RevokeCardInput): Promise<RevokeCardResult> {
  if ((input.studentId === undefined) === (input.cardNumber === undefined)) throw new Error('revokeCard takes a studentId or a cardNumber');
  const which: SQL = input.studentId !== undefined ? eq(students.id, input.studentId) : eq(students.cardNumber, input.cardNumber!);
  const reason = cleanReason(input.reason);
  const revoked = await tx
    .update(students)
    .set({ cardRevokedAt: new Date(), cardRevokedReason: reason, updatedAt: new Date() })
    .where(and(which, isNotNull(students.cardNumber), isNull(students.cardRevokedAt)))
    .returning({ id: students.id, cardNumber: students.cardNumber });
  if (revoked.length === 0) {
    const [found] = await tx.select({ id: students.id, cardNumber: students.cardNumber }).from(students).where(which);
    return { revoked: false, studentId: found?.id ?? null, cardNumber: found?.cardNumber ?? null };
  }
  const row = revoked[0]!;
  await writeAudit(tx, {
    actor: input.actor ?? 'system',
    action: 'ecard.revoked',
    subject: { type: 'student', id: row.id },
    meta: input.meta ?? null,
    detail: { ...input.detail, reason, cardNumber: row.cardNumber },
  });
  return { revoked: true, studentId: row.id, cardNumber: row.cardNumber };
}

export interface ReissueCardInput {
  studentId: string;
  reason: string;
  actor: CardActor;
  meta?: Pick<RequestMeta, 'ip' | 'requestId'> | null;
  detail?: Record<string, unknown>;
}

/**
 * Reissue a revoked card (补发): a new card number and a new card reference;
 * the old pair is kept in retired_cards (its tokens verify as revoked, its
 * number stays revoked). Only for a student that still holds an approved
 * identity no other student holds (a card taken away by a dispute cannot be
 * given back this way). Runs in the caller's transaction; audited
 * ('ecard.reissued'). Throws ECARD_NOT_ISSUED, ECARD_NOT_REVOKED or
 * ECARD_NOT_REISSUABLE (409).
 */
export async function reissueCard(tx: DbOrTx, input: ReissueCardInput): Promise<{ studentId: string; cardNumber: string; previousCardNumber: string }> {
  const [student] = await tx.select().from(students).where(eq(students.id, input.studentId)).for('update');
  if (!student) throw new AppError('NOT_FOUND');
  if (!student.cardNumber) throw new AppError('ECARD_NOT_ISSUED');
  if (!student.cardRevokedAt) throw new AppError('ECARD_NOT_REVOKED');
  if (!student.approvedVersionId || !student.residentIdIndex) throw new AppError('ECARD_NOT_REISSUABLE');
  if (await residentIdApprovedElsewhere(tx, { studentId: student.id, residentIdIndex: student.residentIdIndex })) throw new AppError('ECARD_NOT_REISSUABLE');
  const reason = cleanReason(input.reason);
  await tx.insert(retiredCards).values({
    cardRef: student.cardRef,
    studentId: student.id,
    cardNumber: student.cardNumber,
    issuedAt: student.cardIssuedAt,
    revokedAt: student.cardRevokedAt,
    revokedReason: student.cardRevokedReason,
  });
  const cardNumber = await issueCardNumber(tx);
  await tx
    .update(students)
    .set({ cardNumber, cardRef: randomUUID(), cardIssuedAt: new Date(), cardRevokedAt: null, cardRevokedReason: null, updatedAt: new Date() })
    .where(eq(students.id, student.id));
  await writeAudit(tx, {
    actor: input.actor ?? 'system',
    action: 'ecard.reissued',
    subject: { type: 'student', id: student.id },
    meta: input.meta ?? null,
    detail: { ...input.detail, reason, cardNumber, previousCardNumber: student.cardNumber },
  });
  return { studentId: student.id, cardNumber, previousCardNumber: student.cardNumber };
}

/** The staff member acting on a card through the routes. */
export interface CardStaff {
  id: string;
  role: AccountRole;
  schoolId: string | null;
}

/**
 * The student whose card `staff` may act on, locked: operators any student;
 * a school admin only a student of their school (404 otherwise, as for a
 * student that does not exist: nothing is revealed about other schools).
 */
async function studentForCardAction(tx: DbOrTx, staff: CardStaff, studentId: string): Promise<StudentRow> {
  const [student] = await tx.select().from(students).where(eq(students.id, studentId)).for('update');
  if (!student) throw new AppError('NOT_FOUND');
  if (staff.role === 'operator') return student;
  if (staff.role === 'school_admin' && staff.schoolId) {
    const holder = await cardHolder(tx, student);
    if (holder.schoolId === staff.schoolId) return student;
  }
  throw new AppError('NOT_FOUND');
}

function adminView(student: StudentRow): CardAdminView {
  const status = cardStatus(student);
  return {
    studentId: student.id,
    status,
    statusLabel: ECARD_STATUS_LABELS[status],
    cardNumber: student.cardNumber,
    issuedAt: student.cardIssuedAt?.toISOString() ?? null,
    revokedAt: status === 'revoked' ? student.cardRevokedAt!.toISOString() : null,
    revokedReason: status === 'revoked' ? student.cardRevokedReason : null,
  };
}

async function reload(tx: DbOrTx, studentId: string): Promise<StudentRow> {
  const [row] = await tx.select().from(students).where(eq(students.id, studentId));
  return row!;
}

/** POST /api/students/:studentId/ecard/revocation (school admin of the card's school, operator). */
export async function revokeStudentCard(app: AppContext, staff: CardStaff, studentId: string, reason: string, meta: RequestMeta): Promise<CardAdminView> {
  return app.db.transaction(async (tx) => {
    const student = await studentForCardAction(tx, staff, studentId);
    if (!student.cardNumber) throw new AppError('ECARD_NOT_ISSUED');
    if (student.cardRevokedAt) throw new AppError('ECARD_ALREADY_REVOKED');
    await revokeCard(tx, { studentId, reason, actor: staff, meta });
    return adminView(await reload(tx, studentId));
  });
}

/** POST /api/students/:studentId/ecard/reissue (school admin of the card's school, operator). */
export async function reissueStudentCard(app: AppContext, staff: CardStaff, studentId: string, reason: string, meta: RequestMeta): Promise<CardAdminView> {
  return app.db.transaction(async (tx) => {
    await studentForCardAction(tx, staff, studentId);
    await reissueCard(tx, { studentId, reason, actor: staff, meta });
    return adminView(await reload(tx, studentId));
  });
}
