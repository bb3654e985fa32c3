/**
 * `npm run operator:create`: the first operator, once, with a generated
 * password that must be changed at the first console sign-in. On a database
 * of its own (the check is "no operator anywhere").
 */
import { eq } from 'drizzle-orm';
import { accounts, auditLog } from '../../db/schema';
import { verifyPassword } from '../../security/passwords';
import { createScratchTestContext } from '../../test/scratch-database';
import type { TestContext } from '../../test/context';
import { phoneOf } from '../accounts/account-view';
import { createFirstOperator, OperatorBootstrapError } from './operator-bootstrap';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createScratchTestContext();
});

afterAll(async () => {
  await ctx?.cleanup();
});

test('When no operator exists, then one is created with a generated password to change at first sign-in; a second run is refused', async () => {
  const created = await createFirstOperator(ctx, { username: 'centre_admin', phone: '13912345678', createdBy: 'cli:test' });
  expect(created).toMatchObject({ username: 'centre_admin', phoneMasked: '139****5678' });
  expect(created.password).toMatch(/^[A-Za-z0-9#]{16,}$/);
  const [row] = await ctx.db.select().from(accounts).where(eq(accounts.id, created.id));
  expect(row).toMatchObject({ role: 'operator', status: 'active', schoolId: null, passwordChangeRequired: true });
  expect(row!.passwordHash).not.toContain(created.password);
  expect(await verifyPassword(row!.passwordHash, created.password)).toBe(true);
  expect(phoneOf(ctx, row!)).toBe('13912345678');
  const audit = await ctx.db.select().from(auditLog).where(eq(auditLog.subjectId, created.id));
  expect(audit.map((a) => a.action)).toEqual(['console.operator_bootstrapped']);
  expect(JSON.stringify(audit)).not.toContain(created.password);

  await expect(createFirstOperator(ctx, { username: 'second_admin', phone: '13912345679', createdBy: 'cli:test' })).rejects.toMatchObject({ reason: 'operator_exists' });
  expect(await ctx.db.select().from(accounts).where(eq(accounts.role, 'operator'))).toHaveLength(1);
});

test('When the phone or the username is not valid, then nothing is created', async () => {
  await expect(createFirstOperator(ctx, { username: 'ok_name', phone: '12345', createdBy: 'cli:test' })).rejects.toBeInstanceOf(OperatorBootstrapError);
  await expect(createFirstOperator(ctx, { username: '1bad', phone: '13912345670', createdBy: 'cli:test' })).rejects.toMatchObject({ reason: 'username_invalid' });
});
