import { Hono } from 'hono';
import { principalOf, requestMetaOf, validate, type AppEnv, type StatusTable } from '../kernel/http.ts';
import { UnauthenticatedError } from '../kernel/mod.ts';
import { changePasswordInputSchema, deleteAccountInputSchema, updateProfileInputSchema } from './domain.ts';
import { UserNotFoundError, type UserErrorCode } from './errors.ts';
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
    .patch('/me', validate('json', updateProfileInputSchema.pick({ displayName: true })), async (c) => {
      try {
        return c.json({ user: await users.updateProfile({ userId: principalOf(c).userId, ...c.req.valid('json') }) });
      } catch (error) {
        if (error instanceof UserNotFoundError) throw new UnauthenticatedError();
        throw error;
      }
    })
    .post(
      '/me/password',
      validate('json', changePasswordInputSchema.pick({ currentPassword: true, newPassword: true })),
      async (c) => {
        const { userId, sessionId } = principalOf(c);
        await users.changePassword({ userId, sessionId, ...c.req.valid('json'), meta: requestMetaOf(c) });
        return c.body(null, 204);
      },
    )
    .delete('/me', validate('json', deleteAccountInputSchema.pick({ password: true })), async (c) => {
      await users.deleteAccount({ userId: principalOf(c).userId, ...c.req.valid('json'), meta: requestMetaOf(c) });
      return c.body(null, 204);
    });
}
