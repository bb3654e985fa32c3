/**
 * 我的数据 and 注销账号, route level on the real PostgreSQL and Redis: the
 * copy of a family's data, the cancellation with password + SMS code, its
 * cool-off (signing in withdraws it), and the erasure, checked by dumping the
 * live database (tools/pii-scan.ts) and decrypting every ciphertext left.
 */
import { eq, sql } from 'drizzle-orm';
import { rowsOf } from '../../../db/client';
import { accounts, auditLog, students } from '../../../db/schema';
import { CANCELLED_CARD_REASON, eraseDueAccounts, requestCancellation } from '../../../services/accounts/account-erasure';
import { listCipherColumns } from '../../../services/pii-rotation/cipher-columns';
import { findPlaintextInDump } from '../../../../tools/pii-scan';
import { GOOD_PASSWORD, randomUsername } from '../auth/auth-test-support';
import { createProfileHarness, randomMobile, registryFor, submissionBody, type ProfileHarness } from '../students/profile-test-support';

jest.setTimeout(60_000);

let h: ProfileHarness;
beforeAll(async () => {
  h = await createProfileHarness();
});
afterAll(async () => {
  await h?.close();
});

const NAME_CHARS = [...'安宝彬才辰晨诚川春丹德栋帆方飞峰刚歌光海涵航浩和恒宏鸿华欢辉慧佳嘉坚江杰洁锦瑾静娟军俊凯康可岚朗雷蕾立丽莉良林玲琳龙露璐伦曼梅敏明娜宁鹏平琪琦强勤青清晴秋荣蓉瑞润森山珊杉善少绍晟胜诗石书舒爽顺思松涛婷彤伟文雯曦霞贤翔晓欣新鑫星兴雄秀旭萱轩雪雅妍岩燕阳瑶逸毅英莹颖永勇宇雨玉元媛源悦跃云芸泽哲振正之志智中忠舟竹卓梓子'];
/** A four-character name no other row of the shared test database holds (names are looked for in the dump). */
function uniqueName(): string {
  const pick = () => NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)]!;
  return `欧阳${pick()}${pick()}${pick()}`;
}

/** The school's own tables: registry rows stay after a cancellation (they belong to the school). */
const SCHOOL_TABLES = new Set(['registry_records', 'registry_batches', 'registry_staging']);

/** A family with an approved, carded student and a second student still a draft; every plaintext value it gave. */
async function familyWithData() {
  const username = randomUsername('fam');
  const family = await h.registerAccount({ username });
  const { school, klass } = await h.schoolWithClass();
  const created = await h.api.post('/api/students', family.token);
  const studentId = created.body.id as string;
  const address = `江苏省南京市鼓楼区注销路${Date.now() % 100000}号`;
  const body = submissionBody({ school, klass, address, phone: randomMobile(), name: uniqueName() });
  body.guardians[0]!.name = uniqueName();
  await registryFor(h, body, school, klass, { guardianPhones: [family.phone] });
  const submitted = await h.api.post(`/api/students/${studentId}/submissions`, family.token, body);
  expect(submitted.status).toBe(201);
  await h.relayAndMatch(submitted.body.versionId as string);
  const [student] = await h.ctx.db.select().from(students).where(eq(students.id, studentId));
  expect(student!.cardNumber).toMatch(/^JY/);

  const draftStudent = (await h.api.post('/api/students', family.token)).body.id as string;
  const draftName = uniqueName();
  expect((await h.api.put(`/api/students/${draftStudent}/draft`, family.token, { personal: { name: draftName } })).status).toBe(200);

  const guardian = body.guardians[0]!;
  const plaintext = [
    username,
    family.phone,
    body.personal.name,
    body.personal.residentId,
    body.personal.phone!,
    guardian.name,
    guardian.residentId,
    guardian.phone,
    address,
    draftName,
  ];
  return { family, username, studentId, draftStudent, cardNumber: student!.cardNumber!, body, plaintext };
}

async function cancellationCode(token: string, phone: string): Promise<string> {
  await h.allowResend(phone);
  const sent = await h.api.post('/api/me/cancellation/code', token);
  expect(sent.status).toBe(200);
  return h.lastCode(phone);
}

