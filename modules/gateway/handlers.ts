import { eventHandlers, type HandlerSet } from '../kernel/mod.ts';
import { sessionEvents } from '../session/mod.ts';
import type { RevocationSet } from './revocations.ts';

/** Feeds the revocation set from `session.revoked`. */
export function revocationHandlers(revocations: RevocationSet): HandlerSet {
  return eventHandlers(sessionEvents, {
    async 'session.revoked'({ data }) {
      revocations.add(data.sessionId);
    },
  });
}
