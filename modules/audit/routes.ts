import { createRoute, z } from '@hono/zod-openapi';
import { apiResponses, bearer, jsonAnswer, named, problem } from '../kernel/http.ts';
import { auditEventViewSchema, listLimit } from './domain.ts';

const auditEventSchema = named(auditEventViewSchema, 'AuditEvent');

export const listMyEvents = createRoute({
  method: 'get',
  path: '/me',
  tags: ['Security activity'],
  summary: 'The caller’s security activity, newest first',
  description: 'Fed by events, so eventually consistent: an event shows within 2 seconds.',
  security: bearer,
  // The service's schema enforces the bounds; the query carries the limit as text, documented as the integer it must be.
  request: {
    query: z.object({
      limit: z
        .string()
        .regex(/^[0-9]+$/, 'must be a whole number')
        .optional()
        .openapi({
          type: 'integer',
          minimum: listLimit.min,
          maximum: listLimit.max,
          default: listLimit.default,
          description: 'How many events.',
        }),
    }),
  },
  responses: apiResponses({
    200: jsonAnswer(z.object({ events: z.array(auditEventSchema) }), 'The events.'),
    400: problem(`The limit is not a whole number from ${listLimit.min} to ${listLimit.max}.`),
    401: problem('No valid access token.'),
  }),
});

/** The route definitions under /api/audit, for the OpenAPI document. */
export const auditRouteDefinitions = [listMyEvents];
