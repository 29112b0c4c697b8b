import type { Hono } from 'hono';
import { hc, type ClientRequestOptions } from 'hono/client';
import type { MergeSchemaPath, Schema } from 'hono/types';
import type { AppEnv } from '../modules/kernel/http.ts';
import type { modules } from './modules.ts';

type RouteGroups = (typeof modules)[number]['descriptor']['routes'][number];

/** A route group's request and answer types (its route definitions' own) at its mount path. */
type Mounted<Group> = Group extends {
  path: infer Path extends string;
  endpoints: (...args: never[]) => Hono<AppEnv, infer Declared extends Schema, string>;
}
  ? MergeSchemaPath<Declared, Path>
  : never;
type Intersection<Union> = (Union extends unknown ? (all: Union) => void : never) extends (all: infer All) => void ? All : never;

/** The public API: every module's routes at the path the gateway mounts them, in any placement. */
export type PublicApi = Hono<AppEnv, Intersection<Mounted<RouteGroups>>>;

/**
 * A typed client of the public API (hono's `hc`): paths, bodies, queries and answers are the route
 * definitions' own types, so a change to the contract is a compile error for its callers.
 */
export function createApiClient(baseUrl: string, options?: ClientRequestOptions) {
  return hc<PublicApi>(baseUrl, options);
}
