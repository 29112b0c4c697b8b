import { z } from 'zod';
import { eventFactory, requestMetaSchema } from '../kernel/mod.ts';

const userId = z.string().min(1);
const passkeyId = z.string().min(1);

/** The events the mfa module publishes, each with its payload; the audit log shows them all. */
export const mfaEvents = {
  /** Carries the session that confirmed the factor: it alone survives (every other one is revoked). */
  'user.mfa_enabled': requestMetaSchema.extend({ userId, sessionId: z.string().min(1), method: z.literal('totp') }),
  'user.mfa_disabled': requestMetaSchema.extend({ userId, method: z.literal('totp') }),
  'user.recovery_codes_regenerated': requestMetaSchema.extend({ userId }),
  'user.passkey_added': requestMetaSchema.extend({ userId, passkeyId }),
  'user.passkey_removed': requestMetaSchema.extend({ userId, passkeyId }),
};

export const mfaEvent = eventFactory('mfa', mfaEvents);
