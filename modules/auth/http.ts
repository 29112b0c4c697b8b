import { answerErrorsWith, openApiRoutes, principalOf, requestMetaOf, type StatusTable } from '../kernel/http.ts';
import type { AuthErrorCode } from './errors.ts';
import { jwksMaxAgeSeconds } from './key-lifecycle.ts';
import type { AuthApi } from './ports.ts';
import { jwks, login, logout, mfaWebAuthnOptions, passkeyLogin, passkeyOptions, refresh, register, verifyMfa } from './routes.ts';

export const authErrorStatus = { invalid_mfa_token: 401 } satisfies StatusTable<AuthErrorCode>;

/**
 * A wrong factor at login is a failed authentication (API.md: 401 `invalid_code`), where the mfa
 * module's own routes answer the same codes as the owner's bad input (400).
 */
const loginStepStatus = { invalid_code: 401, invalid_credential: 401 } as const;

/** Public routes under /api/auth. `/logout` needs an authenticated principal; the rest do not. */
export function authEndpoints(auth: AuthApi) {
  return openApiRoutes()
    .openapi(register, async (c) => {
      const user = await auth.register({ ...c.req.valid('json'), meta: requestMetaOf(c) });
      return c.json({ user }, 201);
    })
    .openapi(login, async (c) => {
      const answer = await auth.login({ ...c.req.valid('json'), meta: requestMetaOf(c) });
      return 'mfaRequired' in answer ? c.json(answer, 202) : c.json(answer, 200);
    })
    .openapi(verifyMfa, async (c) => {
      answerErrorsWith(c, loginStepStatus);
      return c.json(await auth.verifyMfa({ ...c.req.valid('json'), meta: requestMetaOf(c) }), 200);
    })
    .openapi(mfaWebAuthnOptions, async (c) => {
      return c.json(await auth.mfaWebAuthnOptions({ ...c.req.valid('json'), meta: requestMetaOf(c) }), 200);
    })
    .openapi(passkeyOptions, async (c) => c.json(await auth.passkeyOptions(), 200))
    .openapi(passkeyLogin, async (c) => {
      answerErrorsWith(c, loginStepStatus);
      return c.json(await auth.passkeyLogin({ ...c.req.valid('json'), meta: requestMetaOf(c) }), 200);
    })
    .openapi(refresh, async (c) => {
      return c.json(await auth.refresh({ ...c.req.valid('json'), meta: requestMetaOf(c) }), 200);
    })
    .openapi(logout, async (c) => {
      await auth.logout({ ...principalOf(c), meta: requestMetaOf(c) });
      return c.body(null, 204);
    });
}

/**
 * `GET /.well-known/jwks.json`: public keys only. Caches may keep it for max-age, which is why a
 * next key is published longer than that before it signs.
 */
export function jwksEndpoints(auth: AuthApi) {
  return openApiRoutes().openapi(jwks, async (c) => {
    c.header('Cache-Control', `public, max-age=${jwksMaxAgeSeconds}`);
    return c.json(await auth.jwks(), 200);
  });
}
