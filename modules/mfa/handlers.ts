import { eventHandlers, type HandlerSet } from '../kernel/mod.ts';
import { userEvents } from '../user/mod.ts';
import type { MfaRepository } from './ports.ts';

/** A deleted account's factors go with it: its passkeys must not log anyone in, its id may come back never. */
export function mfaHandlers(factors: MfaRepository): HandlerSet {
  return eventHandlers(userEvents, {
    async 'user.deleted'({ data }) {
      await factors.removeAll(data.userId);
    },
  });
}
