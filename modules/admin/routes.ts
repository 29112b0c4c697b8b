import { createRoute, z } from '@hono/zod-openapi';
import { apiResponses, bearerWithRoles, jsonAnswer, named, problem } from '../kernel/http.ts';
import { mfaSummarySchema } from '../mfa/mod.ts';
import { accountViewSchema, adminRole, searchLimit } from '../user/mod.ts';
import { adminSessionViewSchema } from './domain.ts';

const accountSchema = named(accountViewSchema, 'Account');
const security = bearerWithRoles(adminRole);
const tags = ['Admin'];
const unauthenticated = problem('No valid access token.');
const forbidden = problem('The access token lacks the admin role.');
const notFound = problem('No such account.');
const userParam = { params: z.object({ id: z.string().openapi({ description: 'An account id (UUID).' }) }) };

export const searchUsers = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'Find accounts by email or display name, newest first',
  security,
  request: {
    // The service's schema enforces the bounds; the query carries the limit as text, documented as the integer it must be.
    query: z.object({
      query: z
        .string()
        .max(254)
        .optional()
        .openapi({ description: 'Part of an email or display name, in any case; empty: every account.' }),
      limit: z
        .string()
        .regex(/^[0-9]+$/, 'must be a whole number')
        .optional()
        .openapi({ type: 'integer', minimum: searchLimit.min, maximum: searchLimit.max, default: searchLimit.default }),
      cursor: z.string().max(512).optional().openapi({ description: 'The `nextCursor` of the page before.' }),
    }),
  },
  responses: apiResponses({
    200: jsonAnswer(
      z.object({ users: z.array(accountSchema), nextCursor: z.string().nullable() }),
      'A page of accounts; `nextCursor` is null on the last page.',
    ),
    400: problem(
      `A limit that is not a whole number from ${searchLimit.min} to ${searchLimit.max}, or a cursor this API did not give out.`,
    ),
    401: unauthenticated,
    403: forbidden,
  }),
});

export const getUser = createRoute({
  method: 'get',
  path: '/{id}',
  tags,
  summary: 'An account, its active sessions and its second factors',
  security,
  request: userParam,
  responses: apiResponses({
    200: jsonAnswer(
      z.object({
        user: accountSchema,
        sessions: z.array(named(adminSessionViewSchema, 'AdminSession')),
        mfa: named(mfaSummarySchema, 'AdminMfaSummary'),
      }),
      'The account.',
    ),
    401: unauthenticated,
    403: forbidden,
    404: notFound,
  }),
});

/** An action on an account: 204 when done. */
const action = <const Method extends 'post' | 'delete', const Path extends string>(
  method: Method,
  path: Path,
  summary: string,
  description: string,
  refusals: { 409?: ReturnType<typeof problem> } = {},
) =>
  createRoute({
    method,
    path,
    tags,
    summary,
    description,
    security,
    request: userParam,
    responses: apiResponses({ 204: { description: 'Done.' }, 401: unauthenticated, 403: forbidden, 404: notFound, ...refusals }),
  });

export const disableUser = action(
  'post',
  '/{id}/disable',
  'Disable an account',
  'Every session of the account is revoked (its access tokens stop working within a second); login answers 403 `account_disabled`.',
  { 409: problem('`cannot_disable_self`: the account is the caller’s own (another admin can disable it).') },
);
export const enableUser = action('post', '/{id}/enable', 'Enable a disabled account', 'The account can log in again.');
export const revokeUserSessions = action(
  'delete',
  '/{id}/sessions',
  'Revoke every session of an account',
  'Its access tokens stop working within a second and its logins waiting for a second step are voided; it can log in again.',
);
export const unlockUser = action(
  'post',
  '/{id}/unlock',
  'Clear the failed-login throttle of an account',
  'Its failed logins, block and lockout are forgotten.',
);

export const resetUserMfa = action(
  'delete',
  '/{id}/mfa',
  'Remove every second factor of an account',
  'TOTP, recovery codes and passkeys are removed and its failed codes forgotten: its owner logs in with the password alone and may enrol again. For account recovery; audited as `admin.mfa_reset`.',
);

/** The route definitions under /api/admin/users, for the OpenAPI document. */
export const adminRouteDefinitions = [searchUsers, getUser, disableUser, enableUser, revokeUserSessions, unlockUser, resetUserMfa];
