import { defineModule, type ModuleInstance } from '../kernel/mod.ts';
import type { UserApi } from '../user/mod.ts';
import { mfaEvents } from './events.ts';
import { mfaHandlers } from './handlers.ts';
import { mfaEndpoints, mfaErrorStatus, passkeyEndpoints } from './http.ts';
import type { MfaApi } from './ports.ts';
import { mfaApiSpec, mfaErrors } from './remote.ts';
import { mfaRouteDefinitions, passkeyRouteDefinitions } from './routes.ts';
import { createMfaService, type MfaServiceDeps } from './service.ts';
import { mfaSettings } from './settings.ts';

/** The service's deps, with the user module it calls as the module list passes it. */
export type MfaModuleDeps = Omit<MfaServiceDeps, 'userApi' | 'clock'> & { calls: { user: UserApi } };

/** Second factors: TOTP with recovery codes, and passkeys; the checks a login's second step makes. */
export const mfaModule = defineModule({
  name: 'mfa',
  port: { name: 'MfaApi', spec: mfaApiSpec, errors: mfaErrors },
  calls: ['user'],
  routes: [
    { path: '/api/users/me/mfa', definitions: mfaRouteDefinitions, endpoints: mfaEndpoints },
    { path: '/api/users/me/passkeys', definitions: passkeyRouteDefinitions, endpoints: passkeyEndpoints },
  ],
  publishes: mfaEvents,
  errorStatus: mfaErrorStatus,
  settings: mfaSettings,
  create({ calls, ...deps }: MfaModuleDeps): ModuleInstance<MfaApi> {
    return { api: createMfaService({ userApi: calls.user, ...deps }), handlers: () => mfaHandlers(deps.factors) };
  },
});
