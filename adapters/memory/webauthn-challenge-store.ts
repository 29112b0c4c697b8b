import { systemClock, type Clock } from '../../modules/kernel/mod.ts';
import type { ChallengeRecord, WebAuthnChallengeStore } from '../../modules/mfa/mod.ts';

/** WebAuthn challenges in this process. */
export function createMemoryWebAuthnChallengeStore({ clock = systemClock }: { clock?: Clock } = {}): WebAuthnChallengeStore {
  const challenges = new Map<string, ChallengeRecord>();
  return {
    async put(record) {
      const now = clock.now().getTime();
      // Ceremonies that were never finished: swept here, so abandoned challenges never pile up.
      for (const [challenge, stored] of challenges) if (stored.expiresAt.getTime() <= now) challenges.delete(challenge);
      challenges.set(record.challenge, structuredClone(record));
    },
    async take(challenge, at) {
      const record = challenges.get(challenge);
      if (!record) return null;
      challenges.delete(challenge);
      return record.expiresAt > at ? record : null;
    },
  };
}
