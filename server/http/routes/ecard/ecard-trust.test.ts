/**
 * Issue 12, attack 9 and the QR part of attack 2: what a card token tells a
 * reader, who may verify what, revocation and reissue, and the verification
 * rate limit. Route level, real PostgreSQL and Redis.
 */
import { eq } from 'drizzle-orm';
import { readDevInbox } from '../../../integrations/sms';
import { encryptPhone } from '../../../services/accounts/account-view';
import { accounts, auditLog, messageDeliveries, notifications, students } from '../../../db/schema';
import { deliverNotification } from '../../../services/messaging/deliver';
import { revokeCard } from '../../../services/ecard/ecard';
import { createPaymentHarness, type PaymentHarness } from '../comm-card/payment-test-support';

jest.setTimeout(30_000);

let h: PaymentHarness;
beforeAll(async () => {
  h = await createPaymentHarness();
});
afterAll(async () => {
  await h?.close();
});

const DETAIL_FIELDS = ['maskedName', 'school', 'grade', 'class', 'cardNumber', 'expiresAt'] as const;

function expectStateOnly(body: Record<string, unknown>, result: string): void {
  expect(body).toMatchObject({ result, scope: 'state_only' });
  for (const field of DETAIL_FIELDS) expect(body[field]).toBeNull();
}

/** A family with an approved card, a teacher and a school admin of the card's school, and the family's card view. */
async function cardWorld() {
  const parent = await h.account('parent');
  const holder = await h.cardHolder(parent.id);
  const ownTeacher = await h.account('teacher', { schoolId: holder.school.id });
  const ownAdmin = await h.account('school_admin', { schoolId: holder.school.id });
  const other = await h.cardHolder((await h.account('parent')).id);
  const otherTeacher = await h.account('teacher', { schoolId: other.school.id });
  const otherAdmin = await h.account('school_admin', { schoolId: other.school.id });
  const operator = await h.account('operator');
  const card = await h.api.get(`/api/students/${holder.student.id}/ecard`, parent.token);
  expect(card.status).toBe(200);
  return { parent, holder, ownTeacher, ownAdmin, otherTeacher, otherAdmin, operator, token: card.body.token as string };
}

/** Every text a reader can get out of a token without a key: its parts as text, base64url-decoded as UTF-8, hex and latin1. */
function readable(token: string): string {
  const out: string[] = [token];
  for (const part of token.split('.')) {
    const bytes = Buffer.from(part, 'base64url');
    out.push(part, bytes.toString('utf8'), bytes.toString('latin1'), bytes.toString('hex'));
  }
  return out.join('\n').toLowerCase();
}

describe('what a card token tells a reader (attack 2: the QR payload decoded to the card number)', () => {
  it('When anyone decodes a token, Then it holds no card number, no student id and no card reference; two tokens of one card share nothing but the key id', async () => {
    const { parent, holder, token } = await cardWorld();
    expect(token).toMatch(/^EC2\.[A-Za-z0-9_-]{8}\.\d{10}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(token.length).toBeLessThan(180);
    const [row] = await h.ctx.db.select().from(students).where(eq(students.id, holder.student.id));
    const text = readable(token);
    const cardNumber = holder.cardNumber!.toLowerCase();
    expect(text).not.toContain(cardNumber);
    expect(text).not.toContain(cardNumber.slice(4)); // not even the digits
    expect(text).not.toContain(holder.student.id.toLowerCase());
    expect(text).not.toContain(holder.student.id.replaceAll('-', '').toLowerCase());
    expect(text).not.toContain(row!.cardRef.replaceAll('-', '').toLowerCase());
    expect(text).not.toContain(row!.cardRef.toLowerCase());
    expect(text).not.toContain(holder.name.toLowerCase());

    // A second token of the same card a second later: nothing in common a gate could link (fresh IV per token).
    h.advance(1_000);
    const second = (await h.api.get(`/api/students/${holder.student.id}/ecard`, parent.token)).body.token as string;
    const [, kid1, , sealed1] = token.split('.');
    const [, kid2, , sealed2] = second.split('.');
    expect(kid2).toBe(kid1);
    expect(sealed2).not.toBe(sealed1);
    const a = Buffer.from(sealed1!, 'base64url');
    const b = Buffer.from(sealed2!, 'base64url');
    let equalBytes = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === b[i]) equalBytes += 1;
    expect(equalBytes).toBeLessThan(8); // random bytes agree in ~1/256 of the positions
  });
});

