import { openApiRoutes, principalOf, requestMetaOf } from '../kernel/http.ts';
import { jwksMaxAgeSeconds } from './key-lifecycle.ts';
import type { AuthApi } from './ports.ts';
import { jwks, login, logout, refresh, register } from './routes.ts';

/** Public routes under /api/auth. `/logout` needs an authenticated principal; the rest do not. */
export function authEndpoints(auth: AuthApi) {
  return openApiRoutes()
    .openapi(register, async (c) => {
      const user = await auth.register({ ...c.req.valid('json'), meta: requestMetaOf(c) });
      return c.json({ user }, 201);
    })
    .openapi(login, async (c) => {
      return c.json(await auth.login({ ...c.req.valid('json'), meta: requestMetaOf(c) }), 200);
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
