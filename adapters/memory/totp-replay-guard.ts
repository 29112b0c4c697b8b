import { systemClock, type Clock } from '../../modules/kernel/mod.ts';
import type { TotpReplayGuard } from '../../modules/mfa/mod.ts';

/** The last used step of each account in this process (the monolith on memory, and unit tests). */
export function createMemoryTotpReplayGuard({ clock = systemClock }: { clock?: Clock } = {}): TotpReplayGuard {
  const used = new Map<string, { step: number; keepUntil: number }>();
  return {
    async claim(userId, step, keepUntil) {
      const now = clock.now().getTime();
      // Forget what no code can match any more, so the map holds only recent users.
      for (const [id, record] of used) if (record.keepUntil <= now) used.delete(id);
      const last = used.get(userId);
      if (last && last.step >= step) return false;
      used.set(userId, { step, keepUntil: keepUntil.getTime() });
      return true;
    },
  };
}
