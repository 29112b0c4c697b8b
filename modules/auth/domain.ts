import { z } from 'zod';
import { requestMetaSchema } from '../kernel/mod.ts';
import { assertionCredentialSchema, mfaMethods } from '../mfa/mod.ts';
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

/** How long a login may wait for its second step (API.md: `expiresIn: 300`). */
export const mfaTokenLifetimeSeconds = 300;

/** The answer of a right password to an account with a second factor: no tokens yet (API.md, 202). */
export const mfaRequiredSchema = z.object({
  mfaRequired: z.literal(true),
  mfaToken: z.string(),
  methods: z.array(z.enum(mfaMethods)),
  expiresIn: z.number().int(),
});
export type MfaRequired = z.infer<typeof mfaRequiredSchema>;

/** What a login answers: tokens, or the demand for a second step. */
export const loginAnswerSchema = z.union([tokenResponseSchema, mfaRequiredSchema]);
export type LoginAnswer = z.infer<typeof loginAnswerSchema>;

/** An mfaToken as presented: 256 bits in base64url are 43 characters; anything longer is no token of ours. */
const mfaTokenSchema = z.string().min(1).max(128);

/** The second step of a login: the mfaToken of its first step and one factor (`code`, or a passkey's `credential`). */
export const verifyMfaInputSchema = z.object({
  mfaToken: mfaTokenSchema,
  method: z.enum(mfaMethods),
  code: z.string().max(64).optional(),
  credential: assertionCredentialSchema.optional(),
  meta: requestMetaSchema.optional(),
});
export type VerifyMfaInput = z.input<typeof verifyMfaInputSchema>;

/** Passkey options for a login's second step. */
export const mfaOptionsInputSchema = z.object({ mfaToken: mfaTokenSchema, meta: requestMetaSchema.optional() });
export type MfaOptionsInput = z.input<typeof mfaOptionsInputSchema>;

/** A passwordless login: an assertion of a discoverable passkey, signed over options from `passkeyOptions`. */
export const passkeyLoginInputSchema = z.object({ credential: assertionCredentialSchema, meta: requestMetaSchema.optional() });
export type PasskeyLoginInput = z.input<typeof passkeyLoginInputSchema>;

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

/**
 * A login waiting for its second step: what an mfaToken stands for. Only the token's SHA-256 is
 * kept, so a copy of the store gives no usable token.
 */
export interface PendingLogin {
  /** SHA-256 (hex) of the mfaToken. */
  tokenHash: string;
  userId: string;
  /** SHA-256 (hex) of the client the password came from (address and user agent): the second step must come from it too. */
  clientHash: string;
  /** Failed second steps so far. */
  failures: number;
  expiresAt: Date;
}
