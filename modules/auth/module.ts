import { defineModule, type Outbox } from '../kernel/mod.ts';
import type { MfaApi } from '../mfa/mod.ts';
import type { SessionApi } from '../session/mod.ts';
import type { UserApi } from '../user/mod.ts';
import { authEvents } from './events.ts';
import { authHandlers } from './handlers.ts';
import { authEndpoints, authErrorStatus, jwksEndpoints } from './http.ts';
import type { PendingLoginStore, SigningKeyRepository } from './ports.ts';
import { authApiSpec, authErrors } from './remote.ts';
import { authRouteDefinitions, jwksRouteDefinitions } from './routes.ts';
import { createAuthService } from './service.ts';
import { authSettings } from './settings.ts';
import type { TokenSettings } from './signing.ts';

export interface AuthModuleDeps {
  calls: { user: UserApi; session: SessionApi; mfa: MfaApi };
  keys: SigningKeyRepository;
  pendingLogins: PendingLoginStore;
  outbox: Outbox;
  tokens: TokenSettings;
  /** Refuse logins of accounts whose email is not verified (REQUIRE_VERIFIED_EMAIL). */
  requireVerifiedEmail: boolean;
}

/** Login (with a second step, or a passkey alone), refresh, logout, access tokens (EdDSA), signing keys and the JWKS. */
export const authModule = defineModule({
  name: 'auth',
  port: { name: 'AuthApi', spec: authApiSpec, errors: authErrors },
  calls: ['user', 'session', 'mfa'],
  routes: [
    { path: '/api/auth', definitions: authRouteDefinitions, endpoints: authEndpoints },
    { path: '/.well-known', definitions: jwksRouteDefinitions, endpoints: jwksEndpoints },
  ],
  publishes: authEvents,
  errorStatus: authErrorStatus,
  settings: authSettings,
  create({ calls, ...deps }: AuthModuleDeps) {
    const api = createAuthService({ userApi: calls.user, sessionApi: calls.session, mfaApi: calls.mfa, ...deps });
    // Creates the signing key on first start, not on the first login.
    return {
      api,
      handlers: () => authHandlers(deps.pendingLogins),
      startup: { name: 'signing-key', pending: 'the signing key is not loaded yet', run: async () => void (await api.jwks()) },
    };
  },
});
