import { createRoute, z } from '@hono/zod-openapi';
import { apiResponses, bearer, jsonAnswer, named, problem } from '../kernel/http.ts';

/** One of the caller's sessions as the public API lists it. */
const sessionSummarySchema = named(
  z.object({
    id: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string(),
    userAgent: z.string().nullable(),
    ip: z.string().nullable(),
    current: z.boolean().openapi({ description: 'Whether the calling access token belongs to this session.' }),
  }),
  'Session',
);

const unauthenticated = problem('No valid access token.');
const tags = ['Sessions'];

export const listSessions = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'The caller’s active sessions',
  security: bearer,
  responses: apiResponses({
    200: jsonAnswer(z.object({ sessions: z.array(sessionSummarySchema) }), 'Active sessions only.'),
    401: unauthenticated,
  }),
});

export const revokeOtherSessions = createRoute({
  method: 'delete',
  path: '/',
  tags,
  summary: 'Revoke every session but the current one',
  security: bearer,
  request: { query: z.object({ others: z.literal('true') }) },
  responses: apiResponses({
    204: { description: 'Revoked.' },
    400: problem('`others=true` is missing.'),
    401: unauthenticated,
  }),
});

export const revokeSession = createRoute({
  method: 'delete',
  path: '/{id}',
  tags,
  summary: 'Revoke one of the caller’s sessions',
  security: bearer,
  // Any text: an id that is not a UUID is simply not one of the caller's sessions (404, not 400).
  request: { params: z.object({ id: z.string().openapi({ description: 'A session id (UUID).' }) }) },
  responses: apiResponses({
    204: { description: 'Revoked.' },
    401: unauthenticated,
    404: problem('Not one of the caller’s active sessions.'),
  }),
});

/** The route definitions under /api/sessions, for the OpenAPI document. */
export const sessionRouteDefinitions = [listSessions, revokeOtherSessions, revokeSession];
