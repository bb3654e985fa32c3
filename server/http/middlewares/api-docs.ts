/**
 * The API documentation UI at /api/docs: Swagger UI (the swagger-ui-dist npm
 * package's static files, served from node_modules — nothing comes from a CDN)
 * reading /api/openapi.json. The page loads only same-origin scripts (the
 * bundle and a small initializer file, no inline script), so the content
 * security policy of security-headers.ts applies unchanged.
 *
 * Open outside production; in production createApp puts it behind the
 * operator's staff-pages cookie (staff-pages.ts), issued from a signed-in
 * console session.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Middleware } from 'koa';

export const API_DOCS_PATH = '/api/docs';

/** The files of swagger-ui-dist the page uses, and their content types. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>EduCard API 文档</title>
<link rel="icon" type="image/png" href="${API_DOCS_PATH}/favicon-32x32.png">
<link rel="stylesheet" href="${API_DOCS_PATH}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${API_DOCS_PATH}/swagger-ui-bundle.js"></script>
<script src="${API_DOCS_PATH}/init.js"></script>
</body>
</html>
`;

// validatorUrl: null — Swagger UI would otherwise send the document to validator.swagger.io.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: false,
  presets: [SwaggerUIBundle.presets.apis],
});
`;

export function apiDocs(): Middleware {
  const dir = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  return async function serveApiDocs(ctx, next) {
    if (ctx.path !== API_DOCS_PATH && !ctx.path.startsWith(`${API_DOCS_PATH}/`)) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const file = ctx.path === API_DOCS_PATH || ctx.path === `${API_DOCS_PATH}/` ? 'index.html' : ctx.path.slice(API_DOCS_PATH.length + 1);
    if (file === 'index.html') {
      ctx.type = 'text/html; charset=utf-8';
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = PAGE;
      return;
    }
    if (file === 'init.js') {
      ctx.type = 'text/javascript; charset=utf-8';
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = INIT;
      return;
    }
    const type = ASSETS[file];
    if (!type) return next();
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = fs.createReadStream(path.join(dir, file));
  };
}
