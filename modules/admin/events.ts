import { z } from 'zod';
import { eventFactory, requestMetaSchema } from '../kernel/mod.ts';

/** Each admin action names the account it was done to (`userId`) and the admin who did it (`actorId`); `ip` and `userAgent` are the admin's. */
const action = requestMetaSchema.extend({ userId: z.string().min(1), actorId: z.string().min(1) });

/** The events the admin module publishes, each with its payload. */
export const adminEvents = {
  'admin.user_disabled': action,
  'admin.user_enabled': action,
  'admin.sessions_revoked': action.extend({ revoked: z.number().int().min(0) }),
  'admin.user_unlocked': action,
  /** Every second factor of the account removed (account recovery). */
  'admin.mfa_reset': action,
};

export const adminEvent = eventFactory('admin', adminEvents);
