/**
 * The OpenAPI 3.1 document of every route, generated from the route
 * declarations (server/http/route.ts) and their zod schemas.
 *
 * Response schemas used by several operations (the same zod schema object),
 * and the schemas exported by domain/ that several of them contain, are shared
 * components (`#/components/schemas/<Name>`, the export's name without
 * `Schema`); a schema used once stays inline. Request bodies and parameters stay
 * inline (the API fuzzer reads them as they are).
 */
import { z } from 'zod';
import * as domain from '../../domain';
import { ERROR_CATALOG } from '../../domain/errors';
import type { AnyRoute } from './route';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function openApiPath(koaPath: string): string {
  return koaPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const s = jsonSchema(schema, 'input');
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, propSchema]) => ({
    name,
    in: where,
    required: where === 'path' ? true : required.has(name),
    schema: propSchema,
    ...(typeof propSchema.description === 'string' ? { description: propSchema.description } : {}),
  }));
}

const ErrorBodySchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: Object.keys(ERROR_CATALOG) },
        message: { type: 'string', description: 'Simplified Chinese message for people' },
        fields: { type: 'object', additionalProperties: { type: 'string' }, description: 'field path → Chinese message' },
      },
    },
  },
};

const COMPONENT_PREFIX = '#/components/schemas/';
const TEMPORARY_PREFIX = '__inline_';

/** Names of the zod schemas domain/ exports: `HealthResponseSchema` → `HealthResponse`. */
function domainSchemaNames(): Map<z.ZodType, string> {
  const names = new Map<z.ZodType, string>();
  for (const [name, value] of Object.entries(domain)) {
    if (value instanceof z.ZodType && name.endsWith('Schema') && !names.has(value)) names.set(value, name.slice(0, -'Schema'.length));
  }
  return names;
}

function visit(node: unknown, fn: (obj: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) for (const item of node) visit(item, fn);
  else if (node && typeof node === 'object') {
    fn(node as Record<string, unknown>);
    for (const value of Object.values(node)) visit(value, fn);
  }
}

/** Replace every `{ $ref: <component> }` for which `inline` answers a schema by a copy of that schema. */
function inlineRefs(node: unknown, inline: (id: string) => JsonSchema | undefined): unknown {
  if (Array.isArray(node)) return node.map((item) => inlineRefs(item, inline));
  if (!node || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  if (typeof obj.$ref === 'string' && obj.$ref.startsWith(COMPONENT_PREFIX)) {
    const target = inline(obj.$ref.slice(COMPONENT_PREFIX.length));
    if (target) {
      const { $ref: _ref, ...rest } = obj;
      return { ...(inlineRefs(target, inline) as JsonSchema), ...rest };
    }
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, inlineRefs(v, inline)]));
}

/**
 * The JSON schemas of every response: shared ones as `$ref`s into the returned components, the others inline.
 * All response schemas, and every domain export they may contain, go through one zod registry (so nested shared
 * schemas become references); then components referenced once are put back inline.
 */
function responseSchemas(routes: readonly AnyRoute[]): { schemaOf: (schema: z.ZodType) => JsonSchema; components: Record<string, JsonSchema> } {
  const uses = new Map<z.ZodType, { count: number; operationId: string }>();
  for (const route of routes) {
    for (const response of Object.values(route.responses)) {
      if (!response.schema) continue;
      const entry = uses.get(response.schema) ?? { count: 0, operationId: route.operationId };
      entry.count += 1;
      uses.set(response.schema, entry);
    }
  }
  const names = domainSchemaNames();
  const registry = z.registry<{ id: string }>();
  const taken = new Set<string>(['ErrorBody']);
  const idOf = new Map<z.ZodType, string>();
  const register = (schema: z.ZodType, id: string) => {
    let unique = id;
    for (let i = 2; taken.has(unique); i += 1) unique = `${id}${i}`;
    taken.add(unique);
    idOf.set(schema, unique);
    registry.add(schema, { id: unique });
  };
  let temporary = 0;
  for (const [schema, { count, operationId }] of uses) {
    const named = names.get(schema);
    if (count >= 2) register(schema, named ?? `${operationId[0]!.toUpperCase()}${operationId.slice(1)}Response`);
    else register(schema, `${TEMPORARY_PREFIX}${(temporary += 1)}`);
  }
  for (const [schema, name] of names) if (!idOf.has(schema)) register(schema, name);

  const converted = z.toJSONSchema(registry, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any', uri: (id) => `${COMPONENT_PREFIX}${id}` }).schemas;
  const all: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(converted)) {
    const { $schema: _s, $id: _i, ...rest } = schema as JsonSchema;
    all[id] = rest;
  }
  // What the document references: the response slots (a temporary id stands for an inline slot), then what they reference.
  const shared = new Set([...uses].filter(([, u]) => u.count >= 2).map(([schema]) => idOf.get(schema)!));
  const refCounts = new Map<string, number>();
  const slotRoots = [...uses.keys()].map((schema) => idOf.get(schema)!);
  const countFrom = (ids: Iterable<string>) => {
    refCounts.clear();
    const seen = new Set<string>();
    const walk = (id: string) => {
      if (seen.has(id)) return;
      seen.add(id);
      visit(all[id], (obj) => {
        if (typeof obj.$ref === 'string' && obj.$ref.startsWith(COMPONENT_PREFIX)) {
          const target = obj.$ref.slice(COMPONENT_PREFIX.length);
          refCounts.set(target, (refCounts.get(target) ?? 0) + 1);
          walk(target);
        }
      });
    };
    for (const id of ids) walk(id);
  };
  countFrom(slotRoots);
  for (const [schema, { count }] of uses) refCounts.set(idOf.get(schema)!, (refCounts.get(idOf.get(schema)!) ?? 0) + count);
  // Inline what is referenced once (and every temporary id); keep what several places reference.
  const keep = new Set([...refCounts].filter(([id, n]) => !id.startsWith(TEMPORARY_PREFIX) && (n >= 2 || shared.has(id))).map(([id]) => id));
  const inline = (id: string) => (keep.has(id) ? undefined : all[id]);
  const components: Record<string, JsonSchema> = {};
  for (const id of [...keep].sort()) components[id] = inlineRefs(all[id], inline) as JsonSchema;
  return {
    schemaOf: (schema) => {
      const id = idOf.get(schema)!;
      return keep.has(id) ? { $ref: `${COMPONENT_PREFIX}${id}` } : (inlineRefs(all[id], inline) as JsonSchema);
    },
    components,
  };
}

export function buildOpenApiDocument(routes: readonly AnyRoute[], info: { version: string; serverUrl?: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const responseSchema = responseSchemas(routes);
  for (const route of routes) {
    const responses: Record<string, JsonSchema> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema ? { content: { 'application/json': { schema: responseSchema.schemaOf(response.schema) } } } : {}),
      };
    }
    responses.default = {
      description: 'Error',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
    };
    const operation: JsonSchema = {
      operationId: route.operationId,
      summary: route.summary,
      tags: route.tags,
      'x-access': route.access,
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
      responses,
    };
    if (route.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } };
    }
    (paths[openApiPath(route.path)] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'EduCard API', version: info.version, description: '教育卡学生身份信息认证 API' },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    paths,
    components: { schemas: { ErrorBody: ErrorBodySchema, ...responseSchema.components } },
  };
}
