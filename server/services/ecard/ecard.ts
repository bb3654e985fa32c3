/**
 * The electronic education card (电子卡): the family's card page with a fresh
 * QR token, staff verification of a scanned token, the published public keys,
 * and revocation.
 *
 * The card shows the approved profile (name, school, grade, class of the
 * approved version; a pending key-field change does not alter the card until
 * it is approved). Status: valid (card number issued, not revoked), revoked
 * (students.card_revoked_at set), not_issued (never approved). Validity is the
 * latest semester opened (semesters), else the school year (China time,
 * September to August).
 *
 * The clock is injectable per context (installEcard), so tests move time
 * instead of sleeping. Tests of the whole running system (the browser tests)
 * cannot reach that clock: outside production, POST /api/ecard/verify takes an
 * optional `at` (ISO instant) to verify as of a later time; production ignores it.
 */
import { and, desc, eq, isNotNull, isNull } from 'drizzle-orm';
import {
  ECARD_STATUS_LABELS,
  ECARD_TOKEN_PREFIX,
  ECARD_VERIFY_REASONS,
  type EcardPublicKeys,
  type EcardStatus,
  type EcardVerifyReason,
  type EcardVerifyResponse,
  type EcardView,
} from '../../../domain/api/ecard';
import type { AccountRole } from '../../../domain/api/auth';
import { maskName } from '../../../domain/masking';
import { chinaDate } from '../../../domain/time/calendar-date';
import type { AppContext } from '../../context';
import type { DbOrTx } from '../../db/client';
import { auditLog, classes, profileVersions, schools, semesters, students } from '../../db/schema';
import type { RequestMeta } from '../accounts/request-meta';
import { gradeLabel, loadOwnStudent } from '../profiles/profile-content';
import { ecardKeysFromConfig, type EcardKeys } from './ecard-keys';
import { checkEcardToken, signEcardToken } from './ecard-token';

export interface EcardOptions {
  /** Milliseconds clock (default Date.now). */
  now?: () => number;
}

interface EcardRuntime {
  keys: EcardKeys;
  now: () => number;
}

const byContext = new WeakMap<AppContext, EcardRuntime>();

/** Set this context's options (tests: a clock they move); call before the first use. */
export function installEcard(app: AppContext, options: EcardOptions = {}): void {
  byContext.set(app, { keys: ecardKeysFromConfig(app.config), now: options.now ?? Date.now });
}

function runtime(app: AppContext): EcardRuntime {
  let found = byContext.get(app);
  if (!found) {
    found = { keys: ecardKeysFromConfig(app.config), now: Date.now };
    byContext.set(app, found);
  }
  return found;
}

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
  schoolName: string | null;
  grade: string | null;
  className: string | null;
}

/** Name, school, grade and class as approved (the latest version when nothing was approved yet). */
async function cardHolder(db: DbOrTx, student: typeof students.$inferSelect): Promise<CardHolder> {
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
        .select({ name: classes.name, grade: classes.grade, schoolName: schools.name })
        .from(classes)
        .innerJoin(schools, eq(schools.id, classes.schoolId))
        .where(eq(classes.id, classId))
    : [];
  const name = (version?.data as { personal?: { name?: unknown } } | undefined)?.personal?.name;
  return {
    name: typeof name === 'string' && name.trim() !== '' ? name : null,
    schoolName: klass?.schoolName ?? null,
    grade: version?.grade ?? klass?.grade ?? null,
    className: klass?.name ?? null,
  };
}

export function cardStatus(student: Pick<typeof students.$inferSelect, 'cardNumber' | 'cardRevokedAt'>): EcardStatus {
  if (!student.cardNumber) return 'not_issued';
  return student.cardRevokedAt ? 'revoked' : 'valid';
}

/** GET /api/students/:studentId/ecard: the family's own student only (404 otherwise). */
export async function getStudentEcard(app: AppContext, familyAccountId: string, studentId: string): Promise<EcardView> {
  const { keys, now } = runtime(app);
  const student = await loadOwnStudent(app.db, familyAccountId, studentId);
  const nowMs = now();
  const [holder, validity] = await Promise.all([cardHolder(app.db, student), currentValidity(app.db, new Date(nowMs))]);
  const status = cardStatus(student);
  const ttl = app.config.ECARD_TOKEN_TTL_S;
  const signed = status === 'valid' ? signEcardToken(keys, student.cardNumber!, nowMs, ttl) : null;
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
    token: signed?.token ?? null,
    tokenExpiresAt: signed ? new Date(signed.expiresAt * 1000).toISOString() : null,
    // Fetch the next token a little before this one runs out (at least every 30 s for a 60 s token).
    refreshInSeconds: signed ? Math.max(5, Math.min(ttl - 10, Math.ceil(ttl / 2))) : null,
  };
}

