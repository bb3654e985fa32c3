import { buildOpenApiDocument } from './openapi';
import { allRoutes } from './routes';

type Json = Record<string, unknown>;

function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) refsIn(item, out);
  else if (node && typeof node === 'object') {
    const obj = node as Json;
    if (typeof obj.$ref === 'string') out.push(obj.$ref);
    for (const value of Object.values(obj)) refsIn(value, out);
  }
  return out;
}

describe('the OpenAPI document', () => {
  const doc = buildOpenApiDocument(allRoutes, { version: 'test' }) as { paths: Json; components: { schemas: Record<string, Json> } };
  const refs = refsIn(doc);

  it('shares response schemas used by several operations as components, referenced by $ref', () => {
    const health = doc.paths['/api/health'] as { get: { responses: Record<string, { content: { 'application/json': { schema: Json } } }> } };
    expect(health.get.responses['200']!.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/HealthResponse' });
    expect(health.get.responses['503']!.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/HealthResponse' });
    // A schema nested in several components (one dependency's check) is a component of its own.
    expect(doc.components.schemas.DependencyCheck).toMatchObject({ type: 'object', required: expect.arrayContaining(['ok', 'latencyMs']) });
    expect(Object.keys(doc.components.schemas).length).toBeGreaterThan(5);
  });

  it('resolves every $ref, references every component at least twice (ErrorBody: every operation) and leaves nothing temporary', () => {
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.slice('#/components/schemas/'.length)]).toBeDefined();
    }
    for (const name of Object.keys(doc.components.schemas)) {
      expect({ name, uses: refs.filter((r) => r === `#/components/schemas/${name}`).length >= 2 }).toEqual({ name, uses: true });
      expect(name).not.toMatch(/^__/);
    }
    expect(JSON.stringify(doc)).not.toContain('"$id"');
  });

  it('keeps request bodies inline (the fuzzer reads their properties)', () => {
    const login = doc.paths['/api/auth/login'] as { post: { requestBody: { content: { 'application/json': { schema: Json } } } } };
    const body = login.post.requestBody.content['application/json'].schema;
    expect(body.$ref).toBeUndefined();
    expect(body.properties).toBeDefined();
  });
});
