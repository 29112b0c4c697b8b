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
};

export const userEvent = eventFactory('user', userEvents);
