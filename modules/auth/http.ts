import { Hono } from 'hono';
import { principalOf, requestMetaOf, validate, type AppEnv } from '../kernel/http.ts';
import { registerInputSchema } from '../user/mod.ts';
import { loginInputSchema, refreshInputSchema } from './domain.ts';
import type { AuthApi } from './ports.ts';

// Bodies are the port inputs without what the gateway supplies (request metadata).
const registerBody = registerInputSchema.omit({ meta: true });
const loginBody = loginInputSchema.omit({ meta: true });
const refreshBody = refreshInputSchema.omit({ meta: true });

/** Public routes under /api/auth. `/logout` needs an authenticated principal; the rest do not. */
export function authRoutes(auth: AuthApi) {
  return new Hono<AppEnv>()
    .post('/register', validate('json', registerBody), async (c) => {
      const user = await auth.register({ ...c.req.valid('json'), meta: requestMetaOf(c) });
      return c.json({ user }, 201);
    })
    .post('/login', validate('json', loginBody), async (c) => {
      return c.json(await auth.login({ ...c.req.valid('json'), meta: requestMetaOf(c) }));
    })
    .post('/refresh', validate('json', refreshBody), async (c) => {
      return c.json(await auth.refresh({ ...c.req.valid('json'), meta: requestMetaOf(c) }));
    })
    .post('/logout', async (c) => {
      await auth.logout({ ...principalOf(c), meta: requestMetaOf(c) });
      return c.body(null, 204);
    });
}

/** `GET /.well-known/jwks.json`: public keys only; caches may keep it briefly. */
export function jwksRoutes(auth: AuthApi) {
  return new Hono<AppEnv>().get('/jwks.json', async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(await auth.jwks());
  });
}
