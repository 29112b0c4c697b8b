import { openApiRoutes, principalOf, requestMetaOf } from '../kernel/http.ts';
import type { AuthApi } from './ports.ts';
import { jwks, login, logout, refresh, register } from './routes.ts';

/** Public routes under /api/auth. `/logout` needs an authenticated principal; the rest do not. */
export function authRoutes(auth: AuthApi) {
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

/** `GET /.well-known/jwks.json`: public keys only; caches may keep it briefly. */
export function jwksRoutes(auth: AuthApi) {
  return openApiRoutes().openapi(jwks, async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(await auth.jwks(), 200);
  });
}
