import { createRoute, z } from '@hono/zod-openapi';
import { apiResponses, bearer, jsonAnswer, jsonBody, named, problem, tooLarge } from '../kernel/http.ts';
import {
  creationOptionsSchema,
  mfaSummarySchema,
  passkeyNameSchema,
  passkeyViewSchema,
  passwordCheckInputSchema,
  presentedCodeSchema,
  recoveryCodesSchema,
  registrationCredentialSchema,
  totpEnrolmentSchema,
} from './domain.ts';

const unauthenticated = problem('No valid access token.');
const wrongPassword = problem('The password is wrong, or no valid access token.');
const invalidBody = problem('The body is invalid; `errors` names the fields.');
const passwordBody = jsonBody(passwordCheckInputSchema.pick({ password: true }));
const recoveryCodes = jsonAnswer(named(recoveryCodesSchema, 'RecoveryCodes'), 'Ten single-use codes, shown this once.');
const tags = ['Second factors'];

export const getSummary = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'The caller’s second factors',
  security: bearer,
  responses: apiResponses({
    200: jsonAnswer(named(mfaSummarySchema, 'MfaSummary'), 'TOTP, passkeys, recovery codes left.'),
    401: unauthenticated,
  }),
});

export const startTotp = createRoute({
  method: 'post',
  path: '/totp',
  tags,
  summary: 'Start enrolling an authenticator app',
  description: 'RFC 6238 (SHA-1, 6 digits, 30 s). Pending until confirmed with a code; a pending enrolment is replaced.',
  security: bearer,
  request: { body: passwordBody },
  responses: apiResponses({
    200: jsonAnswer(named(totpEnrolmentSchema, 'TotpEnrolment'), 'The secret, and the otpauth:// URI to show as a QR code.'),
    400: invalidBody,
    401: wrongPassword,
    409: problem('An authenticator app is enabled already.'),
    413: tooLarge,
  }),
});

export const confirmTotp = createRoute({
  method: 'post',
  path: '/totp/confirm',
  tags,
  summary: 'Confirm the authenticator app with a code',
  description: 'Enables it and answers ten new recovery codes (earlier ones stop working); every other session is revoked.',
  security: bearer,
  request: { body: jsonBody(z.object({ code: presentedCodeSchema })) },
  responses: apiResponses({
    200: recoveryCodes,
    400: problem('The code is wrong or used already (`invalid_code`), nothing is pending, or the body is invalid.'),
    401: unauthenticated,
    413: tooLarge,
  }),
});

export const removeTotp = createRoute({
  method: 'delete',
  path: '/totp',
  tags,
  summary: 'Remove the authenticator app',
  description: 'With no passkey left, the recovery codes go too.',
  security: bearer,
  request: { body: passwordBody },
  responses: apiResponses({ 204: { description: 'Removed.' }, 400: invalidBody, 401: wrongPassword, 413: tooLarge }),
});

export const regenerateRecoveryCodes = createRoute({
  method: 'post',
  path: '/recovery-codes',
  tags,
  summary: 'Replace the recovery codes',
  security: bearer,
  request: { body: passwordBody },
  responses: apiResponses({
    200: recoveryCodes,
    400: invalidBody,
    401: wrongPassword,
    409: problem('The account has no second factor.'),
    413: tooLarge,
  }),
});

export const passkeyOptions = createRoute({
  method: 'post',
  path: '/options',
  tags,
  summary: 'Options to register a passkey',
  description:
    'PublicKeyCredentialCreationOptionsJSON (WebAuthn L3) for navigator.credentials.create(); its challenge is good once, for 5 minutes.',
  security: bearer,
  responses: apiResponses({
    200: jsonAnswer(named(creationOptionsSchema, 'PasskeyCreationOptions'), 'The options.'),
    401: unauthenticated,
  }),
});

export const addPasskey = createRoute({
  method: 'post',
  path: '/',
  tags,
  summary: 'Register a passkey',
  description: 'The credential as the browser made it from the options (its JSON form).',
  security: bearer,
  request: { body: jsonBody(z.object({ credential: registrationCredentialSchema, name: passkeyNameSchema.optional() })) },
  responses: apiResponses({
    201: jsonAnswer(z.object({ passkey: named(passkeyViewSchema, 'Passkey') }), 'The passkey.'),
    400: problem('The credential does not verify (`invalid_credential`), or the body is invalid.'),
    401: unauthenticated,
    413: tooLarge,
  }),
});

export const removePasskey = createRoute({
  method: 'delete',
  path: '/{id}',
  tags,
  summary: 'Remove a passkey',
  security: bearer,
  request: { params: z.object({ id: z.string() }) },
  responses: apiResponses({ 204: { description: 'Removed.' }, 401: unauthenticated, 404: problem('Not one of the caller’s passkeys.') }),
});

/** The route definitions under /api/users/me/mfa, for the OpenAPI document. */
export const mfaRouteDefinitions = [getSummary, startTotp, confirmTotp, removeTotp, regenerateRecoveryCodes];

/** The route definitions under /api/users/me/passkeys. */
export const passkeyRouteDefinitions = [passkeyOptions, addPasskey, removePasskey];
