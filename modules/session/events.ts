import { z } from 'zod';
import { eventFactory, requestMetaSchema } from '../kernel/mod.ts';
import { revokeReasons } from './domain.ts';

const userId = z.string().min(1);
const sessionId = z.string().min(1);

/** The events the session module publishes, each with its payload. */
export const sessionEvents = {
  'session.created': requestMetaSchema.extend({ userId, sessionId }),
  'session.refreshed': requestMetaSchema.extend({ userId, sessionId }),
  /** The gateway's revocation set and the audit log read it. */
  'session.revoked': z.object({ userId, sessionId, reason: z.enum(revokeReasons) }),
};

export const sessionEvent = eventFactory('session', sessionEvents);
