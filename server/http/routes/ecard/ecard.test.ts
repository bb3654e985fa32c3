import { createPublicKey, verify } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { students } from '../../../db/schema';
import { installEcard, revokeCard, verifyEcard } from '../../../services/ecard/ecard';
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
  const teacher = await h.account('teacher');
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
    expect(card.token).toMatch(/^EC1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(card.token.length).toBeLessThan(200);
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
  it('When staff scan a fresh token, Then valid with the masked name, school, grade and class', async () => {
    const { student, teacher, card } = await cardAndStaff();
    const res = await h.api.post('/api/ecard/verify', { token: card.token }, teacher.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ result: 'valid', reasonCode: 'valid', school: student.school.name, class: student.klass.name, cardNumber: student.cardNumber });
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

  it('When the payload or signature was changed, Then invalid (bad signature); garbage is malformed', async () => {
    const { teacher, card, student } = await cardAndStaff();
    const [prefix, payload, signature] = card.token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), e: Math.floor(h.now() / 1000) + 40 })).toString('base64url');
    const tampered = await h.api.post('/api/ecard/verify', { token: `${prefix}.${forgedPayload}.${signature}` }, teacher.token);
    expect(tampered.body).toMatchObject({ result: 'invalid', reasonCode: 'bad_signature', maskedName: null });
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    expect((await h.api.post('/api/ecard/verify', { token: `${prefix}.${payload}.${flipped}` }, teacher.token)).body.reasonCode).toBe('bad_signature');
    expect((await h.api.post('/api/ecard/verify', { token: 'hello world' }, teacher.token)).body).toMatchObject({ result: 'invalid', reasonCode: 'malformed' });
    void student;
  });

  it('When the key id is unknown, Then invalid with unknown_key', async () => {
    const { teacher, card } = await cardAndStaff();
    const [prefix, payload, signature] = card.token.split('.');
    const other = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), k: 'zzzzzzzz' })).toString('base64url');
    const res = await h.api.post('/api/ecard/verify', { token: `${prefix}.${other}.${signature}` }, teacher.token);
    expect(res.body).toMatchObject({ result: 'invalid', reasonCode: 'unknown_key' });
  });

  it('When the card was revoked, Then a still-fresh token verifies as revoked, and the family gets no new token', async () => {
    const { parent, student, teacher, card } = await cardAndStaff();
    expect(await h.ctx.db.transaction((tx) => revokeCard(tx, student.student.id, '学生离校'))).toBe(true);
    expect(await h.ctx.db.transaction((tx) => revokeCard(tx, student.student.id, '学生离校'))).toBe(false);
    const res = await h.api.post('/api/ecard/verify', { token: card.token }, teacher.token);
    expect(res.body).toMatchObject({ result: 'revoked', reasonCode: 'revoked', cardNumber: student.cardNumber });
    const again = await h.api.get(`/api/students/${student.student.id}/ecard`, parent.token);
    expect(again.body).toMatchObject({ status: 'revoked', token: null });
    const [row] = await h.ctx.db.select().from(students).where(eq(students.id, student.student.id));
    expect(row!.cardRevokedAt).not.toBeNull();
    expect(await h.auditCount('ecard.revoked', student.student.id)).toBe(1);
  });

  it('When a test outside production asks as of a later instant (`at`), Then expired without moving the clock', async () => {
    const { teacher, card, student } = await cardAndStaff();
    const expiresAt = Date.parse(card.tokenExpiresAt);
    const later = new Date(expiresAt + 60_000).toISOString();
    const expired = await h.api.post('/api/ecard/verify', { token: card.token, at: later }, teacher.token);
    expect(expired.status).toBe(200);
    expect(expired.body).toMatchObject({ result: 'expired', reasonCode: 'expired', cardNumber: student.cardNumber });
    // Inside the lifetime (and without `at`) the same token is still valid: the server's clock did not move.
    const inside = await h.api.post('/api/ecard/verify', { token: card.token, at: new Date(expiresAt - 1_000).toISOString() }, teacher.token);
    expect(inside.body.result).toBe('valid');
    expect((await h.api.post('/api/ecard/verify', { token: card.token }, teacher.token)).body.result).toBe('valid');
    expect((await h.api.post('/api/ecard/verify', { token: card.token, at: 'tomorrow' }, teacher.token)).status).toBe(400);
  });

  it('When NODE_ENV=production, Then `at` is ignored and the server clock decides', async () => {
    const { teacher, card } = await cardAndStaff();
    const production = { ...h.ctx, config: { ...h.ctx.config, NODE_ENV: 'production' as const } };
    installEcard(production, { now: h.now });
    const later = new Date(Date.parse(card.tokenExpiresAt) + 60_000).toISOString();
    const meta = { ip: '127.0.0.1', requestId: 'jest', userAgent: 'jest' };
    const inProduction = await verifyEcard(production, { id: teacher.id, role: 'teacher' }, card.token, meta, { at: later });
    expect(inProduction.result).toBe('valid');
    const inTest = await verifyEcard(h.ctx, { id: teacher.id, role: 'teacher' }, card.token, meta, { at: later });
    expect(inTest.result).toBe('expired');
  });

  it('When a parent or nobody calls verify, Then 403 / 401; school admins and operators may', async () => {
    const { parent, card } = await cardAndStaff();
    expect((await h.api.post('/api/ecard/verify', { token: card.token }, parent.token)).status).toBe(403);
    expect((await h.api.post('/api/ecard/verify', { token: card.token })).status).toBe(401);
    for (const role of ['school_admin', 'operator'] as const) {
      const staff = await h.account(role);
      expect((await h.api.post('/api/ecard/verify', { token: card.token }, staff.token)).body.result).toBe('valid');
    }
  });
});

describe('GET /api/ecard/public-key', () => {
  it('When a gate fetches the key, Then node:crypto alone verifies a token offline (JWK and PEM)', async () => {
    const { card } = await cardAndStaff();
    const res = await h.api.get('/api/ecard/public-key');
    expect(res.status).toBe(200);
    const [key] = res.body.keys;
    expect(key.jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', kid: key.kid });
    const [prefix, payload, signature] = card.token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    expect(claims.k).toBe(key.kid);
    expect(claims.e).toBeGreaterThan(h.now() / 1000);
    const message = Buffer.from(`${prefix}.${payload}`);
    expect(verify(null, message, createPublicKey(key.pem), Buffer.from(signature, 'base64url'))).toBe(true);
    expect(verify(null, message, createPublicKey({ key: key.jwk, format: 'jwk' }), Buffer.from(signature, 'base64url'))).toBe(true);
  });
});