/** GET /api/ecard/public-key */
export function ecardPublicKeys(app: AppContext): EcardPublicKeys {
  const { keys } = runtime(app);
  return {
    tokenFormat: `${ECARD_TOKEN_PREFIX}.<base64url(JSON {c: cardNumber, e: expiry Unix seconds, k: kid})>.<base64url(Ed25519 signature over the ASCII text before the last dot)>`,
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

function answer(
  reasonCode: EcardVerifyReason,
  result: EcardVerifyResponse['result'],
  extra: Partial<Pick<EcardVerifyResponse, 'maskedName' | 'school' | 'grade' | 'class' | 'cardNumber' | 'expiresAt'>> = {},
): EcardVerifyResponse {
  return {
    result,
    reasonCode,
    reason: ECARD_VERIFY_REASONS[reasonCode],
    maskedName: null,
    school: null,
    grade: null,
    class: null,
    cardNumber: null,
    expiresAt: null,
    ...extra,
  };
}

export interface VerifyOptions {
  /**
   * Outside production only: verify as if it were this ISO instant (browser
   * tests move time this way instead of sleeping). Ignored when
   * NODE_ENV=production, where the server's clock always decides.
   */
  at?: string;
}

/** The requested verification instant in ms, when one may be honoured. */
function verificationInstant(app: AppContext, at: string | undefined): number | undefined {
  if (at === undefined || app.config.NODE_ENV === 'production') return undefined;
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * POST /api/ecard/verify (staff). valid / expired / revoked / invalid with the
 * reason; the masked name, school, grade and class once the signature checked
 * out and the card exists. Every verification is audited (who checked which card).
 */
export async function verifyEcard(
  app: AppContext,
  actor: { id: string; role: AccountRole },
  token: string,
  meta: RequestMeta,
  options: VerifyOptions = {},
): Promise<EcardVerifyResponse> {
  const { keys, now } = runtime(app);
  const at = verificationInstant(app, options.at);
  const check = checkEcardToken(keys, token, at ?? now(), app.config.ECARD_TOKEN_TTL_S);
  let response: EcardVerifyResponse;
  let studentId: string | null = null;
  if (!check.ok && check.reason !== 'expired') {
    response = answer(check.reason, 'invalid');
  } else {
    const [student] = await app.db.select().from(students).where(eq(students.cardNumber, check.cardNumber));
    if (!student) {
      response = answer('unknown_card', 'invalid');
    } else {
      studentId = student.id;
      const holder = await cardHolder(app.db, student);
      const details = {
        maskedName: holder.name ? maskName(holder.name) : null,
        school: holder.schoolName,
        grade: gradeLabel(holder.grade),
        class: holder.className,
        cardNumber: student.cardNumber,
        expiresAt: new Date(check.expiresAt * 1000).toISOString(),
      };
      // Revoked wins over expired: the gate must not be told to ask for a fresh code that cannot be valid.
      if (student.cardRevokedAt) response = answer('revoked', 'revoked', details);
      else if (!check.ok) response = answer('expired', 'expired', details);
      else response = answer('valid', 'valid', details);
    }
  }
  await app.db.insert(auditLog).values({
    actorAccountId: actor.id,
    actorRole: actor.role,
    action: 'ecard.verified',
    subjectType: studentId ? 'student' : null,
    subjectId: studentId,
    ip: meta.ip,
    requestId: meta.requestId,
    detail: {
      result: response.result,
      reasonCode: response.reasonCode,
      cardNumber: response.cardNumber,
      ...(at !== undefined ? { verifiedAt: new Date(at).toISOString() } : {}),
    },
    success: response.result === 'valid',
  });
  return response;
}

/**
 * Revoke a student's card (the student left, or an operator or the review side
 * decides the approved identity no longer holds). Runs in the caller's
 * transaction; idempotent: true when this call revoked it, false when there
 * was no card or it was already revoked. Tokens already shown verify as
 * revoked from the next scan on.
 */
export async function revokeCard(
  tx: DbOrTx,
  studentId: string,
  reason: string,
  actor: { id: string; role: AccountRole } | null = null,
): Promise<boolean> {
  const revoked = await tx
    .update(students)
    .set({ cardRevokedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(students.id, studentId), isNotNull(students.cardNumber), isNull(students.cardRevokedAt)))
    .returning({ cardNumber: students.cardNumber });
  if (revoked.length === 0) return false;
  await tx.insert(auditLog).values({
    actorAccountId: actor?.id ?? null,
    actorRole: actor?.role ?? 'system',
    action: 'ecard.revoked',
    subjectType: 'student',
    subjectId: studentId,
    detail: { reason: reason.slice(0, 200), cardNumber: revoked[0]!.cardNumber },
  });
  return true;
}
