import { createRoute, z } from '@hono/zod-openapi';
import { apiResponses, bearer, jsonAnswer, jsonBody, named, problem, tooLarge } from '../kernel/http.ts';
import {
  changePasswordInputSchema,
  confirmEmailChangeInputSchema,
  deleteAccountInputSchema,
  forgotPasswordInputSchema,
  requestEmailChangeInputSchema,
  resetPasswordInputSchema,
  updateProfileInputSchema,
  userViewSchema,
  verifyEmailInputSchema,
} from './domain.ts';
import { accountTokenLifetimes } from './tokens.ts';

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

const hours = (ms: number) => ms / 3_600_000;

export const requestEmailVerification = createRoute({
  method: 'post',
  path: '/me/email/verification',
  tags,
  summary: 'Send a new verification mail',
  description: `A new link (valid ${hours(accountTokenLifetimes.email_verification)} h) goes to the account’s address; older links stop working. Once a minute at most; a verified account gets no mail.`,
  security: bearer,
  responses: apiResponses({ 202: { description: 'A mail is on its way.' }, 401: unauthenticated }),
});

export const requestEmailChange = createRoute({
  method: 'post',
  path: '/me/email',
  tags,
  summary: 'Change the email address',
  description: `A link (valid ${hours(accountTokenLifetimes.email_change)} h) goes to the new address, and a notice to the current one; the address changes once the link is opened (POST /api/auth/email/change).`,
  security: bearer,
  request: { body: jsonBody(requestEmailChangeInputSchema.pick({ newEmail: true, password: true })) },
  responses: apiResponses({
    202: { description: 'The mails are on their way.' },
    400: invalidBody,
    401: problem('The password is wrong, or no valid access token.'),
    409: problem('An account with this email exists.'),
    413: tooLarge,
  }),
});

/** The route definitions under /api/users, for the OpenAPI document. */
export const userRouteDefinitions = [getMe, updateMe, changePassword, deleteMe, requestEmailVerification, requestEmailChange];

const linkTags = ['Account links'];
const invalidToken = 'The token is unknown, expired or used (`invalid_token`), or the body is invalid.';
/** What `forgot` answers, whether or not an account has the address. */
export const forgotAnswerSchema = z.object({ message: z.string() });

export const verifyEmail = createRoute({
  method: 'post',
  path: '/email/verify',
  tags: linkTags,
  summary: 'Confirm the email address with the token of a verification mail',
  request: { body: jsonBody(verifyEmailInputSchema.pick({ token: true })) },
  responses: apiResponses({ 204: { description: 'The address is verified.' }, 400: problem(invalidToken), 413: tooLarge }),
});

export const forgotPassword = createRoute({
  method: 'post',
  path: '/password/forgot',
  tags: linkTags,
  summary: 'Ask for a password-reset mail',
  description: `The same answer, in about the same time, whether or not an account has the address. When one does, a link (valid ${accountTokenLifetimes.password_reset / 60_000} min; a newer one voids older ones) goes to it, at most once a minute.`,
  request: { body: jsonBody(forgotPasswordInputSchema.pick({ email: true })) },
  responses: apiResponses({
    202: jsonAnswer(named(forgotAnswerSchema, 'ForgotPasswordAnswer'), 'Accepted.'),
    400: problem('The email is not an address.'),
    413: tooLarge,
  }),
});

export const resetPassword = createRoute({
  method: 'post',
  path: '/password/reset',
  tags: linkTags,
  summary: 'Set a new password with the token of a reset mail',
  description: 'Every session of the account ends, its failed-login throttle is cleared, and a notice goes to its address.',
  request: { body: jsonBody(resetPasswordInputSchema.pick({ token: true, newPassword: true })) },
  responses: apiResponses({
    204: { description: 'The password is set.' },
    400: problem(`${invalidToken} Or the new password is too short, too long or too common.`),
    413: tooLarge,
  }),
});

export const confirmEmailChange = createRoute({
  method: 'post',
  path: '/email/change',
  tags: linkTags,
  summary: 'Make the new address the account’s, with the token mailed to it',
  request: { body: jsonBody(confirmEmailChangeInputSchema.pick({ token: true })) },
  responses: apiResponses({
    204: { description: 'The account’s email is the new one, verified.' },
    400: problem(invalidToken),
    409: problem('Another account took the address meanwhile.'),
    413: tooLarge,
  }),
});

/** The user module's routes under /api/auth (followed from mails, without a session), for the OpenAPI document. */
export const accountLinkRouteDefinitions = [verifyEmail, forgotPassword, resetPassword, confirmEmailChange];
