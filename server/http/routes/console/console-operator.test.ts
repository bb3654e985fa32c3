/**
 * The card centre's operator routes on the real PostgreSQL and Redis: the
 * hotline look-up (by phone, resident ID, card number, username; masked; the
 * search audited), the reveal with a reason (audited), revoking a card from
 * the look-up (the family's e-card then says revoked and why), unlocking an
 * account, the audit log search, the province overview from the aggregates,
 * and the cookie of the pages outside the SPA (bull-board, the API docs).
 */
import { and, eq } from 'drizzle-orm';
import request from 'supertest';
import { AuditListResponseSchema, OverviewResponseSchema, SupportFamilyDetailSchema, SupportSearchResponseSchema } from '../../../../domain/api/console-operator';
import { maskPhone, maskResidentId } from '../../../../domain/masking';
import { accounts, auditLog, sessions } from '../../../db/schema';
import { hashPassword } from '../../../security/passwords';
import { accountGuardKey } from '../../../security/login-guard';
import { encryptPhone } from '../../../services/accounts/account-view';
import { createSession } from '../../../services/accounts/sessions';
import { recomputeClassStats } from '../../../services/console/console-stats';
import { matchProfileVersion } from '../../../services/registry-matching';
import { buildAccount, buildRegistryRecord, buildSchool, buildSubmittedVersion, registryRowFor, type BuiltSubmission } from '../../../test/factories';
import { createApp } from '../../app';
import { STAFF_PAGES_COOKIE } from '../../middlewares/staff-pages';
import { createHarness, GOOD_PASSWORD, randomPhone, randomUsername, type Harness } from '../auth/auth-test-support';

jest.setTimeout(60_000);

let h: Harness;
let operator: { id: string; token: string };
let family: BuiltSubmission;

const meta = { ip: '127.0.0.1', requestId: 'test', userAgent: null };

async function consoleToken(accountId: string): Promise<string> {
  return (await createSession(h.ctx.db, h.ctx, { accountId, channel: 'console', meta })).token;
}

async function approvedFamily(): Promise<BuiltSubmission> {
  const built = await buildSubmittedVersion(h.ctx, { withOutbox: false });
  await buildRegistryRecord(h.ctx, registryRowFor(built));
  const result = await matchProfileVersion(h.ctx, built.version.id);
  if (result.status !== 'approved') throw new Error(`expected an approval, got ${JSON.stringify(result)}`);
  return built;
}

beforeAll(async () => {
  h = await createHarness();
  const username = randomUsername('op');
  const account = await buildAccount(h.ctx.db, { role: 'operator', username, usernameKey: username, passwordHash: await hashPassword(GOOD_PASSWORD), ...encryptPhone(h.ctx, randomPhone()) });
  operator = { id: account.id, token: await consoleToken(account.id) };
  family = await approvedFamily();
});

afterAll(async () => {
  await h?.close();
});

const get = (path: string, token = operator.token) => request(createApp(h.ctx).callback()).get(path).set('Authorization', `Bearer ${token}`);
const post = (path: string, body: object, token = operator.token) => request(createApp(h.ctx).callback()).post(path).set('Authorization', `Bearer ${token}`).send(body);

