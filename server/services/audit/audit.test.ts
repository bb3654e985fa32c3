import { eq } from 'drizzle-orm';
import { auditLog } from '../../db/schema';
import { createTestContext, type TestContext } from '../../test/context';
import { buildAccount } from '../../test/factories';
import { auditRow, writeAudit } from './audit';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

describe('the audit log', () => {
  test('When an account acts from a request, then the row names it, the subject and where the request came from', async () => {
    const teacher = await buildAccount(ctx.db, { role: 'teacher' });
    const subjectId = crypto.randomUUID();

    await writeAudit(ctx.db, {
      actor: { id: teacher.id, role: 'teacher' },
      action: 'review.view',
      subject: { type: 'profile_version', id: subjectId },
      detail: { studentId: 'x' },
      meta: { ip: '10.1.2.3', requestId: 'req-1' },
    });

    const rows = await ctx.db.select().from(auditLog).where(eq(auditLog.subjectId, subjectId));
    expect(rows).toEqual([
      expect.objectContaining({
        actorAccountId: teacher.id,
        actorRole: 'teacher',
        action: 'review.view',
        subjectType: 'profile_version',
        ip: '10.1.2.3',
        requestId: 'req-1',
        detail: { studentId: 'x' },
        success: true,
      }),
    ]);
  });

  test('When the system or nobody known acts, then the row says system or nobody, without a request', () => {
    expect(auditRow({ actor: 'system', action: 'review.match_requeued', subject: { type: 'profile_version', id: 'v' } })).toMatchObject({
      actorAccountId: null,
      actorRole: 'system',
      ip: null,
      requestId: null,
      detail: null,
      success: true,
    });
    expect(auditRow({ actor: null, action: 'account.login_failed', subject: null, success: false })).toMatchObject({
      actorAccountId: null,
      actorRole: null,
      subjectType: null,
      subjectId: null,
      success: false,
    });
  });

  test('When many entries are written at once, then each gets its row; none writes nothing', async () => {
    const ids = [crypto.randomUUID(), crypto.randomUUID()];
    await writeAudit(ctx.db, ids.map((id) => ({ actor: 'system' as const, action: 'semester.reset_completed', subject: { type: 'semester', id } })));
    await writeAudit(ctx.db, []);
    for (const id of ids) expect(await ctx.db.select().from(auditLog).where(eq(auditLog.subjectId, id))).toHaveLength(1);
  });
});
