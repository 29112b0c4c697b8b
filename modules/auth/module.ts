import { defineModule, type Outbox } from '../kernel/mod.ts';
import type { SessionApi } from '../session/mod.ts';
import type { UserApi } from '../user/mod.ts';
import { authEvents } from './events.ts';
import { authEndpoints, jwksEndpoints } from './http.ts';
import type { SigningKeyRepository } from './ports.ts';
import { authApiSpec, authErrors } from './remote.ts';
import { authRouteDefinitions, jwksRouteDefinitions } from './routes.ts';
import { createAuthService } from './service.ts';
import { authSettings } from './settings.ts';
import type { TokenSettings } from './signing.ts';

export interface AuthModuleDeps {
  calls: { user: UserApi; session: SessionApi };
  keys: SigningKeyRepository;
  outbox: Outbox;
  tokens: TokenSettings;
  /** Refuse logins of accounts whose email is not verified (REQUIRE_VERIFIED_EMAIL). */
  requireVerifiedEmail: boolean;
}

/** Login, refresh, logout, access tokens (EdDSA), signing keys and the JWKS. */
export const authModule = defineModule({
  name: 'auth',
  port: { name: 'AuthApi', spec: authApiSpec, errors: authErrors },
  calls: ['user', 'session'],
  routes: [
    { path: '/api/auth', definitions: authRouteDefinitions, endpoints: authEndpoints },
    { path: '/.well-known', definitions: jwksRouteDefinitions, endpoints: jwksEndpoints },
  ],
  publishes: authEvents,
  errorStatus: {},
  settings: authSettings,
  create({ calls, ...deps }: AuthModuleDeps) {
    const api = createAuthService({ userApi: calls.user, sessionApi: calls.session, ...deps });
    // Creates the signing key on first start, not on the first login.
    return {
      api,
      startup: { name: 'signing-key', pending: 'the signing key is not loaded yet', run: async () => void (await api.jwks()) },
    };
  },
});
