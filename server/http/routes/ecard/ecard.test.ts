import { createPublicKey, verify } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { students } from '../../../db/schema';
import { revokeCard, verifyEcard } from '../../../services/ecard/ecard';
import { withConfig } from '../../../test/context';
import { createPaymentHarness, type PaymentHarness } from '../comm-card/payment-test-support';

jest.setTimeout(20_000);

let h: PaymentHarness;
beforeAll(async () => {
  h = await createPaymentHarness();
});
afterAll(async () => {
  await h?.close();
});

async function cardAndStaff() {
  const parent = await h.account('parent');
  const student = await h.cardHolder(parent.id);
  // A teacher of the card's own school: the verifier who sees the masked details.
  const teacher = await h.account('teacher', { schoolId: student.school.id });
  const card = await h.api.get(`/api/students/${student.student.id}/ecard`, parent.token);
  expect(card.status).toBe(200);
  return { parent, student, teacher, card: card.body };
}

describe('GET /api/students/:studentId/ecard', () => {
  it('When the family asks, Then it sees the full name, school, class, card number, validity and a fresh token', async () => {
    const { student, card } = await cardAndStaff();
    expect(card).toMatchObject({
      studentId: student.student.id,
      name: student.name,
      schoolName: student.school.name,
      className: student.klass.name,
      cardNumber: student.cardNumber,
      status: 'valid',
      statusLabel: '有效',
    });
    // The latest semester opened (other tests open some in the shared database), else the school year.
    expect(card.validity.length).toBeGreaterThan(0);
    expect(card.token).toMatch(/^EC2\.[A-Za-z0-9_-]{8}\.\d+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(card.token.length).toBeLessThanOrEqual(180); // QR version 9-M
    expect(card).toMatchObject({ revokedAt: null, revokedReason: null });
    expect(Date.parse(card.tokenExpiresAt) - h.now()).toBeLessThanOrEqual(60_000);
  });

  it('When another family or a teacher asks, Then 404; a student without a card shows not_issued and no token', async () => {
    const { student, teacher } = await cardAndStaff();
    const other = await h.account('parent');
    expect((await h.api.get(`/api/students/${student.student.id}/ecard`, other.token)).status).toBe(404);
    expect((await h.api.get(`/api/students/${student.student.id}/ecard`, teacher.token)).status).toBe(404);
    const parent = await h.account('parent');
    const fresh = await h.cardHolder(parent.id, { card: false });
    const res = await h.api.get(`/api/students/${fresh.student.id}/ecard`, parent.token);
    expect(res.body).toMatchObject({ status: 'not_issued', token: null, cardNumber: null });
  });
});

describe('POST /api/ecard/verify', () => {
  it('When staff of the school scan a fresh token, Then valid with the masked name, school, grade, class and card number', async () => {
    const { student, teacher, card } = await cardAndStaff();
    const res = await h.api.post('/api/ecard/verify', { token: card.token }, teacher.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ result: 'valid', reasonCode: 'valid', scope: 'details', school: student.school.name, class: student.klass.name });
    expect(res.body.cardNumber).toBe(`${student.cardNumber!.slice(0, 4)}********${student.cardNumber!.slice(-4)}`);
    expect(res.body.maskedName).toBe(student.name[0] + '*'.repeat([...student.name].length - 1));
    expect(res.body.grade).toBeTruthy();
    expect(await h.auditCount('ecard.verified', student.student.id)).toBe(1);
  });

  it('When the token outlived its lifetime (clock moved), Then expired with its reason', async () => {
    const { teacher, card } = await cardAndStaff();
    h.advance(66_000);
    const res = await h.api.post('/api/ecard/verify', { token: card.token }, teacher.token);
    expect(res.body).toMatchObject({ result: 'expired', reasonCode: 'expired' });
    expect(res.body.reason).toContain('过期');
  });

  it('When the expiry, the sealed reference or the signature was changed, Then invalid (bad signature); garbage and the old EC1 format are malformed', async () => {
    const { teacher, card } = await cardAndStaff();
    const [prefix, kid, expiry, sealed, signature] = card.token.split('.');
    const later = await h.api.post('/api/ecard/verify', { token: [prefix, kid, Number(expiry) + 30, sealed, signature].join('.') }, teacher.token);
    expect(later.body).toMatchObject({ result: 'invalid', reasonCode: 'bad_signature', scope: 'state_only', maskedName: null });
    const i = Math.floor(sealed.length / 2);
    const otherSealed = `${sealed.slice(0, i)}${sealed[i] === 'A' ? 'B' : 'A'}${sealed.slice(i + 1)}`;
    expect((await h.api.post('/api/ecard/verify', { token: [prefix, kid, expiry, otherSealed, signature].join('.') }, teacher.token)).body.reasonCode).toBe('bad_signature');
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    expect((await h.api.post('/api/ecard/verify', { token: [prefix, kid, expiry, sealed, flipped].join('.') }, teacher.token)).body.reasonCode).toBe('bad_signature');
    expect((await h.api.post('/api/ecard/verify', { token: 'hello world' }, teacher.token)).body).toMatchObject({ result: 'invalid', reasonCode: 'malformed' });
    const ec1 = `EC1.${Buffer.from(JSON.stringify({ c: 'JY32260000000011', e: Number(expiry), k: kid })).toString('base64url')}.${signature}`;
    expect((await h.api.post('/api/ecard/verify', { token: ec1 }, teacher.token)).body).toMatchObject({ result: 'invalid', reasonCode: 'malformed' });
  });

  it('When the key id is unknown, Then invalid with unknown_key', async () => {
    const { teacher, card } = await cardAndStaff();
    const [prefix, , expiry, sealed, signature] = card.token.split('.');
    const res = await h.api.post('/api/ecard/verify', { token: [prefix, 'zzzzzzzz', expiry, sealed, signature].join('.') }, teacher.token);
    expect(res.body).toMatchObject({ result: 'invalid', reasonCode: 'unknown_key' });
  });

  it('When the card was revoked, Then a still-fresh token verifies as revoked, and the family gets no new token', async () => {
    const { parent, student, teacher, card } = await cardAndStaff();
    expect((await h.ctx.db.transaction((tx) => revokeCard(tx, { studentId: student.student.id, reason: '学生离校', actor: null }))).revoked).toBe(true);
    expect((await h.ctx.db.transaction((tx) => revokeCard(tx, { studentId: student.student.id, reason: '学生离校', actor: null }))).revoked).toBe(false);
    const res = await h.api.post('/api/ecard/verify', { token: card.token }, teacher.token);
    expect(res.body).toMatchObject({ result: 'revoked', reasonCode: 'revoked', scope: 'state_only', cardNumber: null, maskedName: null });
    const again = await h.api.get(`/api/students/${student.student.id}/ecard`, parent.token);
    expect(again.body).toMatchObject({ status: 'revoked', statusLabel: '已撤销', revokedReason: '学生离校', token: null });
    const [row] = await h.ctx.db.select().from(students).where(eq(students.id, student.student.id));
    expect(row!.cardRevokedAt).not.toBeNull();
    expect(await h.auditCount('ecard.revoked', student.student.id)).toBe(1);
  });

  it('When a test outside production asks as of a later instant (`at`), Then expired without moving the clock', async () => {
    const { teacher, card } = await cardAndStaff();
    const expiresAt = Date.parse(card.tokenExpiresAt);
    const later = new Date(expiresAt + 60_000).toISOString();
    const expired = await h.api.post('/api/ecard/verify', { token: card.token, at: later }, teacher.token);
    expect(expired.status).toBe(200);
    expect(expired.body).toMatchObject({ result: 'expired', reasonCode: 'expired', cardNumber: null });
    // Inside the lifetime (and without `at`) the same token is still valid: the server's clock did not move.
    const inside = await h.api.post('/api/ecard/verify', { token: card.token, at: new Date(expiresAt - 1_000).toISOString() }, teacher.token);
    expect(inside.body.result).toBe('valid');
    expect((await h.api.post('/api/ecard/verify', { token: card.token }, teacher.token)).body.result).toBe('valid');
    expect((await h.api.post('/api/ecard/verify', { token: card.token, at: 'tomorrow' }, teacher.token)).status).toBe(400);
  });

  it('When NODE_ENV=production, Then `at` is ignored and the server clock decides', async () => {
    const { teacher, card } = await cardAndStaff();
    const production = withConfig(h.ctx, { NODE_ENV: 'production' }, { ecard: { now: h.now } });
    const later = new Date(Date.parse(card.tokenExpiresAt) + 60_000).toISOString();
    const meta = { ip: '127.0.0.1', requestId: 'jest', userAgent: 'jest' };
    const inProduction = await verifyEcard(production, { id: teacher.id, role: 'teacher' }, card.token, meta, { at: later });
    expect(inProduction.result).toBe('valid');
    const inTest = await verifyEcard(h.ctx, { id: teacher.id, role: 'teacher' }, card.token, meta, { at: later });
    expect(inTest.result).toBe('expired');
  });

  it('When a parent or nobody calls verify, Then 403 / 401; school admins and operators may', async () => {
    const { parent, card, student } = await cardAndStaff();
    expect((await h.api.post('/api/ecard/verify', { token: card.token }, parent.token)).status).toBe(403);
    expect((await h.api.post('/api/ecard/verify', { token: card.token })).status).toBe(401);
    const admin = await h.account('school_admin', { schoolId: student.school.id });
    expect((await h.api.post('/api/ecard/verify', { token: card.token }, admin.token)).body).toMatchObject({ result: 'valid', scope: 'details' });
    const operator = await h.account('operator');
    expect((await h.api.post('/api/ecard/verify', { token: card.token }, operator.token)).body).toMatchObject({ result: 'valid', scope: 'state_only' });
  });
});

describe('GET /api/ecard/public-key', () => {
  it('When a gate fetches the key, Then node:crypto alone verifies a token offline (JWK and PEM)', async () => {
    const { card } = await cardAndStaff();
    const res = await h.api.get('/api/ecard/public-key');
    expect(res.status).toBe(200);
    const [key] = res.body.keys;
    expect(key.jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', kid: key.kid });
    // Offline: the key id and the expiry are in clear; the signature covers everything before the last dot.
    const [kid, expiry] = card.token.split('.').slice(1, 3);
    expect(kid).toBe(key.kid);
    expect(Number(expiry)).toBeGreaterThan(h.now() / 1000);
    const signed = card.token.slice(0, card.token.lastIndexOf('.'));
    const signature = card.token.slice(card.token.lastIndexOf('.') + 1);
    const message = Buffer.from(signed);
    expect(verify(null, message, createPublicKey(key.pem), Buffer.from(signature, 'base64url'))).toBe(true);
    expect(verify(null, message, createPublicKey({ key: key.jwk, format: 'jwk' }), Buffer.from(signature, 'base64url'))).toBe(true);
  });
});
