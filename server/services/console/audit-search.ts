/**
 * The audit log search of the console (operators): by actor, subject, action
 * and time, newest first. Each filter has its index (audit_log_actor_idx,
 * audit_log_subject_idx, audit_log_action_idx, audit_log_at_idx); pages are
 * answered with `hasMore` (one row more than the page), never a count over the
 * log. An action ending in '.' is a prefix ('console.' = every console action).
 */
import { and, desc, eq, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { AuditListResponse, AuditQuery } from '../../../domain/api/console-operator';
import { AppError } from '../../../domain/errors';
import type { AppContext } from '../../context';
import { accounts, auditLog } from '../../db/schema';
import type { ConsoleActor } from './console-schools';

export async function searchAuditLog(app: Pick<AppContext, 'db'>, actor: ConsoleActor, query: AuditQuery): Promise<AuditListResponse> {
  if (actor.role !== 'operator') throw new AppError('FORBIDDEN');
  const where: SQL[] = [];
  if (query.actorId) where.push(eq(auditLog.actorAccountId, query.actorId));
  if (query.subjectType) where.push(eq(auditLog.subjectType, query.subjectType));
  if (query.subjectId) where.push(eq(auditLog.subjectId, query.subjectId));
  if (query.action) {
    if (query.action.endsWith('.')) {
      // The range form of a prefix uses the btree whatever the collation.
      where.push(gte(auditLog.action, query.action), lt(auditLog.action, `${query.action.slice(0, -1)}/`));
    } else where.push(eq(auditLog.action, query.action));
  }
  if (query.from) where.push(gte(auditLog.at, new Date(query.from)));
  if (query.to) where.push(lte(auditLog.at, new Date(query.to)));
  if (query.from && query.to && new Date(query.from) > new Date(query.to)) {
    throw new AppError('VALIDATION_FAILED', { message: '开始时间不能晚于结束时间', fields: { 'query.from': '开始时间不能晚于结束时间' } });
  }
  const rows = await app.db
    .select({ entry: auditLog, actorName: sql<string | null>`coalesce(${accounts.displayName}, ${accounts.username})` })
    .from(auditLog)
    .leftJoin(accounts, eq(accounts.id, auditLog.actorAccountId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(query.pageSize + 1)
    .offset((query.page - 1) * query.pageSize);
  return {
    items: rows.slice(0, query.pageSize).map(({ entry, actorName }) => ({
      id: entry.id,
      at: entry.at.toISOString(),
      actorId: entry.actorAccountId,
      actorRole: entry.actorRole,
      actorName,
      action: entry.action,
      subjectType: entry.subjectType,
      subjectId: entry.subjectId,
      ip: entry.ip,
      success: entry.success,
      detail: entry.detail,
      chainSeq: entry.chainSeq,
    })),
    page: query.page,
    pageSize: query.pageSize,
    hasMore: rows.length > query.pageSize,
  };
}
