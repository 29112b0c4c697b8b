import { z } from 'zod';
import { requestMetaSchema, text } from '../kernel/mod.ts';
import { presentedPasswordSchema } from '../user/mod.ts';

/** The second factors a login may ask for (API.md, the `methods` of a 202 login answer). */
export const mfaMethods = ['totp', 'webauthn', 'recovery_code'] as const;
export type MfaMethod = (typeof mfaMethods)[number];

const userId = z.string().min(1);
const meta = requestMetaSchema.optional();

/** A code as typed: spaces and dashes are the reader's, not part of it. Anything else simply fails to match. */
export const presentedCodeSchema = text().min(1).max(64);

const base64url = z
  .string()
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]*$/, 'must be base64url');

/** A WebAuthn credential as a browser's `toJSON()` (or @simplewebauthn/browser) sends it; the library checks the rest. */
const credentialBase = {
  id: base64url.min(1),
  rawId: base64url.min(1),
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
};

export const registrationCredentialSchema = z.looseObject({
  ...credentialBase,
  response: z.looseObject({
    clientDataJSON: base64url,
    attestationObject: base64url,
    transports: z.array(z.string().max(32)).max(16).optional(),
  }),
});
export type RegistrationCredential = z.infer<typeof registrationCredentialSchema>;

export const assertionCredentialSchema = z.looseObject({
  ...credentialBase,
  response: z.looseObject({
    clientDataJSON: base64url,
    authenticatorData: base64url,
    signature: base64url,
    userHandle: base64url.optional(),
  }),
});
export type AssertionCredential = z.infer<typeof assertionCredentialSchema>;

export const passkeyNameSchema = text().trim().min(1).max(64);

export const totpEnrolmentSchema = z.object({ secret: z.string(), otpauthUrl: z.string() });
export type TotpEnrolment = z.infer<typeof totpEnrolmentSchema>;

export const recoveryCodesSchema = z.object({ recoveryCodes: z.array(z.string()) });

export const passkeyViewSchema = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });
export type PasskeyView = z.infer<typeof passkeyViewSchema>;

/** What the account owner sees of their second factors. */
export const mfaSummarySchema = z.object({
  totp: z.boolean(),
  passkeys: z.array(passkeyViewSchema.extend({ lastUsedAt: z.string().nullable() })),
  recoveryCodesLeft: z.number().int(),
});
export type MfaSummary = z.infer<typeof mfaSummarySchema>;

/** WebAuthn options (L3 JSON forms), as @simplewebauthn/server makes them; the browser reads them. */
export const creationOptionsSchema = z.looseObject({
  challenge: z.string(),
  rp: z.looseObject({ id: z.string().optional(), name: z.string() }),
  user: z.looseObject({ id: z.string(), name: z.string(), displayName: z.string() }),
  pubKeyCredParams: z.array(z.looseObject({ type: z.string(), alg: z.number() })),
});
export const requestOptionsSchema = z.looseObject({
  challenge: z.string(),
  rpId: z.string().optional(),
  allowCredentials: z.array(z.looseObject({ id: z.string(), type: z.string() })).optional(),
  userVerification: z.string().optional(),
});
export type CreationOptions = z.infer<typeof creationOptionsSchema>;
export type RequestOptions = z.infer<typeof requestOptionsSchema>;

export const passwordCheckInputSchema = z.object({ userId, password: presentedPasswordSchema, meta });
export type PasswordCheckInput = z.input<typeof passwordCheckInputSchema>;

export const confirmTotpInputSchema = z.object({
  userId,
  /** The session that confirmed: every other session of the user is revoked. */
  sessionId: z.string().min(1),
  code: presentedCodeSchema,
  meta,
});
export type ConfirmTotpInput = z.input<typeof confirmTotpInputSchema>;

export const codeInputSchema = z.object({ userId, code: presentedCodeSchema });
export type CodeInput = z.input<typeof codeInputSchema>;

export const addPasskeyInputSchema = z.object({
  userId,
  credential: registrationCredentialSchema,
  name: passkeyNameSchema.optional(),
  meta,
});
export type AddPasskeyInput = z.input<typeof addPasskeyInputSchema>;

export const removePasskeyInputSchema = z.object({ userId, passkeyId: text().min(1).max(64), meta });
export type RemovePasskeyInput = z.input<typeof removePasskeyInputSchema>;

