import { z } from 'zod';
import { requestMetaSchema } from '../kernel/mod.ts';
import { presentedEmailSchema, presentedPasswordSchema, userViewSchema } from '../user/mod.ts';

export const loginInputSchema = z.object({
  email: presentedEmailSchema,
  password: presentedPasswordSchema.min(1),
  meta: requestMetaSchema.optional(),
});
export type LoginInput = z.infer<typeof loginInputSchema>;

/** A refresh is the session module's rotation plus token issuance: the same input. */
export { refreshInputSchema, type RefreshInput } from '../session/mod.ts';

export const logoutInputSchema = z.object({
  userId: z.string(),
  sessionId: z.string(),
  meta: requestMetaSchema.optional(),
});
export type LogoutInput = z.infer<typeof logoutInputSchema>;

/** The body of a successful login or refresh (API.md). */
export const tokenResponseSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int(),
  sessionId: z.string(),
  user: userViewSchema,
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/** A public Ed25519 key as published in the JWKS. */
export const publicJwkSchema = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string(),
  kid: z.string(),
  alg: z.literal('EdDSA'),
  use: z.literal('sig'),
});
export const jwksSchema = z.object({ keys: z.array(publicJwkSchema) });
export type Jwks = z.infer<typeof jwksSchema>;

/** A signing key as stored: the private half never leaves the auth module. */
export interface SigningKeyRecord {
  kid: string;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  createdAt: Date;
  /** When it starts signing; a key created by a rotation is published a while before that. */
  activatesAt: Date;
}
