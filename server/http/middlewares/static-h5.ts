import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Middleware } from 'koa';
import { contentSecurityPolicy } from './security-headers';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The CSP of an HTML page: its own inline scripts (and no others) allowed by hash. Cached per file version. */
const htmlPolicies = new Map<string, { mtimeMs: number; csp: string }>();

async function htmlPolicy(file: string, mtimeMs: number): Promise<string> {
  const cached = htmlPolicies.get(file);
  if (cached?.mtimeMs === mtimeMs) return cached.csp;
  const html = await fs.promises.readFile(file, 'utf8');
  const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)]
    .map((m) => m[1] ?? '')
    .filter((body) => body.length > 0)
    .map((body) => `sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}`);
  const csp = contentSecurityPolicy(hashes);
  htmlPolicies.set(file, { mtimeMs, csp });
  return csp;
}

export interface StaticAppOptions {
  /**
   * Serve the build under this path prefix (e.g. `/console`) instead of `/`:
   * requests outside it pass on, requests inside it never do (a missing asset
   * is answered 404 here, not by the app at `/`).
   */
  mount?: string;
  /** What a 503 says when the build is missing. */
  missingBuild?: string;
}

/**
 * Serve the H5 build at `/` (or another single-page app's build under
 * `options.mount`): files by path, and index.html for any other non-API GET
 * (the app routes itself). index.html is never cached; hashed assets are
 * cached for a year. Paths never leave the build directory.
 */
export function staticH5(distDir: string, options: StaticAppOptions = {}): Middleware {
  const root = path.resolve(distDir);
  const indexFile = path.join(root, 'index.html');
  const mount = options.mount?.replace(/\/+$/, '') ?? '';
  const missingBuild = options.missingBuild ?? 'The web build is missing: run `npm run build:h5` (npm start builds it automatically).';
  return async function serveH5(ctx, next) {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.path === '/api' || ctx.path.startsWith('/api/')) return next();
    if (mount && ctx.path !== mount && !ctx.path.startsWith(`${mount}/`)) return next();
    if (mount && ctx.path === mount) {
      // The app's relative asset URLs need the trailing slash.
      ctx.redirect(`${mount}/${ctx.querystring ? `?${ctx.querystring}` : ''}`);
      return;
    }
    const notFound = mount ? async () => undefined : next;
    let relative: string;
    try {
      relative = decodeURIComponent(mount ? ctx.path.slice(mount.length) : ctx.path);
    } catch {
      return notFound();
    }
    const candidate = path.resolve(root, `.${relative}`);
    const inside = candidate === root || candidate.startsWith(root + path.sep);
    let file = inside && relative !== '/' ? candidate : indexFile;
    let stat = await fs.promises.stat(file).catch(() => null);
    if (!stat?.isFile()) {
      // A missing asset is a 404; any other path is an app route served by index.html.
      if (path.extname(relative)) return notFound();
      file = indexFile;
      stat = await fs.promises.stat(file).catch(() => null);
      if (!stat?.isFile()) {
        ctx.status = 503;
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = missingBuild;
        return;
      }
    }
    const ext = path.extname(file);
    if (ext === '.html') ctx.set('Content-Security-Policy', await htmlPolicy(file, stat.mtimeMs));
    ctx.type = CONTENT_TYPES[ext] ?? 'application/octet-stream';
    ctx.length = stat.size;
    // Hashed names: Taro's `name.<hex>.js`; under a mount, Vite's assets/ directory holds only content-hashed files.
    const hashed = /\.[0-9a-f]{8,}\./.test(path.basename(file)) || (mount !== '' && relative.startsWith('/assets/'));
    ctx.set('Cache-Control', ext === '.html' ? 'no-cache' : hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    ctx.body = ctx.method === 'HEAD' ? null : fs.createReadStream(file);
  };
}
