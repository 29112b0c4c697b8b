import { createRoute, z } from '@hono/zod-openapi';
import { apiResponses, bearer, jsonAnswer, named, problem } from '../kernel/http.ts';
import { auditedEventTypes, auditEventViewSchema } from './domain.ts';

const auditEventSchema = named(
  auditEventViewSchema.extend({ type: z.string().openapi({ description: `One of ${auditedEventTypes.join(', ')}.` }) }),
  'AuditEvent',
);

export const listMyEvents = createRoute({
  method: 'get',
  path: '/me',
  tags: ['Security activity'],
  summary: 'The caller’s security activity, newest first',
  description: 'Fed by events, so eventually consistent: an event shows within 2 seconds.',
  security: bearer,
  // The service's schema bounds the limit; the query only carries it as text.
  request: { query: z.object({ limit: z.string().optional().openapi({ description: 'How many events, 1 to 200.', example: '50' }) }) },
  responses: apiResponses({
    200: jsonAnswer(z.object({ events: z.array(auditEventSchema) }), 'The events.'),
    400: problem('The limit is not a whole number from 1 to 200.'),
    401: problem('No valid access token.'),
  }),
});

/** The route definitions under /api/audit, for the OpenAPI document. */
export const auditRouteDefinitions = [listMyEvents];
