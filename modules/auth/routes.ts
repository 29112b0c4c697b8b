import { createRoute, z } from '@hono/zod-openapi';
import { apiResponses, bearer, jsonAnswer, jsonBody, named, problem, tooLarge } from '../kernel/http.ts';
import { requestOptionsSchema } from '../mfa/mod.ts';
import { registerInputSchema, userSchema } from '../user/mod.ts';
import {
  jwksSchema,
  loginInputSchema,
  mfaOptionsInputSchema,
  mfaRequiredSchema,
  passkeyLoginInputSchema,
  refreshInputSchema,
  tokenResponseSchema,
  verifyMfaInputSchema,
} from './domain.ts';

// Bodies are the port inputs without what the gateway supplies (request metadata).
const registerBody = registerInputSchema.omit({ meta: true });
const loginBody = loginInputSchema.omit({ meta: true });
const refreshBody = refreshInputSchema.omit({ meta: true });
const verifyMfaBody = verifyMfaInputSchema.omit({ meta: true });
const mfaOptionsBody = mfaOptionsInputSchema.omit({ meta: true });
const passkeyLoginBody = passkeyLoginInputSchema.omit({ meta: true });
const requestOptions = jsonAnswer(
  named(requestOptionsSchema, 'PasskeyRequestOptions'),
  'PublicKeyCredentialRequestOptionsJSON (WebAuthn L3), with a single-use challenge valid 5 minutes.',
);
const accountRefused = problem(
  'The account is disabled (`account_disabled`), or its email is not verified while REQUIRE_VERIFIED_EMAIL is set (`email_not_verified`).',
);

const tokens = jsonAnswer(named(tokenResponseSchema.extend({ user: userSchema }), 'TokenResponse'), 'A new access and refresh token pair.');
const tags = ['Auth'];

export const register = createRoute({
  method: 'post',
  path: '/register',
  tags,
  summary: 'Create an account',
  description: 'Unknown fields are ignored. The email is stored trimmed and matched case-insensitively.',
  request: { body: jsonBody(registerBody) },
  responses: apiResponses({
    201: jsonAnswer(z.object({ user: userSchema }), 'The new account.'),
    400: problem('The body is invalid (email syntax, password shorter than 8 or longer than 128 characters, or too common).'),
    409: problem('An account with this email exists.'),
    413: tooLarge,
  }),
});

export const login = createRoute({
  method: 'post',
  path: '/login',
  tags,
  summary: 'Log in',
  description:
    'An account with a second factor gets no tokens yet but 202 with an `mfaToken` for `/mfa/verify`: single use, valid 5 minutes, for this account and this client (address and user agent) only.',
  request: { body: jsonBody(loginBody) },
  responses: apiResponses({
    200: tokens,
    202: jsonAnswer(named(mfaRequiredSchema, 'MfaRequired'), 'The password is right; a second factor must follow (`methods`).'),
    400: problem('The body is invalid.'),
    401: problem('The email or password is incorrect (one answer for both).'),
    403: accountRefused,
    413: tooLarge,
  }),
});

export const verifyMfa = createRoute({
  method: 'post',
  path: '/mfa/verify',
  tags,
  summary: 'Finish a login with its second factor',
  description:
    '`code` for `totp` and `recovery_code`, `credential` (an assertion over options from `/mfa/webauthn/options`) for `webauthn`. The access token’s `amr` is `["pwd","otp"]` or `["pwd","hwk"]`. A wrong factor counts against the mfaToken (the fifth voids it) and, for codes, against the account’s failed-login throttle.',
  request: { body: jsonBody(verifyMfaBody) },
  responses: apiResponses({
    200: tokens,
    400: problem('The body is invalid (e.g. no `code` for a code method).'),
    401: problem(
      'A wrong code (`invalid_code`) or passkey (`invalid_credential`), or an mfaToken that is unknown, expired, used or from another client (`invalid_mfa_token`).',
    ),
    403: accountRefused,
    413: tooLarge,
  }),
});

export const mfaWebAuthnOptions = createRoute({
  method: 'post',
  path: '/mfa/webauthn/options',
  tags,
  summary: 'Passkey options for a login’s second step',
  request: { body: jsonBody(mfaOptionsBody) },
  responses: apiResponses({
    200: requestOptions,
    400: problem('The body is invalid.'),
    401: problem('The mfaToken is unknown, expired, used or from another client (`invalid_mfa_token`).'),
    409: problem('The account has no passkey (`mfa_not_enabled`).'),
    413: tooLarge,
  }),
});

export const passkeyOptions = createRoute({
  method: 'post',
  path: '/passkey/options',
  tags,
  summary: 'Options for a passwordless login with a passkey',
  description: 'For any discoverable passkey; the authenticator must verify the user (PIN, biometrics).',
  responses: apiResponses({ 200: requestOptions }),
});

export const passkeyLogin = createRoute({
  method: 'post',
  path: '/passkey',
  tags,
  summary: 'Log in with a passkey alone',
  description: 'The assertion of a discoverable, user-verified passkey over options from `/passkey/options`; `amr` is `["hwk","user"]`.',
  request: { body: jsonBody(passkeyLoginBody) },
  responses: apiResponses({
    200: tokens,
    400: problem('The body is invalid.'),
    401: problem('The passkey could not be verified (`invalid_credential`).'),
    403: accountRefused,
    413: tooLarge,
  }),
});

export const refresh = createRoute({
  method: 'post',
  path: '/refresh',
  tags,
  summary: 'Exchange a refresh token for a new pair',
  description: 'Refresh tokens are single use: presenting a rotated one again revokes the whole session.',
  request: { body: jsonBody(refreshBody) },
  responses: apiResponses({
    200: tokens,
    400: problem('The body is invalid.'),
    401: problem('The refresh token is unknown, expired or reused.'),
    413: tooLarge,
  }),
});

export const logout = createRoute({
  method: 'post',
  path: '/logout',
  tags,
  summary: 'End the current session',
  security: bearer,
  responses: apiResponses({ 204: { description: 'Logged out.' }, 401: problem('No valid access token.') }),
});

export const jwks = createRoute({
  method: 'get',
  path: '/jwks.json',
  tags,
  summary: 'The public keys that verify access tokens',
  responses: { 200: jsonAnswer(named(jwksSchema, 'Jwks'), 'Ed25519 public keys (`OKP`, `alg: EdDSA`, `use: sig`).') },
});

/** The route definitions under /api/auth, for the OpenAPI document. */
export const authRouteDefinitions = [register, login, verifyMfa, mfaWebAuthnOptions, passkeyOptions, passkeyLogin, refresh, logout];

/** The route definitions under /.well-known, for the OpenAPI document. */
export const jwksRouteDefinitions = [jwks];
