import { defineModule, type ModuleInstance, type PasswordThrottle } from '../kernel/mod.ts';
import type { UserApi } from '../user/mod.ts';
import { mfaEvents } from './events.ts';
import { mfaHandlers } from './handlers.ts';
import { mfaEndpoints, mfaErrorStatus, passkeyEndpoints } from './http.ts';
import type { MfaApi, MfaRepository, TotpReplayGuard, WebAuthnChallengeStore } from './ports.ts';
import { mfaApiSpec, mfaErrors } from './remote.ts';
import { mfaRouteDefinitions, passkeyRouteDefinitions } from './routes.ts';
import { createMfaService } from './service.ts';
import { mfaSettings } from './settings.ts';
import type { RelyingParty } from './webauthn.ts';

export interface MfaModuleDeps {
  calls: { user: UserApi };
  factors: MfaRepository;
  replayGuard: TotpReplayGuard;
  challenges: WebAuthnChallengeStore;
  relyingParty: RelyingParty;
  issuer: string;
  throttle?: PasswordThrottle;
}

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
