import { z } from 'zod';
import { openApiRoutes, principalOf, type StatusTable } from '../kernel/http.ts';
import { SessionNotFoundError, type SessionErrorCode } from './errors.ts';
import type { SessionApi } from './ports.ts';
import { listSessions, revokeOtherSessions, revokeSession } from './routes.ts';

export const sessionErrorStatus = {
  invalid_refresh_token: 401,
  refresh_token_reused: 401,
  session_not_found: 404,
} satisfies StatusTable<SessionErrorCode>;

/** Public routes under /api/sessions; every one needs an authenticated principal. */
export function sessionEndpoints(api: SessionApi) {
  return openApiRoutes()
    .openapi(listSessions, async (c) => {
      const { userId, sessionId } = principalOf(c);
      const active = await api.listActive(userId);
      const summaries = active.map((s) => ({
        id: s.id,
        createdAt: s.createdAt,
        lastUsedAt: s.lastUsedAt,
        userAgent: s.userAgent,
        ip: s.ip,
        current: s.id === sessionId,
      }));
      return c.json({ sessions: summaries }, 200);
    })
    .openapi(revokeOtherSessions, async (c) => {
      const { userId, sessionId } = principalOf(c);
      await api.revokeAll({ userId, exceptSessionId: sessionId, reason: 'user_revoked' });
      return c.body(null, 204);
    })
    .openapi(revokeSession, async (c) => {
      const { userId } = principalOf(c);
      const sessionId = c.req.valid('param').id;
      // Session ids are UUIDs: anything else is simply not one of the caller's sessions.
      if (!z.uuid().safeParse(sessionId).success) throw new SessionNotFoundError();
      await api.revoke({ userId, sessionId, reason: 'user_revoked' });
      return c.body(null, 204);
    });
}
