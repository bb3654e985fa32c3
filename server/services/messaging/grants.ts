/**
 * One-time subscribe-message grants (DOMAIN.md §1b): each `accept` of
 * wx.requestSubscribeMessage lets us send one message of that template to the
 * account's mini-program openid. Stored as a count per account and template;
 * a sent subscribe message uses one up and a 43101 answer resets the count
 * (both written with the delivery's outcome, see delivery-rows.ts).
 */
import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import type { AccountRole } from '../../../domain/api/auth';
import { MAX_SUBSCRIBE_IDS_PER_CALL, SUBSCRIBE_RESULTS, type SubscribeResult, type SubscriptionsResponse } from '../../../domain/messaging/subscriptions';
import type { TemplateGroup } from '../../../domain/messaging/messages';
import type { DbOrTx } from '../../db/client';
import { subscriptionGrants } from '../../db/schema';
import { subscribeTemplates, type TemplateConfig } from './templates';

/** More than this many unused grants of one template are not kept (a page tapping in a loop). */
export const MAX_GRANTS_PER_TEMPLATE = 50;

/** The template groups that matter to a role (what its pages should ask for). */
export function groupsForRole(role: AccountRole): TemplateGroup[] {
  return role === 'teacher' || role === 'school_admin' ? ['review_digest'] : ['review_result', 'notice', 'reconfirm'];
}

/** Record the popup's answers: accept adds a grant; ban (template banned) drops the unused ones; reject and filter change nothing but the last answer. */
export async function recordSubscribeResults(
  db: DbOrTx,
  config: TemplateConfig,
  accountId: string,
  results: Record<string, string>,
): Promise<{ recorded: string[] }> {
  const known = new Set(subscribeTemplates(config).map((t) => t.templateId));
  const recorded: string[] = [];
  for (const [templateId, raw] of Object.entries(results)) {
    if (!known.has(templateId) || !(SUBSCRIBE_RESULTS as readonly string[]).includes(raw)) continue;
    const result = raw as SubscribeResult;
    const add = result === 'accept' ? 1 : 0;
    await db
      .insert(subscriptionGrants)
      .values({ accountId, templateId, available: add, lastResult: result })
      .onConflictDoUpdate({
        target: [subscriptionGrants.accountId, subscriptionGrants.templateId],
        set: {
          available:
            result === 'ban'
              ? sql`0`
              : sql`least(${MAX_GRANTS_PER_TEMPLATE}, ${subscriptionGrants.available} + ${add})`,
          lastResult: result,
          updatedAt: sql`now()`,
        },
      });
    recorded.push(templateId);
  }
  return { recorded };
}

/** Unused grants per `<accountId>:<templateId>` of these accounts (absent: none), in one statement. */
export async function unusedGrantsOf(db: DbOrTx, accountIds: readonly string[]): Promise<Map<string, number>> {
  if (accountIds.length === 0) return new Map();
  const rows = await db
    .select({ accountId: subscriptionGrants.accountId, templateId: subscriptionGrants.templateId, available: subscriptionGrants.available })
    .from(subscriptionGrants)
    .where(and(inArray(subscriptionGrants.accountId, [...accountIds]), gt(subscriptionGrants.available, 0)));
  return new Map(rows.map((r) => [grantKey(r.accountId, r.templateId), r.available]));
}

export function grantKey(accountId: string, templateId: string): string {
  return `${accountId}:${templateId}`;
}

/** The account's grants per template, and the ids its pages should request. */
export async function subscriptionsOf(
  db: DbOrTx,
  config: TemplateConfig,
  account: { id: string; role: AccountRole },
): Promise<SubscriptionsResponse> {
  const rows = await db.select().from(subscriptionGrants).where(eq(subscriptionGrants.accountId, account.id));
  const byTemplate = new Map(rows.map((r) => [r.templateId, r]));
  const templates = subscribeTemplates(config).map(({ group, templateId }) => {
    const row = byTemplate.get(templateId);
    const lastResult = row?.lastResult && (SUBSCRIBE_RESULTS as readonly string[]).includes(row.lastResult) ? (row.lastResult as SubscribeResult) : null;
    return { group, templateId, available: row?.available ?? 0, lastResult };
  });
  // In the role's order of importance, without banned templates, at most what one popup takes.
  const requestIds = groupsForRole(account.role)
    .map((group) => templates.find((t) => t.group === group))
    .filter((t): t is (typeof templates)[number] => t !== undefined && t.lastResult !== 'ban')
    .map((t) => t.templateId)
    .slice(0, MAX_SUBSCRIBE_IDS_PER_CALL);
  return { templates, requestIds };
}
