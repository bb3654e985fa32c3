/**
 * The audit log (audit_log): who saw or changed what, when, from where. Every
 * use case writes its rows through here, one row or many in one statement.
 * Details hold ids, field names, states and masked values only: never a
 * password, a code, a token, a plaintext ID number or phone.
 */
import type { DbOrTx } from '../../db/client';
import { auditLog } from '../../db/schema';

/**
 * Who acted: an account (its id null for an operator at the command line, named in the detail); 'system' (a worker,
 * the registry match, WeChat Pay); null when unknown (a failed sign-in).
 */
export type AuditActor = { id: string | null; role: string } | 'system' | null;

export interface AuditEntry {
  action: string;
  actor: AuditActor;
  /** What was acted on; null when nothing is known (a verification of an unknown card). */
  subject: { type: string; id: string | null } | null;
  detail?: Record<string, unknown> | null;
  /** Default true. */
  success?: boolean;
  /** The request it came from (RequestMeta); none for workers and tools. */
  meta?: { ip?: string | null; requestId?: string | null } | null;
}

export type AuditRow = typeof auditLog.$inferInsert & {
  actorAccountId: string | null;
  actorRole: string | null;
  subjectType: string | null;
  subjectId: string | null;
  ip: string | null;
  requestId: string | null;
  detail: Record<string, unknown> | null;
  success: boolean;
};

/** The audit_log row of an entry (writeAudit inserts it; a statement that writes its own rows may include it). */
export function auditRow(entry: AuditEntry): AuditRow {
  const actor = entry.actor;
  return {
    actorAccountId: actor && actor !== 'system' ? actor.id : null,
    actorRole: actor === 'system' ? 'system' : (actor?.role ?? null),
    action: entry.action,
    subjectType: entry.subject?.type ?? null,
    subjectId: entry.subject?.id ?? null,
    ip: entry.meta?.ip ?? null,
    requestId: entry.meta?.requestId ?? null,
    detail: entry.detail ?? null,
    success: entry.success ?? true,
  };
}

/** Insert the rows of one entry or many (one statement). */
export async function writeAudit(db: DbOrTx, entries: AuditEntry | readonly AuditEntry[]): Promise<void> {
  const list = Array.isArray(entries) ? (entries as readonly AuditEntry[]) : [entries as AuditEntry];
  if (list.length === 0) return;
  await db.insert(auditLog).values(list.map(auditRow));
}
