import { openApiRoutes, principalOf, requestMetaOf, type StatusTable } from '../kernel/http.ts';
import { UnauthenticatedError } from '../kernel/mod.ts';
import { UserNotFoundError, type UserErrorCode } from './errors.ts';
import type { UserApi } from './ports.ts';
import {
  changePassword,
  confirmEmailChange,
  deleteMe,
  forgotPassword,
  getMe,
  requestEmailChange,
  requestEmailVerification,
  resetPassword,
  updateMe,
  verifyEmail,
} from './routes.ts';

export const userErrorStatus = {
  email_taken: 409,
  invalid_credentials: 401,
  password_too_common: 400,
  user_not_found: 404,
  invalid_token: 400,
  email_not_verified: 403,
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
    })
    .openapi(requestEmailVerification, async (c) => {
      try {
        await api.requestEmailVerification({ userId: principalOf(c).userId, meta: requestMetaOf(c) });
      } catch (error) {
        if (error instanceof UserNotFoundError) throw new UnauthenticatedError();
        throw error;
      }
      return c.body(null, 202);
    })
    .openapi(requestEmailChange, async (c) => {
      await api.requestEmailChange({ userId: principalOf(c).userId, ...c.req.valid('json'), meta: requestMetaOf(c) });
      return c.body(null, 202);
    });
}

/** The same answer for every address (API.md): nothing in it may depend on the account. */
const forgotAnswer = { message: 'If an account uses this address, a link to reset its password is on its way.' };

/** Public routes under /api/auth for the links of mails; none needs a session. */
export function accountLinkEndpoints(api: UserApi) {
  return openApiRoutes()
    .openapi(verifyEmail, async (c) => {
      await api.verifyEmail({ ...c.req.valid('json'), meta: requestMetaOf(c) });
      return c.body(null, 204);
    })
    .openapi(forgotPassword, async (c) => {
      await api.forgotPassword({ ...c.req.valid('json'), meta: requestMetaOf(c) });
      return c.json(forgotAnswer, 202);
    })
    .openapi(resetPassword, async (c) => {
      await api.resetPassword({ ...c.req.valid('json'), meta: requestMetaOf(c) });
      return c.body(null, 204);
    })
    .openapi(confirmEmailChange, async (c) => {
      await api.confirmEmailChange({ ...c.req.valid('json'), meta: requestMetaOf(c) });
      return c.body(null, 204);
    });
}
