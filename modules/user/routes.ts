import { createRoute, z } from '@hono/zod-openapi';
import { apiResponses, bearer, jsonAnswer, jsonBody, named, problem, tooLarge } from '../kernel/http.ts';
import { changePasswordInputSchema, deleteAccountInputSchema, updateProfileInputSchema, userViewSchema } from './domain.ts';

/** An account as the public API shows it. */
export const userSchema = named(userViewSchema, 'User');

const unauthenticated = problem('No valid access token, or the account no longer exists.');
const invalidBody = problem('The body is invalid; `errors` names the fields.');
const tags = ['Users'];

export const getMe = createRoute({
  method: 'get',
  path: '/me',
  tags,
  summary: 'The caller’s account',
  security: bearer,
  responses: apiResponses({ 200: jsonAnswer(userSchema, 'The account.'), 401: unauthenticated }),
});

export const updateMe = createRoute({
  method: 'patch',
  path: '/me',
  tags,
  summary: 'Change the display name',
  security: bearer,
  request: { body: jsonBody(updateProfileInputSchema.pick({ displayName: true })) },
  responses: apiResponses({
    200: jsonAnswer(z.object({ user: userSchema }), 'The updated account.'),
    400: invalidBody,
    401: unauthenticated,
    413: tooLarge,
  }),
});

export const changePassword = createRoute({
  method: 'post',
  path: '/me/password',
  tags,
  summary: 'Change the password',
  description: 'Every other session of the user is revoked; the current one stays.',
  security: bearer,
  request: { body: jsonBody(changePasswordInputSchema.pick({ currentPassword: true, newPassword: true })) },
  responses: apiResponses({
    204: { description: 'Changed.' },
    400: problem('The body is invalid, or the new password is too short, too long or too common.'),
    401: problem('The current password is wrong, or no valid access token.'),
    413: tooLarge,
  }),
});

export const deleteMe = createRoute({
  method: 'delete',
  path: '/me',
  tags,
  summary: 'Delete the account',
  description: 'The account, its sessions and tokens are gone; the email can register again.',
  security: bearer,
  request: { body: jsonBody(deleteAccountInputSchema.pick({ password: true })) },
  responses: apiResponses({
    204: { description: 'Deleted.' },
    400: invalidBody,
    401: problem('The password is wrong, or no valid access token.'),
    413: tooLarge,
  }),
});

/** The route definitions under /api/users, for the OpenAPI document. */
export const userRouteDefinitions = [getMe, updateMe, changePassword, deleteMe];