describe('who learns what from a verification (attack 9)', () => {
  it('When staff of the card’s own school verify, Then the masked details; staff of another school and operators get the state only', async () => {
    const { holder, ownTeacher, ownAdmin, otherTeacher, otherAdmin, operator, token } = await cardWorld();
    for (const own of [ownTeacher, ownAdmin]) {
      const res = await h.api.post('/api/ecard/verify', { token }, own.token);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ result: 'valid', scope: 'details', school: holder.school.name, class: holder.klass.name });
      expect(res.body.maskedName).toBe([...holder.name][0] + '*'.repeat([...holder.name].length - 1));
      // Even the card's own school sees the number masked.
      expect(res.body.cardNumber).toBe(`${holder.cardNumber!.slice(0, 4)}********${holder.cardNumber!.slice(-4)}`);
    }
    for (const stranger of [otherTeacher, otherAdmin, operator]) {
      const res = await h.api.post('/api/ecard/verify', { token }, stranger.token);
      expect(res.status).toBe(200);
      expectStateOnly(res.body, 'valid');
      expect(res.body.reasonCode).toBe('valid');
    }
  });

  it('When a revoked card’s token is verified, even by its own school, Then `revoked` and nothing else', async () => {
    const { holder, ownTeacher, operator, token } = await cardWorld();
    await h.ctx.db.transaction((tx) => revokeCard(tx, { studentId: holder.student.id, reason: '学生已转学', actor: null }));
    for (const who of [ownTeacher, operator]) {
      const res = await h.api.post('/api/ecard/verify', { token }, who.token);
      expectStateOnly(res.body, 'revoked');
      expect(res.body.reasonCode).toBe('revoked');
      expect(JSON.stringify(res.body)).not.toContain('转学');
    }
  });

  it('When an expired token is verified by its own school, Then `expired` and nothing else', async () => {
    const { ownTeacher, token } = await cardWorld();
    h.advance(120_000);
    const res = await h.api.post('/api/ecard/verify', { token }, ownTeacher.token);
    expectStateOnly(res.body, 'expired');
    expect(res.body.reasonCode).toBe('expired');
  });

  it('When a verifier asks for an instant before now (`at`, outside production), Then the server clock still decides: an expired token never revives', async () => {
    const { ownTeacher, token } = await cardWorld();
    const [, , expiry] = token.split('.');
    h.advance(120_000);
    const earlier = new Date((Number(expiry) - 30) * 1000).toISOString();
    const res = await h.api.post('/api/ecard/verify', { token, at: earlier }, ownTeacher.token);
    expect(res.status).toBe(200);
    expectStateOnly(res.body, 'expired');
  });
});

