import type { RouteConfig } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import { auditRouteDefinitions, auditRoutes } from '../modules/audit/mod.ts';
import { authRouteDefinitions, authRoutes, jwksRouteDefinitions, jwksRoutes } from '../modules/auth/mod.ts';
import { publicPaths, type GatewayRoutes } from '../modules/gateway/mod.ts';
import type { AppEnv } from '../modules/kernel/http.ts';
import { sessionRouteDefinitions, sessionRoutes } from '../modules/session/mod.ts';
import { userRouteDefinitions, userRoutes } from '../modules/user/mod.ts';
import type { CallableModule } from '../config/placement.ts';
import type { PortApis } from './ports.ts';

/** One group of public routes: where the gateway mounts it, the module serving it, its routes. */
export interface PublicRouteGroup<M extends CallableModule = CallableModule> {
  group: Exclude<keyof GatewayRoutes, 'operations'>;
  path: string;
  module: M;
  /** What the OpenAPI document lists and a split gateway forwards. */
  definitions: readonly RouteConfig[];
  /** The handlers, over the module's port (local or remote). */
  routes(api: PortApis[M]): Hono<AppEnv>;
}

const group = <M extends CallableModule>(entry: Omit<PublicRouteGroup<M>, 'path'>): PublicRouteGroup<M> => ({ ...entry, path: publicPaths[entry.group] });

/** The public API, group by group: the one table the gateway, the services and the document read. */
export const publicRouteGroups: readonly PublicRouteGroup[] = [
  group({ group: 'auth', module: 'auth', definitions: authRouteDefinitions, routes: authRoutes }),
  group({ group: 'wellKnown', module: 'auth', definitions: jwksRouteDefinitions, routes: jwksRoutes }),
  group({ group: 'users', module: 'user', definitions: userRouteDefinitions, routes: userRoutes }),
  group({ group: 'sessions', module: 'session', definitions: sessionRouteDefinitions, routes: sessionRoutes }),
  group({ group: 'audit', module: 'audit', definitions: auditRouteDefinitions, routes: auditRoutes }),
];