/** Every decrypted string of every ciphertext outside the school's tables. */
async function decryptedValues(): Promise<string> {
  const out: string[] = [];
  for (const col of await listCipherColumns(h.ctx.db)) {
    if (SCHOOL_TABLES.has(col.table)) continue;
    const rows = await h.ctx.db.execute(sql.raw(`select "${col.column}" as v from "${col.table}" where "${col.column}" is not null`));
    for (const row of rowsOf<{ v: unknown }>(rows)) {
      try {
        out.push(h.ctx.pii.decrypt(String(row.v), col.context));
      } catch {
        // another key or context: not ours to read
      }
    }
  }
  return out.join('\n');
}

function dumpHits(values: readonly string[]) {
  return findPlaintextInDump(h.ctx.config.DATABASE_URL!, values, `test-results/account-erasure/${process.pid}.sql`).filter((hit) => !SCHOOL_TABLES.has(hit.table.replace(/"/g, '')));
}

describe('GET /api/me/data-export (我的数据)', () => {
  it('When a family asks for its data, Then it gets its account, students, submissions and consents with ID numbers and phones masked, and the export is audited', async () => {
    const f = await familyWithData();
    const res = await h.api.get('/api/me/data-export', f.family.token);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.account).toMatchObject({ username: f.username, phoneMasked: `${f.family.phone.slice(0, 3)}****${f.family.phone.slice(7)}` });
    const carded = res.body.students.find((s: { id: string }) => s.id === f.studentId);
    expect(carded).toMatchObject({ cardNumber: f.cardNumber, cardStatus: 'valid', profile: { name: f.body.personal.name } });
    expect(carded.profile.residentIdMasked).toBe(`${f.body.personal.residentId.slice(0, 6)}********${f.body.personal.residentId.slice(14)}`);
    expect(carded.submissions).toHaveLength(1);
    expect(carded.consents).toHaveLength(1);
    expect(res.body.agreements.map((a: { document: string }) => a.document).sort()).toEqual(['children_rules', 'privacy_policy']);
    // Full ID numbers and phones never leave in the copy.
    const text = JSON.stringify(res.body);
    for (const full of [f.body.personal.residentId, f.body.guardians[0]!.residentId, f.body.guardians[0]!.phone, f.family.phone]) expect(text).not.toContain(full);
    const audits = await h.ctx.db.select().from(auditLog).where(eq(auditLog.actorAccountId, f.family.accountId));
    expect(audits.map((a) => a.action)).toContain('account.data_exported');
  });
});

describe('POST /api/me/cancellation (注销账号)', () => {
  it('When the password or the code is wrong, Then 400 on that field and nothing changes', async () => {
    const f = await familyWithData();
    const code = await cancellationCode(f.family.token, f.family.phone);
    const wrongPassword = await h.api.post('/api/me/cancellation', f.family.token, { password: 'Not-the-password-9', smsCode: code });
    expect(wrongPassword.status).toBe(400);
    expect(wrongPassword.body.error).toMatchObject({ code: 'CURRENT_PASSWORD_WRONG', fields: { 'body.password': '登录密码不正确' } });
    const wrongCode = await h.api.post('/api/me/cancellation', f.family.token, { password: GOOD_PASSWORD, smsCode: code === '000000' ? '111111' : '000000' });
    expect(wrongCode.status).toBe(400);
    expect(wrongCode.body.error.code).toBe('SMS_CODE_INVALID');
    const unknown = await h.api.post('/api/me/cancellation', f.family.token, { password: GOOD_PASSWORD, smsCode: code, extra: 1 });
    expect(unknown.status).toBe(400);
    expect((await h.api.get('/api/me', f.family.token)).status).toBe(200);
  });

  it('When a family cancels, Then it is signed out for a cool-off that signing in again withdraws; asked again and past the cool-off, its data is erased, its cards revoked, and a dump of the database holds none of it', async () => {
    const f = await familyWithData();
    // Before: the dump does hold the family's plaintext (its username, names, address): the scan can see it.
    expect(dumpHits(f.plaintext).map((hit) => hit.value)).toEqual(expect.arrayContaining([f.username, f.body.personal.name]));

    const scheduled = await h.api.post('/api/me/cancellation', f.family.token, { password: GOOD_PASSWORD, smsCode: await cancellationCode(f.family.token, f.family.phone), reason: 'privacy' });
    expect(scheduled.status).toBe(200);
    expect(scheduled.body).toMatchObject({ state: 'scheduled', cardsRevoked: 0 });
    expect(Date.parse(scheduled.body.eraseAfter) - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);
    expect((await h.api.get('/api/me', f.family.token)).status).toBe(401);

    // Signing in again withdraws it.
    const back = await h.client().post('/api/auth/login', { login: f.username, password: GOOD_PASSWORD });
    expect(back.status).toBe(200);
    const [withdrawn] = await h.ctx.db.select().from(accounts).where(eq(accounts.id, f.family.accountId));
    expect(withdrawn!.eraseAfter).toBeNull();
    const token = back.body.token as string;

    const again = await h.api.post('/api/me/cancellation', token, { password: GOOD_PASSWORD, smsCode: await cancellationCode(token, f.family.phone) });
    expect(again.body.state).toBe('scheduled');
    // The cool-off ends: the daily cleanup erases it.
    await h.ctx.db.update(accounts).set({ eraseAfter: new Date(Date.now() - 1000) }).where(eq(accounts.id, f.family.accountId));
    expect(await eraseDueAccounts(h.ctx)).toBeGreaterThanOrEqual(1);

    const [account] = await h.ctx.db.select().from(accounts).where(eq(accounts.id, f.family.accountId));
    expect(account).toMatchObject({ status: 'cancelled', username: null, phoneCipher: null, phoneIndex: null, passwordHash: null });
    const [card] = await h.ctx.db.select().from(students).where(eq(students.id, f.studentId));
    expect(card).toMatchObject({ cardNumber: f.cardNumber, cardRevokedReason: CANCELLED_CARD_REASON, approvedVersionId: null, residentIdIndex: null });
    expect((await h.client().post('/api/auth/login', { login: f.username, password: GOOD_PASSWORD })).status).toBe(401);

    // The audit entries stay, with pseudonyms only: no IP of the family, no detail about it.
    const kept = await h.ctx.db.select().from(auditLog).where(eq(auditLog.actorAccountId, f.family.accountId));
    expect(kept.map((a) => a.action)).toEqual(expect.arrayContaining(['account.registered', 'account.cancellation_requested', 'ecard.revoked', 'account.erased']));
    for (const entry of kept) {
      expect(entry.ip).toBeNull();
      if (entry.action !== 'account.erased') expect(entry.detail).toBeNull();
    }

    // The live database: nothing of the family in plaintext, and no ciphertext that decrypts to any of it.
    expect(dumpHits(f.plaintext)).toEqual([]);
    const decrypted = await decryptedValues();
    for (const value of f.plaintext) expect([value, decrypted.includes(value)]).toEqual([value, false]);
  });

  it('When the cool-off is set to 0, Then the data is erased at once and the answer says so', async () => {
    const f = await familyWithData();
    // The same use case in a context configured without a cool-off (the test context's config is frozen).
    const app = { ...h.ctx, config: { ...h.ctx.config, ACCOUNT_CANCEL_COOLOFF_DAYS: 0 } };
    const smsCode = await cancellationCode(f.family.token, f.family.phone);
    const res = await requestCancellation(app, { accountId: f.family.accountId, password: GOOD_PASSWORD, smsCode }, { ip: '10.9.9.9', requestId: 'test', userAgent: null });
    expect(res).toEqual({ state: 'erased', eraseAfter: null, cardsRevoked: 1 });
    expect((await h.api.get('/api/me', f.family.token)).status).toBe(401);
    expect(dumpHits([f.username, f.body.personal.name, f.body.guardians[0]!.name])).toEqual([]);
  });

  it('When a teacher asks to cancel, Then 403: staff accounts are ended by their school', async () => {
    const { school } = await h.schoolWithClass();
    const teacher = await h.staff('teacher', school.id);
    const res = await h.api.post('/api/me/cancellation/code', teacher.token);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe('教职工账号请联系学校管理员注销');
  });
});
