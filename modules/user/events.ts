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
