import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../modules/kernel/http.ts';
import { openApiDocument } from './openapi.ts';
import type { PublicRouteGroup } from './public-routes.ts';

/** Swagger UI's prebuilt files, served from node_modules: the page loads nothing from elsewhere. */
const assets = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
} as const;
type Asset = keyof typeof assets;

const swaggerUiDist = () => dirname(createRequire(import.meta.url).resolve('swagger-ui-dist'));

const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>modular-auth API</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/start.js"></script>
  </body>
</html>
`;

// A file, not an inline script, so the policy needs no 'unsafe-inline' or nonce for scripts.
// No validatorUrl: Swagger UI would otherwise send the document to swagger.io to be checked.
const start = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null });\n`;

/**
 * The gateway's policy is `default-src 'none'`; the reference page is an app and gets a policy of
 * its own, no wider than it needs: scripts and styles from this origin, the inline styles its
 * components set at run time, its data: icons, and the document and "try it out" requests here.
 */
const docsPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `GET /openapi.json` (the document of the whole public API) and `GET /docs`, an interactive
 * reference of it (Swagger UI). Each asset is read once, when first asked for.
 */
export function docsEndpoints(routeGroups?: readonly PublicRouteGroup[]) {
  const loaded = new Map<Asset, Promise<Buffer>>();
  const load = (asset: Asset) => {
    if (!loaded.has(asset)) {
      // A failed read is not kept: the next request tries again.
      const reading = readFile(join(swaggerUiDist(), asset)).catch((error: unknown) => {
        loaded.delete(asset);
        throw error;
      });
      loaded.set(asset, reading);
    }
    return loaded.get(asset)!;
  };
  return new Hono<AppEnv>()
    .get('/openapi.json', (c) => c.json(openApiDocument(routeGroups)))
    .get('/docs', (c) => c.html(page, 200, { 'Content-Security-Policy': docsPolicy }))
    .get('/docs/start.js', (c) => c.body(start, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }))
    .get('/docs/:asset{swagger-ui-bundle\\.js|swagger-ui\\.css}', async (c) => {
      const asset = c.req.param('asset') as Asset;
      return c.body(new Uint8Array(await load(asset)), 200, { 'Content-Type': assets[asset], 'Cache-Control': 'public, max-age=86400' });
    });
}
