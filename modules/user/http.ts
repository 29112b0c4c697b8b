import { openApiRoutes, principalOf, requestMetaOf, type StatusTable } from '../kernel/http.ts';
import { UnauthenticatedError } from '../kernel/mod.ts';
import { UserNotFoundError, type UserErrorCode } from './errors.ts';
import type { UserApi } from './ports.ts';
import { changePassword, deleteMe, getMe, updateMe } from './routes.ts';

export const userErrorStatus = {
  email_taken: 409,
  invalid_credentials: 401,
  password_too_common: 400,
  user_not_found: 404,
  account_disabled: 403,
} satisfies StatusTable<UserErrorCode>;

/** Public routes under /api/users; every one needs an authenticated principal. */
export function userEndpoints(api: UserApi) {
  return openApiRoutes()
    .openapi(getMe, async (c) => {
      const user = await api.getById(principalOf(c).userId);
      // A deleted account's token may still verify until it expires; it no longer authenticates.
      if (!user) throw new UnauthenticatedError();
      return c.json(user, 200);
    })
    .openapi(updateMe, async (c) => {
      try {
        return c.json({ user: await api.updateProfile({ userId: principalOf(c).userId, ...c.req.valid('json') }) }, 200);
      } catch (error) {
        if (error instanceof UserNotFoundError) throw new UnauthenticatedError();
        throw error;
      }
    })
    .openapi(changePassword, async (c) => {
      const { userId, sessionId } = principalOf(c);
      await api.changePassword({ userId, sessionId, ...c.req.valid('json'), meta: requestMetaOf(c) });
      return c.body(null, 204);
    })
    .openapi(deleteMe, async (c) => {
      await api.deleteAccount({ userId: principalOf(c).userId, ...c.req.valid('json'), meta: requestMetaOf(c) });
      return c.body(null, 204);
    });
}