/** With a user: options for that account's passkeys (second factor). Without: any discoverable passkey, user verification required. */
export const authenticationOptionsInputSchema = z.object({ userId: userId.optional() });
export type AuthenticationOptionsInput = z.input<typeof authenticationOptionsInputSchema>;

export const verifyAssertionInputSchema = z.object({ userId: userId.optional(), credential: assertionCredentialSchema });
export type VerifyAssertionInput = z.input<typeof verifyAssertionInputSchema>;

/**
 * One answer to a login's second step for the account `userId`, or (a passkey without a user) a
 * passwordless login, where the passkey names the account.
 */
export const loginStepInputSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('totp'), userId, code: presentedCodeSchema }),
  z.object({ method: z.literal('recovery_code'), userId, code: presentedCodeSchema }),
  z.object({ method: z.literal('webauthn'), userId: userId.optional(), credential: assertionCredentialSchema }),
]);
export type LoginStepInput = z.input<typeof loginStepInputSchema>;

/** The account a login step proved, and the RFC 8176 method references of what proved it. */
export const loginStepResultSchema = z.object({ userId: z.string(), amr: z.array(z.string()) });
export type LoginStepResult = z.infer<typeof loginStepResultSchema>;

/** Whose passkey signed, and whether the authenticator verified the user (PIN, biometrics). */
export const assertionResultSchema = z.object({ userId: z.string(), passkeyId: z.string(), userVerified: z.boolean() });
export type AssertionResult = z.infer<typeof assertionResultSchema>;

/** A TOTP enrolment as stored: pending until `enabledAt`. `secret` is base32 (sealed at rest by the store's wrapper). */
export interface TotpRecord {
  /** Names this enrolment: confirming checks it is still the pending one. */
  id: string;
  userId: string;
  secret: string;
  createdAt: Date;
  enabledAt: Date | null;
}

/** A registered passkey. `publicKey` is the COSE key and `credentialId` the authenticator's id, both base64url. */
export interface PasskeyRecord {
  id: string;
  userId: string;
  credentialId: string;
  publicKey: string;
  /** The authenticator's signature counter as last seen (0: it keeps none). */
  counter: number;
  transports: string[];
  name: string;
  /** Synced between devices (a multi-device passkey) rather than bound to one authenticator. */
  backedUp: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface RecoveryCodeRecord {
  /** SHA-256 hex of the normalised code: high-entropy codes need no slow hash. */
  hash: string;
  usedAt: Date | null;
}

/** Every second factor of one account (nothing enrolled: no TOTP, no passkeys, no codes). */
export interface SecondFactors {
  totp: TotpRecord | null;
  passkeys: PasskeyRecord[];
  recoveryCodes: RecoveryCodeRecord[];
}

/** Which second factors an account has: an enabled TOTP (not a pending one), a passkey, an unused recovery code. */
export interface FactorPresence {
  totp: boolean;
  passkey: boolean;
  unusedRecoveryCode: boolean;
}

/** A WebAuthn challenge handed out with options, kept server-side until used once or expired. */
export interface ChallengeRecord {
  challenge: string;
  purpose: 'registration' | 'authentication';
  /** The account it was made for; null for a passwordless login, where the passkey names the account. */
  userId: string | null;
  expiresAt: Date;
}

export function toPasskeyView(p: PasskeyRecord): PasskeyView {
  return { id: p.id, name: p.name, createdAt: p.createdAt.toISOString() };
}

export function toSummary(factors: SecondFactors): MfaSummary {
  return {
    totp: Boolean(factors.totp?.enabledAt),
    passkeys: factors.passkeys.map((p) => ({ ...toPasskeyView(p), lastUsedAt: p.lastUsedAt?.toISOString() ?? null })),
    recoveryCodesLeft: factors.recoveryCodes.filter((c) => c.usedAt === null).length,
  };
}

/** The methods a login may use: each enabled factor, and recovery codes while any are left. */
export function methodsOf(factors: FactorPresence): MfaMethod[] {
  const methods: MfaMethod[] = [];
  if (factors.totp) methods.push('totp');
  if (factors.passkey) methods.push('webauthn');
  if (methods.length > 0 && factors.unusedRecoveryCode) methods.push('recovery_code');
  return methods;
}