describe('verifications are rate-limited per verifier', () => {
  it('When one verifier exceeds ECARD_VERIFY_PER_MINUTE, Then 429 with Retry-After, while another verifier still verifies', async () => {
    const { ownTeacher, ownAdmin, token } = await cardWorld();
    const limit = h.ctx.config.ECARD_VERIFY_PER_MINUTE;
    for (let i = 0; i < limit; i++) {
      const res = await h.api.post('/api/ecard/verify', { token }, ownTeacher.token);
      expect(res.status).toBe(200);
    }
    const refused = await h.api.post('/api/ecard/verify', { token }, ownTeacher.token);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Per verifier, not per card or per IP: the school admin (same card, other requests' IPs vary anyway) is untouched.
    expect((await h.api.post('/api/ecard/verify', { token }, ownAdmin.token)).body.result).toBe('valid');
  });
});

describe('revoking and reissuing a card', () => {
  it('When a school admin of another school revokes, Then 404 and the card stays valid; a teacher and a parent get 403', async () => {
    const { parent, holder, otherAdmin, ownTeacher, token } = await cardWorld();
    const path = `/api/students/${holder.student.id}/ecard/revocation`;
    const res = await h.api.post(path, { reason: '学生已转学' }, otherAdmin.token);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    expect((await h.api.post(path, { reason: '学生已转学' }, ownTeacher.token)).status).toBe(403);
    expect((await h.api.post(path, { reason: '学生已转学' }, parent.token)).status).toBe(403);
    expect((await h.api.post(path, { reason: '学生已转学' })).status).toBe(401);
    const [row] = await h.ctx.db.select().from(students).where(eq(students.id, holder.student.id));
    expect(row!.cardRevokedAt).toBeNull();
    expect((await h.api.post('/api/ecard/verify', { token }, ownTeacher.token)).body.result).toBe('valid');
  });

  it('When an operator revokes with a reason, Then the token verifies as revoked, the family sees 已撤销 and the reason, and it is audited', async () => {
    const { parent, holder, operator, ownTeacher, token } = await cardWorld();
    const res = await h.api.post(`/api/students/${holder.student.id}/ecard/revocation`, { reason: '  身份信息有误，待核实  ' }, operator.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ studentId: holder.student.id, status: 'revoked', statusLabel: '已撤销', revokedReason: '身份信息有误，待核实' });
    expect((await h.api.post('/api/ecard/verify', { token }, ownTeacher.token)).body.result).toBe('revoked');
    const family = await h.api.get(`/api/students/${holder.student.id}/ecard`, parent.token);
    expect(family.body).toMatchObject({ status: 'revoked', statusLabel: '已撤销', revokedReason: '身份信息有误，待核实', token: null });
    expect(Date.parse(family.body.revokedAt)).toBeGreaterThan(0);
    const [audit] = await h.ctx.db.select().from(auditLog).where(eq(auditLog.subjectId, holder.student.id)).then((rows) => rows.filter((r) => r.action === 'ecard.revoked'));
    expect(audit).toMatchObject({ actorAccountId: operator.id, actorRole: 'operator', subjectType: 'student' });
    expect(audit!.detail).toMatchObject({ reason: '身份信息有误，待核实' });
    // Twice: 409, nothing changes.
    const again = await h.api.post(`/api/students/${holder.student.id}/ecard/revocation`, { reason: '重复操作' }, operator.token);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ECARD_ALREADY_REVOKED');
    // No reason, an empty one, unknown fields: 400 with the field.
    for (const body of [{}, { reason: ' ' }, { reason: '学生离校', extra: 1 }, { reason: '学生\ud800离校' }, { reason: '长'.repeat(201) }]) {
      const bad = await h.api.post(`/api/students/${holder.student.id}/ecard/revocation`, body, operator.token);
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('When the card’s school admin revokes and then reissues, Then a new card number and reference: the old token stays revoked, the new one is valid', async () => {
    const { parent, holder, ownAdmin, otherAdmin, ownTeacher, token } = await cardWorld();
    const base = `/api/students/${holder.student.id}/ecard`;
    // Reissuing a valid card: 409 (revoke first).
    expect((await h.api.post(`${base}/reissue`, { reason: '补发' }, ownAdmin.token)).body.error.code).toBe('ECARD_NOT_REVOKED');
    const [before] = await h.ctx.db.select().from(students).where(eq(students.id, holder.student.id));
    expect((await h.api.post(`${base}/revocation`, { reason: '家长申请挂失' }, ownAdmin.token)).status).toBe(200);
    expect((await h.api.post(`${base}/reissue`, { reason: '补发新卡' }, otherAdmin.token)).status).toBe(404);
    const reissued = await h.api.post(`${base}/reissue`, { reason: '补发新卡' }, ownAdmin.token);
    expect(reissued.status).toBe(200);
    expect(reissued.body).toMatchObject({ status: 'valid', statusLabel: '有效', revokedAt: null, revokedReason: null });
    expect(reissued.body.cardNumber).toMatch(/^JY\d{13}[0-9X]$/);
    expect(reissued.body.cardNumber).not.toBe(holder.cardNumber);
    const [after] = await h.ctx.db.select().from(students).where(eq(students.id, holder.student.id));
    expect(after!.cardRef).not.toBe(before!.cardRef);

    // The token of the old card verifies as revoked (the old reference is retired, not forgotten); a new one is valid.
    expect((await h.api.post('/api/ecard/verify', { token }, ownTeacher.token)).body.result).toBe('revoked');
    const fresh = await h.api.get(base, parent.token);
    expect(fresh.body).toMatchObject({ status: 'valid', cardNumber: reissued.body.cardNumber });
    const verdict = await h.api.post('/api/ecard/verify', { token: fresh.body.token }, ownTeacher.token);
    expect(verdict.body).toMatchObject({ result: 'valid', scope: 'details' });
    expect(await h.auditCount('ecard.reissued', holder.student.id)).toBe(1);
  });

  it('When staff revoke and then reissue a card, Then the family is told each time with the reason, on WeChat and by SMS', async () => {
    const { parent, holder, ownAdmin } = await cardWorld();
    const phone = `139${String(Date.now()).slice(-8)}`;
    await h.ctx.db.update(accounts).set(encryptPhone(h.ctx, phone)).where(eq(accounts.id, parent.id));
    const base = `/api/students/${holder.student.id}/ecard`;
    expect((await h.api.post(`${base}/revocation`, { reason: '家长申请挂失' }, ownAdmin.token)).status).toBe(200);
    const reissued = await h.api.post(`${base}/reissue`, { reason: '补发新卡' }, ownAdmin.token);
    expect(reissued.status).toBe(200);
    const rows = await h.ctx.db.select().from(notifications).where(eq(notifications.accountId, parent.id));
    const told = rows
      .filter((r) => r.kind.startsWith('card.'))
      .map((r) => ({ kind: r.kind, via: (r.data as { via: string }).via, reason: (r.data as { reason: string }).reason }))
      .sort((a, b) => `${a.kind}${a.via}`.localeCompare(`${b.kind}${b.via}`));
    expect(told).toEqual([
      { kind: 'card.reissued', via: 'sms', reason: '补发新卡' },
      { kind: 'card.reissued', via: 'wechat', reason: '补发新卡' },
      { kind: 'card.revoked', via: 'sms', reason: '家长申请挂失' },
      { kind: 'card.revoked', via: 'wechat', reason: '家长申请挂失' },
    ]);
    // The rows go through the one delivery path: the SMS row is texted to the family's phone with the reason.
    const sms = rows.find((r) => r.kind === 'card.revoked' && (r.data as { via: string }).via === 'sms')!;
    await deliverNotification(h.ctx, sms.id);
    const [delivery] = await h.ctx.db.select().from(messageDeliveries).where(eq(messageDeliveries.notificationId, sms.id));
    expect(delivery).toMatchObject({ channel: 'sms', status: 'sent' });
    const [text] = await readDevInbox(h.ctx.redis, h.ctx.config.QUEUE_PREFIX, { phone, limit: 1 });
    expect(JSON.stringify(text!.params)).toContain('教育卡已撤销（家长申请挂失）');
    const reissuedRow = rows.find((r) => r.kind === 'card.reissued')!;
    expect((reissuedRow.data as { cardNumber: string }).cardNumber).toBe(reissued.body.cardNumber);
  });

  it('When a card was never issued, Then revoking it is 409 ECARD_NOT_ISSUED', async () => {
    const parent = await h.account('parent');
    const fresh = await h.cardHolder(parent.id, { card: false });
    const operator = await h.account('operator');
    const res = await h.api.post(`/api/students/${fresh.student.id}/ecard/revocation`, { reason: '学生离校' }, operator.token);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ECARD_NOT_ISSUED');
  });

  it('When another use case revokes inside its own transaction (disputes), Then revokeCard takes the student or the card number and is idempotent', async () => {
    const { holder, ownTeacher, token } = await cardWorld();
    const first = await h.ctx.db.transaction((tx) => revokeCard(tx, { cardNumber: holder.cardNumber!, reason: '身份申诉：卡片转给另一家庭', actor: { id: ownTeacher.id, role: 'teacher' } }));
    expect(first).toMatchObject({ revoked: true, studentId: holder.student.id, cardNumber: holder.cardNumber });
    const second = await h.ctx.db.transaction((tx) => revokeCard(tx, { studentId: holder.student.id, reason: '再次', actor: null }));
    expect(second).toMatchObject({ revoked: false, studentId: holder.student.id });
    expect((await h.api.post('/api/ecard/verify', { token }, ownTeacher.token)).body.result).toBe('revoked');
    // A rolled-back transaction revokes nothing.
    const other = await h.cardHolder((await h.account('parent')).id);
    await expect(
      h.ctx.db.transaction(async (tx) => {
        await revokeCard(tx, { studentId: other.student.id, reason: '回滚', actor: null });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    const [row] = await h.ctx.db.select().from(students).where(eq(students.id, other.student.id));
    expect(row!.cardRevokedAt).toBeNull();
  });
});
