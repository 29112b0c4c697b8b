import { defineModule, type Clock, type Outbox } from '../kernel/mod.ts';
import type { MfaApi } from '../mfa/mod.ts';
import type { SessionApi } from '../session/mod.ts';
import type { UserApi } from '../user/mod.ts';
import { adminEvents } from './events.ts';
import { adminEndpoints } from './http.ts';
import { adminApiSpec, adminErrors } from './remote.ts';
import { adminRouteDefinitions } from './routes.ts';
import { createAdminService } from './service.ts';

export interface AdminModuleDeps {
  calls: { user: UserApi; session: SessionApi; mfa: MfaApi };
  outbox: Outbox;
  clock?: Clock;
}

/** Admin queries and actions over other modules' ports (find, disable, enable, force logout, unlock, reset second factors). */
export const adminModule = defineModule({
  name: 'admin',
  port: { name: 'AdminApi', spec: adminApiSpec, errors: adminErrors },
  calls: ['user', 'session', 'mfa'],
  // Beside the audit module's /api/admin/audit: neither group's path contains the other's, so a
  // service hosting both checks each group's service tokens apart.
  routes: [{ path: '/api/admin/users', definitions: adminRouteDefinitions, endpoints: adminEndpoints }],
  publishes: adminEvents,
  // Besides its own, its errors are the user, session and mfa modules', mapped by their tables.
  errorStatus: { cannot_disable_self: 409 },
  create: ({ calls, ...deps }: AdminModuleDeps) => ({
    api: createAdminService({ users: calls.user, sessions: calls.session, mfa: calls.mfa, ...deps }),
  }),
});
