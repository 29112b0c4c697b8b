import { z } from 'zod';
import { eventFactory, requestMetaSchema } from '../kernel/mod.ts';
import { mfaMethods } from '../mfa/mod.ts';

const userId = z.string().min(1);
const sessionId = z.string().min(1);

/** The events the auth module publishes, each with its payload. */
export const authEvents = {
  'user.login': requestMetaSchema.extend({ userId, sessionId }),
  /** `userId` when the email belongs to an account. */
  'user.login_failed': requestMetaSchema.extend({ userId: userId.optional() }),
  /** A wrong second factor after the right password (a stolen password, or a mistyped code). */
  'user.login_mfa_failed': requestMetaSchema.extend({ userId, method: z.enum(mfaMethods) }),
  'user.logout': requestMetaSchema.extend({ userId, sessionId }),
  /** A rotated refresh token came back: its session is revoked as stolen. */
  'session.refresh_reuse_detected': requestMetaSchema.extend({ userId, sessionId }),
};

export const authEvent = eventFactory('auth', authEvents);