describe('the hotline look-up', () => {
  test('When an operator searches by the family phone, then the family and its students come back masked and the search is audited without the number', async () => {
    const res = await get(`/api/console/support/search?kind=phone&q=${family.familyPhone}`);
    expect(res.status).toBe(200);
    expect(SupportSearchResponseSchema.safeParse(res.body).error?.issues ?? []).toEqual([]);
    expect(res.body.items).toHaveLength(1);
    const [item] = res.body.items;
    expect(item).toMatchObject({ matchedBy: '账号手机号', account: { id: family.family.id, phoneMasked: maskPhone(family.familyPhone!), locked: false } });
    expect(item.students).toEqual([
      expect.objectContaining({ id: family.student.id, residentIdMasked: maskResidentId(family.residentId), status: 'approved', cardStatus: 'valid', cardNumber: expect.stringMatching(/^JY/) }),
    ]);
    // Nothing in plaintext: not the phone, not the ID, not the name.
    expect(res.text).not.toContain(family.familyPhone!);
    expect(res.text).not.toContain(family.residentId);
    expect(res.text).not.toContain(family.name);
    const [audit] = await h.ctx.db.select().from(auditLog).where(and(eq(auditLog.actorAccountId, operator.id), eq(auditLog.action, 'console.support_search'))).orderBy(auditLog.id);
    expect(audit!.detail).toEqual({ kind: 'phone', query: maskPhone(family.familyPhone!), results: 1 });
  });

  test('When the operator searches by resident ID (lower-case x, spaces), card number or username, then the same family is found', async () => {
    const id = family.residentId.replace('X', 'x').replace(/^(\d{6})/, '$1 ');
    const byId = await get(`/api/console/support/search?kind=residentId&q=${encodeURIComponent(id)}`);
    expect(byId.body.items.map((i: { account: { id: string } }) => i.account.id)).toContain(family.family.id);
    const card = byId.body.items[0].students[0].cardNumber as string;
    const byCard = await get(`/api/console/support/search?kind=cardNumber&q=${card.toLowerCase()}`);
    expect(byCard.body.items).toEqual([expect.objectContaining({ matchedBy: '教育卡号', account: expect.objectContaining({ id: family.family.id }) })]);
    const username = randomUsername('fam');
    const other = await buildAccount(h.ctx.db, { role: 'parent', username, usernameKey: username });
    const byName = await get(`/api/console/support/search?kind=username&q=${username.toUpperCase()}`);
    expect(byName.body.items).toEqual([expect.objectContaining({ matchedBy: '用户名', account: expect.objectContaining({ id: other.id, usernameMasked: expect.stringContaining('*') }), students: [] })]);
  });

  test('When the query is not a phone number, then 400 names the field in Chinese', async () => {
    const res = await get('/api/console/support/search?kind=phone&q=12345');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', fields: { 'query.q': '请输入 11 位手机号' } });
    const kind = await get('/api/console/support/search?kind=email&q=a');
    expect(kind.status).toBe(400);
    expect(Object.keys(kind.body.error.fields)).toEqual(['query.kind']);
  });

  test('When a school admin asks, then 403: the look-up is the centre’s', async () => {
    const admin = await buildAccount(h.ctx.db, { role: 'school_admin', schoolId: family.school.id });
    const res = await get(`/api/console/support/search?kind=phone&q=${family.familyPhone}`, await consoleToken(admin.id));
    expect(res.status).toBe(403);
  });
});

describe('revealing a full value', () => {
  test('When the operator gives no reason, then 400 and nothing is revealed or audited', async () => {
    const res = await post('/api/console/support/reveal', { field: 'studentResidentId', subjectId: family.student.id, reason: ' ' });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toHaveProperty(['body.reason']);
    const rows = await h.ctx.db.select().from(auditLog).where(and(eq(auditLog.subjectId, family.student.id), eq(auditLog.action, 'console.pii_revealed')));
    expect(rows).toHaveLength(0);
  });

  test('When the operator gives a reason, then the full ID is answered and the reveal is audited with the reason, not the value', async () => {
    const res = await post('/api/console/support/reveal', { field: 'studentResidentId', subjectId: family.student.id, reason: '家长来电，核对孩子身份证号' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ field: 'studentResidentId', value: family.residentId, auditId: expect.any(Number) });
    const [row] = await h.ctx.db.select().from(auditLog).where(eq(auditLog.id, res.body.auditId));
    expect(row).toMatchObject({ actorAccountId: operator.id, action: 'console.pii_revealed', subjectType: 'student', subjectId: family.student.id, detail: { field: 'studentResidentId', reason: '家长来电，核对孩子身份证号' } });
    expect(JSON.stringify(row!.detail)).not.toContain(family.residentId);
  });
});

