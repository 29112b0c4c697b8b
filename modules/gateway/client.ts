import type { Hono } from 'hono';
import { hc, type ClientRequestOptions } from 'hono/client';
import type { MergeSchemaPath, Schema } from 'hono/types';
import type { auditRoutes } from '../audit/mod.ts';
import type { authRoutes, jwksRoutes } from '../auth/mod.ts';
import type { AppEnv } from '../kernel/http.ts';
import type { sessionRoutes } from '../session/mod.ts';
import type { userRoutes } from '../user/mod.ts';
import type { publicPaths } from './app.ts';

/** The request and answer types of a module's routes, as its route definitions declare them. */
type RoutesOf<Routes> = Routes extends (...args: never[]) => Hono<AppEnv, infer Declared extends Schema> ? Declared : never;
type Mounted<Routes, Group extends keyof typeof publicPaths> = MergeSchemaPath<RoutesOf<Routes>, (typeof publicPaths)[Group]>;

/** The public API: every module's routes at the path the gateway mounts them, in any placement. */
export type PublicApi = Hono<
  AppEnv,
  Mounted<typeof authRoutes, 'auth'> &
    Mounted<typeof jwksRoutes, 'wellKnown'> &
    Mounted<typeof userRoutes, 'users'> &
    Mounted<typeof sessionRoutes, 'sessions'> &
    Mounted<typeof auditRoutes, 'audit'>
>;

/**
 * A typed client of the public API (hono's `hc`): paths, bodies, queries and answers are the route
 * definitions' own types, so a change to the contract is a compile error for its callers.
 */
export function createApiClient(baseUrl: string, options?: ClientRequestOptions) {
  return hc<PublicApi>(baseUrl, options);
}
