import { Hono } from 'hono';
import { z } from 'zod';
import { principalOf, requestMetaOf, validate, type AppEnv, type StatusTable } from '../kernel/http.ts';
import { UnauthenticatedError } from '../kernel/mod.ts';
import { displayNameSchema, passwordSchema } from './domain.ts';
import type { UserErrorCode } from './errors.ts';
import type { UserApi } from './ports.ts';

export const userErrorStatus = {
  email_taken: 409,
  invalid_credentials: 401,
  password_too_common: 400,
  user_not_found: 404,
} satisfies StatusTable<UserErrorCode>;

/** Public routes under /api/users; every one needs an authenticated principal. */
export function userRoutes(users: UserApi) {
  return new Hono<AppEnv>()
    .get('/me', async (c) => {
      const user = await users.getById(principalOf(c).userId);
      // A deleted account's token may still verify until it expires; it no longer authenticates.
      if (!user) throw new UnauthenticatedError();
      return c.json(user);
    })
    .patch('/me', validate('json', z.object({ displayName: displayNameSchema })), async (c) => {
      const user = await users.updateProfile({ userId: principalOf(c).userId, ...c.req.valid('json') });
      return c.json({ user });
    })
    .post(
      '/me/password',
      validate('json', z.object({ currentPassword: z.string().max(128), newPassword: passwordSchema })),
      async (c) => {
        const { userId, sessionId } = principalOf(c);
        await users.changePassword({ userId, sessionId, ...c.req.valid('json'), meta: requestMetaOf(c) });
        return c.body(null, 204);
      },
    )
    .delete('/me', validate('json', z.object({ password: z.string().max(128) })), async (c) => {
      await users.deleteAccount({ userId: principalOf(c).userId, ...c.req.valid('json'), meta: requestMetaOf(c) });
      return c.body(null, 204);
    });
}