describe('acting from the look-up', () => {
  test('When the operator revokes the card with a reason, then the family’s e-card says revoked and why, and the look-up shows it', async () => {
    const built = await approvedFamily();
    const res = await post(`/api/students/${built.student.id}/ecard/revocation`, { reason: '家长来电挂失' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'revoked', revokedReason: '家长来电挂失' });
    const familyToken = (await createSession(h.ctx.db, h.ctx, { accountId: built.family.id, channel: 'h5', meta })).token;
    const card = await get(`/api/students/${built.student.id}/ecard`, familyToken);
    expect(card.body).toMatchObject({ status: 'revoked', statusLabel: '已撤销', revokedReason: '家长来电挂失' });
    const detail = await get(`/api/console/support/families/${built.family.id}`);
    expect(SupportFamilyDetailSchema.safeParse(detail.body).error?.issues ?? []).toEqual([]);
    expect(detail.body.students[0]).toMatchObject({ cardStatus: 'revoked', cardRevokedReason: '家长来电挂失' });
  });

  test('When an account is delayed by failed passwords, then unlock clears it (audited)', async () => {
    const built = await approvedFamily();
    const guard = h.sec.loginGuard;
    for (let i = 0; i < 8; i += 1) await guard.recordFailure([accountGuardKey(built.family.id)]);
    const before = await get(`/api/console/support/families/${built.family.id}`);
    expect(before.body.account.locked).toBe(true);
    const res = await post(`/api/console/support/accounts/${built.family.id}/unlock`, { reason: '家长来电，已核实身份' });
    expect(res.status).toBe(200);
    expect(res.body.account).toMatchObject({ locked: false, failedLoginCount: 0 });
    expect((await guard.state([accountGuardKey(built.family.id)])).failures).toBe(0);
  });
});

