/**
 * The deployment files cannot drift from the code (issue 16): every environment
 * variable the image, the compose file and the Kubernetes manifests set for an
 * EduCard process is a variable of config/index.ts and its literal value passes
 * that variable's schema; production's secrets are all provided; the probes
 * point at routes that exist; and every metric the Grafana dashboard and the
 * alert rules name exists in the registry of server/metrics.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { VARIABLES } from '../config';
import { createMetrics } from '../server/metrics/metrics';
import { allRoutes } from '../server/http/routes';

const DIR = __dirname;
const read = (file: string) => fs.readFileSync(path.join(DIR, file), 'utf8');
const variables = VARIABLES as Record<string, { schema: { safeParse(v: unknown): { success: boolean } }; secret?: boolean }>;
const SECRET_NAMES = Object.entries(variables)
  .filter(([, spec]) => spec.secret)
  .map(([name]) => name);

type Env = Map<string, string | null>;

/** Check one process's environment: names known, literal values valid; `${…}` interpolations and secret references are checked by name only. */
function expectValidEnv(where: string, env: Env): void {
  const unknown = [...env.keys()].filter((name) => !(name in variables));
  expect({ where, unknown }).toEqual({ where, unknown: [] });
  const invalid = [...env.entries()].filter(([name, value]) => value !== null && !value.includes('${') && !variables[name]!.schema.safeParse(value).success);
  expect({ where, invalid }).toEqual({ where, invalid: [] });
}

function expectSecretsProvided(where: string, env: Env): void {
  const missing = [...SECRET_NAMES, 'WECHATPAY_PUBLIC_KEYS', 'DATABASE_URL', 'REDIS_URL', 'PUBLIC_BASE_URL'].filter((name) => !env.has(name));
  expect({ where, missing }).toEqual({ where, missing: [] });
  expect({ where, NODE_ENV: env.get('NODE_ENV') }).toEqual({ where, NODE_ENV: 'production' });
}

describe('deploy/Dockerfile', () => {
  const text = read('Dockerfile');
  it('builds in stages on Node 24 slim and runs as a non-root user', () => {
    const froms = [...text.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const image of froms) expect(image).toMatch(/^node:24(\.\d+)*-slim$/);
    const runtime = text.slice(text.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER\s+(node|\d{3,})\s*$/m);
    expect(runtime).not.toMatch(/^USER\s+(root|0)\s*$/m);
  });
  it('sets only config variables, with valid values', () => {
    const env: Env = new Map();
    for (const m of text.matchAll(/^ENV\s+((?:.*\\\n)*.*)$/gm)) {
      for (const pair of m[1]!.replace(/\\\n/g, ' ').trim().split(/\s+/)) {
        const [name, value] = pair.split('=');
        env.set(name!, value ?? '');
      }
    }
    expect(env.size).toBeGreaterThan(0);
    expectValidEnv('Dockerfile', env);
  });
  it('runs the bundles build:server produces (api, worker, migrate)', () => {
    const build = fs.readFileSync(path.join(DIR, '..', 'scripts', 'build-server.mjs'), 'utf8');
    for (const bundle of ['api', 'worker', 'migrate']) expect(build).toMatch(new RegExp(`\\b${bundle}: '`));
    expect(text).toContain('dist/server/api.cjs');
  });
});

describe('deploy/compose.yaml', () => {
  const compose = parseYaml(read('compose.yaml'), { merge: true }) as {
    services: Record<string, { image?: string; command?: string[]; environment?: Record<string, string>; deploy?: { replicas?: number }; healthcheck?: { test: string[] } }>;
  };
  const educard = Object.entries(compose.services).filter(([, s]) => s.image?.includes('EDUCARD_IMAGE'));

  it('has PostgreSQL, Redis (noeviction, AOF), migrations, 2 APIs, 2 workers and nginx', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'redis', 'migrate', 'api', 'worker', 'proxy']));
    const redis = compose.services.redis!.command!.join(' ');
    expect(redis).toMatch(/--maxmemory-policy noeviction/);
    expect(redis).toMatch(/--appendonly yes/);
    expect(compose.services.api!.deploy?.replicas).toBe(2);
    expect(compose.services.worker!.deploy?.replicas).toBe(2);
    expect(compose.services.proxy!.image).toMatch(/^nginx:/);
  });

  it('gives every EduCard service only config variables, all production secrets and TRUST_PROXY=1 behind nginx', () => {
    expect(educard.map(([name]) => name).sort()).toEqual(['api', 'migrate', 'worker']);
    for (const [name, service] of educard) {
      const env: Env = new Map(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)]));
      expectValidEnv(`compose ${name}`, env);
      expectSecretsProvided(`compose ${name}`, env);
      expect(env.get('TRUST_PROXY')).toBe('1');
      expect(env.get('METRICS_PORT')).toBe('9464');
    }
  });

  it('probes the readiness routes and nginx proxies to the API without exposing the metrics port', () => {
    expect(compose.services.api!.healthcheck!.test.join(' ')).toContain('/api/health/ready');
    expect(compose.services.worker!.healthcheck!.test.join(' ')).toContain(':9464/health/ready');
    const nginx = read('nginx/nginx.conf').replace(/#.*$/gm, '');
    expect(nginx).toMatch(/server api:3000/);
    expect(nginx).not.toMatch(/9464/);
    expect(nginx).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
  });
});

