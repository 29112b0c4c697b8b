import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Scalar } from '@scalar/hono-api-reference';
import { Hono } from 'hono';
import type { AppEnv } from '../modules/kernel/http.ts';
import { openApiDocument } from './openapi.ts';

/** Scalar's standalone browser bundle, from node_modules: the page loads nothing from a CDN. */
function installedScalarBundle(): string {
  return join(dirname(createRequire(import.meta.url).resolve('@scalar/api-reference')), 'browser', 'standalone.js');
}

/**
 * The gateway's policy is `default-src 'none'`; the reference page is an app and gets a policy of
 * its own, no wider than it needs (checked in headless Chromium: nothing refused): the local bundle
 * and the one inline start script (by a per-request nonce), the document and "try it" requests on
 * this origin, and the inline styles its components inject at run time (no nonce reaches those).
 */
function docsPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** `GET /openapi.json` (the document of the whole public API) and `GET /docs` (Scalar's reference of it). */
export function docsRoutes({ scalarBundlePath = installedScalarBundle }: { scalarBundlePath?: () => string } = {}) {
  return new Hono<AppEnv>()
    .get('/openapi.json', (c) => c.json(openApiDocument()))
    .get(
      '/docs',
      Scalar((c) => {
        const nonce = crypto.randomUUID();
        c.header('Content-Security-Policy', docsPolicy(nonce));
        return {
          url: '/openapi.json',
          cdn: '/docs/scalar.js',
          nonce,
          pageTitle: 'modular-auth API',
          // Nothing that calls Scalar's own services (fonts, telemetry, AI agent, MCP, hosting toolbar).
          withDefaultFonts: false,
          telemetry: false,
          agent: { disabled: true },
          mcp: { disabled: true },
          showDeveloperTools: 'never',
        };
      }),
    )
    .get('/docs/scalar.js', async (c) =>
      c.body(await readFile(scalarBundlePath()), 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }),
    );
}