describe('the audit log search', () => {
  test('When searching by subject, action prefix and actor, then the matching entries come back newest first', async () => {
    const bySubject = await get(`/api/console/audit?subjectType=student&subjectId=${family.student.id}`);
    expect(bySubject.status).toBe(200);
    expect(AuditListResponseSchema.safeParse(bySubject.body).error?.issues ?? []).toEqual([]);
    expect(bySubject.body.items.map((e: { action: string }) => e.action)).toContain('console.pii_revealed');
    const byActor = await get(`/api/console/audit?actorId=${operator.id}&action=console.&pageSize=50`);
    const actions = byActor.body.items.map((e: { action: string }) => e.action) as string[];
    expect(actions.length).toBeGreaterThan(2);
    expect(actions.every((a) => a.startsWith('console.'))).toBe(true);
    const ats = byActor.body.items.map((e: { at: string }) => e.at) as string[];
    expect([...ats].sort().reverse()).toEqual(ats);
    const future = await get(`/api/console/audit?actorId=${operator.id}&from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`);
    expect(future.body).toMatchObject({ items: [], hasMore: false });
    const bad = await get('/api/console/audit?from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toHaveProperty(['query.from']);
  });
});

describe('the province overview', () => {
  test('When schools carry their city and district, then the overview sums the aggregates by city, district and school', async () => {
    const city = `9${String(Math.floor(Math.random() * 90000) + 10000)}`.slice(0, 4) + '00';
    const a = await approvedFamily();
    const b = await approvedFamily();
    const region = (district: string, name: string) => ({ cityCode: city, cityName: '测试市', districtCode: `${city.slice(0, 4)}${district}`, districtName: name });
    expect((await request(createApp(h.ctx).callback()).put(`/api/console/schools/${a.school.id}/region`).set('Authorization', `Bearer ${operator.token}`).send(region('01', '甲区'))).status).toBe(200);
    expect((await request(createApp(h.ctx).callback()).put(`/api/console/schools/${b.school.id}/region`).set('Authorization', `Bearer ${operator.token}`).send(region('02', '乙区'))).status).toBe(200);
    const empty = await buildSchool(h.ctx.db, { cityCode: city, cityName: '测试市', districtCode: `${city.slice(0, 4)}02`, districtName: '乙区' });
    await recomputeClassStats(h.ctx, [a.klass.id, b.klass.id]);

    const province = await get('/api/console/overview');
    expect(province.status).toBe(200);
    expect(OverviewResponseSchema.safeParse(province.body).error?.issues ?? []).toEqual([]);
    const cityRow = province.body.rows.find((r: { key: string }) => r.key === city);
    expect(cityRow).toMatchObject({ label: '测试市', schools: 3, counts: expect.objectContaining({ registered: 2, approved: 2, autoApproved: 2 }) });

    const byCity = await get(`/api/console/overview?cityCode=${city}`);
    expect(byCity.body).toMatchObject({ level: 'city', rowsAre: 'district', title: '测试市', schools: 3, totals: expect.objectContaining({ approved: 2 }) });
    expect(byCity.body.rows.map((r: { label: string; schools: number; counts: { approved: number } }) => [r.label, r.schools, r.counts.approved])).toEqual([
      ['甲区', 1, 1],
      ['乙区', 2, 1],
    ]);
    const byDistrict = await get(`/api/console/overview?districtCode=${city.slice(0, 4)}02`);
    expect(byDistrict.body).toMatchObject({ level: 'district', rowsAre: 'school', title: '测试市乙区' });
    expect(byDistrict.body.rows.map((r: { key: string }) => r.key).sort()).toEqual([b.school.id, empty.id].sort());

    const wrong = await request(createApp(h.ctx).callback()).put(`/api/console/schools/${a.school.id}/region`).set('Authorization', `Bearer ${operator.token}`).send({ ...region('01', '甲区'), districtCode: '110101' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.fields).toEqual({ 'body.districtCode': '区县代码应属于所选城市（前 4 位相同）' });
  });
});

describe('pages outside the SPA: bull-board and the API docs', () => {
  function cookieOf(res: request.Response): string {
    const header = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${STAFF_PAGES_COOKIE}=`));
    if (!header) throw new Error('no staff pages cookie');
    return header;
  }

  test('When the signed-in operator asks, then a short HttpOnly SameSite=Strict cookie opens the queues; without it, or after sign-out, they are refused', async () => {
    const token = await consoleToken(operator.id);
    const app = createApp(h.ctx).callback();
    expect((await request(app).get('/console/queues')).status).toBe(401);
    const res = await request(app).post('/api/console/staff-pages-session').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    const header = cookieOf(res);
    expect(header).toMatch(/httponly/i);
    expect(header).toMatch(/samesite=strict/i);
    expect(header).toMatch(/max-age=600|expires=/i);
    const cookie = header.split(';')[0]!;
    const board = await request(app).get('/console/queues').set('Cookie', cookie);
    expect(board.status).toBe(200);
    expect(board.text).toContain('__UI_CONFIG__');
    const api = await request(app).get('/console/queues/api/queues').set('Cookie', cookie);
    expect(api.status).toBe(200);
    expect(JSON.stringify(api.body)).toContain('registry-match');
    // A forged signature, and the cookie after the console session ends.
    expect((await request(app).get('/console/queues').set('Cookie', cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).status).toBe(401);
    await h.ctx.db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, cookie.split('=')[1]!.split('.')[0]!));
    expect((await request(app).get('/console/queues').set('Cookie', cookie)).status).toBe(401);
  });

  test('When running in production, then /api/docs needs the operator cookie too', async () => {
    // Behind the TLS-terminating proxy, as production runs: the cookie is Secure.
    const production = createApp({ ...h.ctx, config: { ...h.ctx.config, NODE_ENV: 'production', TRUST_PROXY: 1 } }).callback();
    expect((await request(production).get('/api/docs')).status).toBe(401);
    const token = await consoleToken(operator.id);
    const res = await request(production).post('/api/console/staff-pages-session').set('Authorization', `Bearer ${token}`).set('X-Forwarded-Proto', 'https');
    expect(res.status).toBe(200);
    const header = cookieOf(res);
    expect(header).toMatch(/secure/i);
    const docs = await request(production).get('/api/docs').set('Cookie', header.split(';')[0]!);
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger-ui');
  });
});

describe('staff accounts: school administrators and operators', () => {
  const put = (path: string, body: object, token = operator.token) => request(createApp(h.ctx).callback()).put(path).set('Authorization', `Bearer ${token}`).send(body);

  test('When an operator creates a school admin, then a one-time password is shown once, works for the console sign-in, and must be changed', async () => {
    const school = await buildSchool(h.ctx.db);
    const username = randomUsername('sa');
    const phone = randomPhone();
    const res = await post('/api/console/staff', { role: 'school_admin', schoolId: school.id, username, displayName: '王老师', phone });
    expect(res.status).toBe(201);
    expect(res.body.account).toMatchObject({ role: 'school_admin', username, phoneMasked: maskPhone(phone), passwordChangeRequired: true, school: { id: school.id } });
    const password = res.body.oneTimePassword as string;
    expect(password.length).toBeGreaterThanOrEqual(12);
    const [row] = await h.ctx.db.select().from(accounts).where(eq(accounts.id, res.body.account.id));
    expect(row!.passwordHash).not.toContain(password);
    const [audit] = await h.ctx.db.select().from(auditLog).where(and(eq(auditLog.subjectId, row!.id), eq(auditLog.action, 'console.staff_created')));
    expect(JSON.stringify(audit!.detail)).not.toContain(password);
    expect(JSON.stringify(audit!.detail)).not.toContain(phone);
    const login = await h.client().post('/api/console/auth/login', { login: username, password });
    expect(login.status).toBe(200);

    // The same username again: 400 on the field.
    const again = await post('/api/console/staff', { role: 'school_admin', schoolId: school.id, username: username.toUpperCase(), displayName: '王老师', phone });
    expect(again.status).toBe(400);
    expect(again.body.error.fields).toEqual({ 'body.username': '该用户名已被使用，请换一个' });
    // A school admin needs a school.
    const noSchool = await post('/api/console/staff', { role: 'school_admin', username: randomUsername('sb'), displayName: '李老师', phone });
    expect(noSchool.body.error.fields).toEqual({ 'body.schoolId': '请选择学校' });

    const list = await get(`/api/console/staff?role=school_admin&schoolId=${school.id}`);
    expect(list.body).toMatchObject({ total: 1, items: [expect.objectContaining({ id: row!.id })] });
  });

  test('When the operator resets or disables a staff account, then its sessions end; a disabled one cannot sign in until enabled', async () => {
    const res = await post('/api/console/staff', { role: 'operator', username: randomUsername('op'), displayName: '值班员乙', phone: randomPhone() });
    const id = res.body.account.id as string;
    const session = await consoleToken(id);
    const reset = await post(`/api/console/staff/${id}/password-reset`, {});
    expect(reset.status).toBe(200);
    expect(reset.body.oneTimePassword).not.toBe(res.body.oneTimePassword);
    expect((await get('/api/console/me', session)).status).toBe(401);

    const second = await consoleToken(id);
    const disabled = await put(`/api/console/staff/${id}/status`, { status: 'disabled', reason: '调岗' });
    expect(disabled.body.account.status).toBe('disabled');
    expect((await get('/api/console/me', second)).status).toBe(401);
    const login = await h.client().post('/api/console/auth/login', { login: res.body.account.username, password: reset.body.oneTimePassword });
    expect(login.body.error.code).toBe('ACCOUNT_DISABLED');
    const enabled = await put(`/api/console/staff/${id}/status`, { status: 'active', reason: '返岗' });
    expect(enabled.body.account.status).toBe('active');
    // An operator cannot lock themselves out.
    expect((await put(`/api/console/staff/${operator.id}/status`, { status: 'disabled', reason: '测试' })).status).toBe(403);
  });
});
