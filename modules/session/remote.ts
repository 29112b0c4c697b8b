import { z } from 'zod';
import type { ErrorRegistry, PortSpec } from '../kernel/mod.ts';
import {
  createSessionInputSchema,
  issuedSessionSchema,
  refreshInputSchema,
  revokeAllInputSchema,
  revokeInputSchema,
  sessionViewSchema,
} from './domain.ts';
import { InvalidRefreshTokenError, RefreshTokenReusedError, SessionNotFoundError } from './errors.ts';
import type { SessionApi } from './ports.ts';

/** SessionApi over a wire. */
export const sessionApiSpec = {
  create: { input: createSessionInputSchema, output: issuedSessionSchema, idempotent: false },
  refresh: { input: refreshInputSchema, output: issuedSessionSchema, idempotent: false },
  ownerOf: { input: refreshInputSchema.shape.refreshToken, output: z.string().nullable(), idempotent: true },
  get: { input: z.string(), output: sessionViewSchema.nullable(), idempotent: true },
  listActive: { input: z.string(), output: z.array(sessionViewSchema), idempotent: true },
  revoke: { input: revokeInputSchema, output: z.undefined(), idempotent: false },
  // Same effect twice, but the count differs: not safe to retry blindly.
  revokeAll: { input: revokeAllInputSchema, output: z.object({ revoked: z.number().int() }), idempotent: false },
  listRevokedSince: { input: z.string().datetime(), output: z.array(z.string()), idempotent: true },
} satisfies PortSpec<SessionApi>;

export const sessionErrors: ErrorRegistry = {
  invalid_refresh_token: () => new InvalidRefreshTokenError(),
  refresh_token_reused: (_, details) => new RefreshTokenReusedError(String(details.sessionId), String(details.userId)),
  session_not_found: () => new SessionNotFoundError(),
};
