import type { Context } from 'hono';
import { z } from 'zod';
import { openApiRoutes, principalOf, requestMetaOf, type AppEnv } from '../kernel/http.ts';
import { UserNotFoundError } from '../user/mod.ts';
import type { AdminApi } from './ports.ts';
import { disableUser, enableUser, getUser, resetUserMfa, revokeUserSessions, searchUsers, unlockUser } from './routes.ts';

/** The account a route names; account ids are UUIDs, so anything else is simply not an account (404, not 400). */
function targetOf(c: Context<AppEnv>, id: string) {
  if (!z.uuid().safeParse(id).success) throw new UserNotFoundError();
  return { actorId: principalOf(c).userId, userId: id, meta: requestMetaOf(c) };
}

/** Public routes under /api/admin/users; the gateway lets through only access tokens with the admin role. */
export function adminEndpoints(api: AdminApi) {
  return openApiRoutes()
    .openapi(searchUsers, async (c) => {
      const { query, limit, cursor } = c.req.valid('query');
      return c.json(await api.searchUsers({ query, cursor, limit: limit === undefined ? undefined : Number(limit) }), 200);
    })
    .openapi(getUser, async (c) => {
      const { userId } = targetOf(c, c.req.valid('param').id);
      const detail = await api.getUser(userId);
      if (!detail) throw new UserNotFoundError();
      return c.json(detail, 200);
    })
    .openapi(disableUser, async (c) => {
      await api.disableUser(targetOf(c, c.req.valid('param').id));
      return c.body(null, 204);
    })
    .openapi(enableUser, async (c) => {
      await api.enableUser(targetOf(c, c.req.valid('param').id));
      return c.body(null, 204);
    })
    .openapi(revokeUserSessions, async (c) => {
      await api.revokeSessions(targetOf(c, c.req.valid('param').id));
      return c.body(null, 204);
    })
    .openapi(unlockUser, async (c) => {
      await api.unlockUser(targetOf(c, c.req.valid('param').id));
      return c.body(null, 204);
    })
    .openapi(resetUserMfa, async (c) => {
      await api.resetMfa(targetOf(c, c.req.valid('param').id));
      return c.body(null, 204);
    });
}
