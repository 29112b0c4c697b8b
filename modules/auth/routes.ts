import { createRoute, z } from '@hono/zod-openapi';
import { apiResponses, bearer, jsonAnswer, jsonBody, named, problem, tooLarge } from '../kernel/http.ts';
import { registerInputSchema, userSchema } from '../user/mod.ts';
import { jwksSchema, loginInputSchema, refreshInputSchema, tokenResponseSchema } from './domain.ts';

// Bodies are the port inputs without what the gateway supplies (request metadata).
const registerBody = registerInputSchema.omit({ meta: true });
const loginBody = loginInputSchema.omit({ meta: true });
const refreshBody = refreshInputSchema.omit({ meta: true });

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
  request: { body: jsonBody(loginBody) },
  responses: apiResponses({
    200: tokens,
    400: problem('The body is invalid.'),
    401: problem('The email or password is incorrect (one answer for both).'),
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
export const authRouteDefinitions = [register, login, refresh, logout];

/** The route definitions under /.well-known, for the OpenAPI document. */
export const jwksRouteDefinitions = [jwks];
