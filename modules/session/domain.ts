import { z } from 'zod';
import { requestMetaSchema } from '../kernel/mod.ts';

/** A stored session: one login, and the family of refresh tokens rotated from it. */
export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: Date;
  lastUsedAt: Date;
  /** Sliding: each rotation moves it to now + the idle timeout, never past createdAt + the absolute lifetime. */
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
  revokedAt: Date | null;
  revokeReason: string | null;
  /** SHA-256 of the one refresh token that may be presented next. */
  refreshHash: string;
  /** Secret that derives each successor token (see tokens.ts). */
  rotationKey: string;
  /** When the current refresh token was issued (equals createdAt before the first rotation). */
  rotatedAt: Date;
  /** How the login that started it authenticated (RFC 8176 method references); kept for its whole life. */
  amr: string[];
}

/** Active: neither revoked nor past its expiry at `at`. */
export function isSessionActive(s: SessionRecord, at: Date): boolean {
  return s.revokedAt === null && s.expiresAt > at;
}

/** Why a session ended; carried in `session.revoked`. */
export const revokeReasons = [
  'logout',
  'user_revoked',
  'password_changed',
  'password_reset',
  'user_deleted',
  'refresh_reuse',
  'user_disabled',
  'admin_revoked',
  'mfa_enabled',
] as const;
export type RevokeReason = (typeof revokeReasons)[number];

/** RFC 8176 authentication method references (`pwd`, `otp`, `hwk`, `user`, …), in the order they were used. */
export const amrSchema = z
  .array(z.string().regex(/^[a-z]{1,16}$/))
  .min(1)
  .max(8);

export const sessionViewSchema = z.object({
  id: z.string(),
  userId: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string(),
  expiresAt: z.string(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  amr: amrSchema,
});
export type SessionView = z.infer<typeof sessionViewSchema>;

export function toSessionView(s: SessionRecord): SessionView {
  return {
    id: s.id,
    userId: s.userId,
    createdAt: s.createdAt.toISOString(),
    lastUsedAt: s.lastUsedAt.toISOString(),
    expiresAt: s.expiresAt.toISOString(),
    userAgent: s.userAgent,
    ip: s.ip,
    amr: s.amr,
  };
}

export const createSessionInputSchema = z.object({
  userId: z.string(),
  /** How the login authenticated; a password alone unless told. */
  amr: amrSchema.default(['pwd']),
  meta: requestMetaSchema.optional(),
});
export type CreateSessionInput = z.input<typeof createSessionInputSchema>;

export const refreshInputSchema = z.object({
  refreshToken: z.string().regex(/^[\w-]{1,512}$/, { message: 'Must be a refresh token as issued.' }),
  meta: requestMetaSchema.optional(),
});
export type RefreshInput = z.infer<typeof refreshInputSchema>;

/**
 * A session with its current refresh token in clear (the only time it exists in clear).
 * `issuedAt` and `tokenId` are stable for one rotation, so an access token signed from them is
 * byte-identical when a grace-window retry gets the same pair again.
 */
export const issuedSessionSchema = z.object({
  session: sessionViewSchema,
  refreshToken: z.string(),
  issuedAt: z.string(),
  tokenId: z.string(),
});
export type IssuedSession = z.infer<typeof issuedSessionSchema>;

export const revokeInputSchema = z.object({
  userId: z.string(),
  sessionId: z.string(),
  reason: z.enum(revokeReasons),
});
export type RevokeInput = z.infer<typeof revokeInputSchema>;

export const revokeAllInputSchema = z.object({
  userId: z.string(),
  exceptSessionId: z.string().optional(),
  reason: z.enum(revokeReasons),
});
export type RevokeAllInput = z.infer<typeof revokeAllInputSchema>;
