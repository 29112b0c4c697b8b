import type { Redis } from 'ioredis';
import type { ChallengeRecord, WebAuthnChallengeStore } from '../../modules/mfa/mod.ts';
import { callRedis } from './client.ts';

/** WebAuthn challenges in Redis, each under a key that expires with it; GETDEL hands one out once. */
export function createRedisWebAuthnChallengeStore({ redis, prefix }: { redis: Redis; prefix: string }): WebAuthnChallengeStore {
  const key = (challenge: string) => `${prefix}webauthn-challenge:${challenge}`;
  return {
    async put(record) {
      const value = JSON.stringify({ ...record, expiresAt: record.expiresAt.getTime() });
      await callRedis(redis, (r) => r.set(key(record.challenge), value, 'PXAT', record.expiresAt.getTime()));
    },
    async take(challenge, at) {
      const stored = await callRedis(redis, (r) => r.getdel(key(challenge)));
      if (!stored) return null;
      const parsed = JSON.parse(stored) as Omit<ChallengeRecord, 'expiresAt'> & { expiresAt: number };
      const record = { ...parsed, expiresAt: new Date(parsed.expiresAt) };
      return record.expiresAt > at ? record : null;
    },
  };
}
