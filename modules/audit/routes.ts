import { createRoute, z } from '@hono/zod-openapi';
import { adminRole } from '../user/mod.ts';
import { apiResponses, bearer, bearerWithRoles, jsonAnswer, named, problem } from '../kernel/http.ts';
import { adminAuditEventViewSchema, auditedEventTypes, auditEventViewSchema, listLimit } from './domain.ts';

const auditEventSchema = named(auditEventViewSchema, 'AuditEvent');
const adminAuditEventSchema = named(adminAuditEventViewSchema, 'AdminAuditEvent');

// The service's schema enforces the bounds; the query carries the limit as text, documented as the integer it must be.
const limitQuery = z
  .string()
  .regex(/^[0-9]+$/, 'must be a whole number')
  .optional()
  .openapi({
    type: 'integer',
    minimum: listLimit.min,
    maximum: listLimit.max,
    default: listLimit.default,
    description: 'How many events.',
  });

export const listMyEvents = createRoute({
  method: 'get',
  path: '/me',
  tags: ['Security activity'],
  summary: 'The caller’s security activity, newest first',
  description: 'Fed by events, so eventually consistent: an event shows within 2 seconds.',
  security: bearer,
  request: { query: z.object({ limit: limitQuery }) },
  responses: apiResponses({
    200: jsonAnswer(z.object({ events: z.array(auditEventSchema) }), 'The events.'),
    400: problem(`The limit is not a whole number from ${listLimit.min} to ${listLimit.max}.`),
    401: problem('No valid access token.'),
  }),
});

export const searchEvents = createRoute({
  method: 'get',
  path: '/',
  tags: ['Admin'],
  summary: 'Security activity across accounts, newest first (admins)',
  description: 'Fed by events, so eventually consistent. Admin actions carry the admin who did them in `actorId`.',
  security: bearerWithRoles(adminRole),
  request: {
    query: z.object({
      userId: z.string().min(1).max(100).optional().openapi({ description: 'Only this account’s events.' }),
      type: z.enum(auditedEventTypes).optional().openapi({ description: 'Only events of this type.' }),
      limit: limitQuery,
    }),
  },
  responses: apiResponses({
    200: jsonAnswer(z.object({ events: z.array(adminAuditEventSchema) }), 'The events.'),
    400: problem(`An unknown type, or a limit that is not a whole number from ${listLimit.min} to ${listLimit.max}.`),
    401: problem('No valid access token.'),
    403: problem('The access token lacks the admin role.'),
  }),
});

/** The route definitions under /api/audit, for the OpenAPI document. */
export const auditRouteDefinitions = [listMyEvents];

/** The route definitions under /api/admin/audit, for the OpenAPI document. */
export const adminAuditRouteDefinitions = [searchEvents];
