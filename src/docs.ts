import { Hono } from 'hono';
import type { AppEnv } from '../modules/kernel/http.ts';
import { openApiDocument } from './openapi.ts';

/** `GET /openapi.json`: the document of the whole public API. */
export function docsRoutes() {
  return new Hono<AppEnv>().get('/openapi.json', (c) => c.json(openApiDocument()));
}
