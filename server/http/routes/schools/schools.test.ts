import { buildClass, buildSchool } from '../../../test/factories';
import { createProfileHarness, type ProfileHarness } from '../students/profile-test-support';

jest.setTimeout(20_000);

let h: ProfileHarness;

beforeAll(async () => {
  h = await createProfileHarness();
});

afterAll(async () => {
  await h.close();
});

describe('GET /api/schools', () => {
  test('When searching by name or code and listing classes by grade, then the pickers get paged answers', async () => {
    const family = await h.family();
    const school = await buildSchool(h.ctx.db, { name: `南京市测试%小学-${Date.now()}` });
    await buildClass(h.ctx.db, { schoolId: school.id, grade: 'P1', name: '10班' });
    await buildClass(h.ctx.db, { schoolId: school.id, grade: 'P1', name: '2班' });
    await buildClass(h.ctx.db, { schoolId: school.id, grade: 'J1', name: '1班' });

    const byName = await h.api.get(`/api/schools?q=${encodeURIComponent(school.name.slice(3))}`, family.token);
    const byCode = await h.api.get(`/api/schools?q=${school.code.slice(0, 10)}&pageSize=5`, family.token);
    const wildcard = await h.api.get(`/api/schools?q=${encodeURIComponent('%')}&pageSize=50`, family.token);
    const classes = await h.api.get(`/api/schools/${school.id}/classes?grade=P1`, family.token);
    const all = await h.api.get(`/api/schools/${school.id}/classes`, family.token);

    expect(byName.body.items).toEqual([{ id: school.id, code: school.code, name: school.name }]);
    expect(byCode.body).toMatchObject({ total: 1, page: 1, pageSize: 5, items: [{ id: school.id }] });
    expect(wildcard.body.items.every((s: { name: string }) => s.name.includes('%'))).toBe(true);
    expect(classes.body.items.map((c: { name: string }) => c.name)).toEqual(['2班', '10班']);
    expect(all.body.grades).toEqual([{ grade: 'P1', label: '一年级' }, { grade: 'J1', label: '初一' }]);
    expect(all.body.items.map((c: { grade: string }) => c.grade)).toEqual(['P1', 'P1', 'J1']);
    expect((await h.api.get('/api/schools/00000000-0000-4000-8000-000000000000/classes', family.token)).status).toBe(404);
    expect((await h.api.get(`/api/schools/${school.id}/classes?grade=X9`, family.token)).status).toBe(400);
    expect((await h.api.get('/api/schools')).status).toBe(401);
  });
});
