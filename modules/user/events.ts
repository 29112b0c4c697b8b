import { z } from 'zod';
import { eventFactory, requestMetaSchema } from '../kernel/mod.ts';

const userId = z.string().min(1);

/** The events the user module publishes, each with its payload. */
export const userEvents = {
  'user.registered': requestMetaSchema.extend({ userId }),
  'user.updated': z.object({ userId, fields: z.array(z.string()) }),
  /** Carries the session that made the change: it alone survives. */
  'user.password_changed': requestMetaSchema.extend({ userId, sessionId: z.string().min(1) }),
  'user.deleted': requestMetaSchema.extend({ userId }),
  /** The account asked for a new verification link; the notification module mails one. */
  'user.email_verification_requested': requestMetaSchema.extend({ userId }),
  'user.email_verified': requestMetaSchema.extend({ userId }),
  /**
   * Someone asked for a reset link for this address: published whether or not an account has it,
   * so the request reveals nothing. The user module resolves it later (user.password_reset_requested).
   */
  'user.password_forgotten': requestMetaSchema.extend({ email: z.string().min(1) }),
  /** A reset link is due to this account; the notification module mails one. */
  'user.password_reset_requested': requestMetaSchema.extend({ userId }),
  /** Reset with a link: every session of the account ends, and its failed-login throttle is cleared. */
  'user.password_reset': requestMetaSchema.extend({ userId }),
  /** The signed-in account asked to move to `newEmail`; the notification module mails the link there. */
  'user.email_change_requested': requestMetaSchema.extend({ userId, newEmail: z.string().min(1) }),
  'user.email_changed': requestMetaSchema.extend({ userId }),
  /** A role granted or revoked: by ADMIN_EMAILS at login, or by `npm run admin`. `roles` is what the account holds after. */
  'user.roles_changed': z.object({
    userId,
    role: z.string().min(1),
    granted: z.boolean(),
    roles: z.array(z.string()),
    source: z.enum(['admin_emails', 'cli']),
  }),
};

export const userEvent = eventFactory('user', userEvents);