describe('deploy/k8s', () => {
  const docs = fs
    .readdirSync(path.join(DIR, 'k8s'))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(read(path.join('k8s', f))).map((d) => ({ file: f, doc: d.toJS() as Record<string, any> })));
  const ofKind = (kind: string) => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
  const configMap = ofKind('ConfigMap').find((c) => c.metadata.name === 'educard-config')!;

  function podEnv(spec: Record<string, any>): Env {
    const container = spec.template.spec.containers[0];
    const env: Env = new Map();
    for (const from of container.envFrom ?? []) {
      expect(from.configMapRef?.name).toBe('educard-config');
      for (const [k, v] of Object.entries(configMap.data as Record<string, string>)) env.set(k, String(v));
    }
    for (const e of container.env ?? []) env.set(e.name, e.value === undefined ? null : String(e.value));
    return env;
  }

  it('has the API and worker Deployments, HPAs, PodDisruptionBudgets and the migration Job', () => {
    const deployments = ofKind('Deployment').map((d) => d.metadata.name);
    expect(deployments.sort()).toEqual(['educard-api', 'educard-worker']);
    expect(ofKind('HorizontalPodAutoscaler').map((h) => h.spec.scaleTargetRef.name)).toEqual(expect.arrayContaining(['educard-api']));
    expect(ofKind('PodDisruptionBudget').length).toBeGreaterThanOrEqual(2);
    expect(ofKind('Job').map((j) => j.spec.template.spec.containers[0].command.join(' '))).toEqual(['node dist/server/migrate.cjs']);
  });

  it('sets only config variables with valid values, every production secret, and one proxy hop', () => {
    expectValidEnv('ConfigMap educard-config', new Map(Object.entries(configMap.data as Record<string, string>)));
    for (const workload of [...ofKind('Deployment'), ...ofKind('Job')]) {
      const env = podEnv(workload.spec);
      expectValidEnv(workload.metadata.name, env);
      expectSecretsProvided(workload.metadata.name, env);
      expect(env.get('TRUST_PROXY')).toBe('1');
      const pod = workload.spec.template.spec;
      expect(pod.containers[0].securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false });
    }
  });

  it('probes /api/health/live and /api/health/ready on the API and the metrics listener on the worker', () => {
    const routes = new Set(allRoutes.map((r) => `${r.method.toUpperCase()} ${r.path}`));
    const [api, worker] = ['educard-api', 'educard-worker'].map((n) => ofKind('Deployment').find((d) => d.metadata.name === n)!.spec.template.spec.containers[0]);
    expect(api.livenessProbe.httpGet.path).toBe('/api/health/live');
    expect(api.readinessProbe.httpGet.path).toBe('/api/health/ready');
    expect(routes.has(`GET ${api.livenessProbe.httpGet.path}`) && routes.has(`GET ${api.readinessProbe.httpGet.path}`)).toBe(true);
    expect(worker.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'metrics' });
    expect(worker.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'metrics' });
    const metricsPort = Number(configMap.data.METRICS_PORT);
    for (const c of [api, worker]) expect(c.ports.find((p: { name: string }) => p.name === 'metrics').containerPort).toBe(metricsPort);
    // No Service exposes the metrics port.
    for (const service of ofKind('Service')) for (const p of service.spec.ports) expect([p.port, p.targetPort]).not.toContain(metricsPort);
  });
});

describe('deploy/grafana and deploy/prometheus', () => {
  const metrics = createMetrics({ service: 'all', defaultMetrics: true });
  afterAll(() => metrics.close());
  const known = new Set<string>();
  for (const m of metrics.registry.getMetricsAsArray() as unknown as { name: string; constructor: { name: string } }[]) {
    known.add(m.name);
    if (m.constructor.name === 'Histogram') for (const s of ['_bucket', '_sum', '_count']) known.add(`${m.name}${s}`);
  }
  const namesIn = (expr: string) => [...expr.matchAll(/\b(educard_[a-z0-9_]+)\b/g)].map((m) => m[1]!);

  it('the dashboard names only metrics of the registry', () => {
    const dashboard = JSON.parse(read('grafana/educard-overview.json')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    const unknown = exprs.flatMap(namesIn).filter((n) => !known.has(n));
    expect(unknown).toEqual([]);
  });

  it('the alert rules cover outbox age, stalled queues, delivery failures, 5xx and the match backlog, with registry metrics only', () => {
    const rules = (parseYaml(read('prometheus/alerts.yaml')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining(['EduCardOutboxStale', 'EduCardQueueStalled', 'EduCardDeliveryFailureRate', 'EduCardHigh5xxRate', 'EduCardMatchBacklog']),
    );
    const unknown = rules.flatMap((r) => namesIn(r.expr)).filter((n) => !known.has(n));
    expect(unknown).toEqual([]);
    for (const r of rules) expect(namesIn(r.expr).length).toBeGreaterThan(0);
  });
});
