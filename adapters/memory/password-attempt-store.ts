import { systemClock, type Clock, type PasswordAttemptStore, type PasswordThrottlePolicy } from '../../modules/kernel/mod.ts';

interface AttemptRecord {
  failures: number;
  windowEnds: number;
  consecutive: number;
  lockoutEnds: number;
  blockedUntil: number;
  holder?: string;
  heldUntil: number;
}

/** Each account's record in this process: the monolith's default, and what unit tests use. */
export function createMemoryPasswordAttemptStore({
  policy,
  clock = systemClock,
}: {
  policy: PasswordThrottlePolicy;
  clock?: Clock;
}): PasswordAttemptStore {
  const records = new Map<string, AttemptRecord>();
  const now = () => clock.now().getTime();

  /** The account's record with windows that have ended already forgotten. */
  function current(account: string, at: number): AttemptRecord {
    const r = records.get(account) ?? { failures: 0, windowEnds: 0, consecutive: 0, lockoutEnds: 0, blockedUntil: 0, heldUntil: 0 };
    if (r.windowEnds <= at) r.failures = 0;
    if (r.lockoutEnds <= at) r.consecutive = 0;
    if (r.heldUntil <= at) r.holder = undefined;
    records.set(account, r);
    return r;
  }

  function forgetIfIdle(account: string, r: AttemptRecord, at: number) {
    if (Math.max(r.windowEnds, r.lockoutEnds, r.blockedUntil, r.heldUntil) <= at) records.delete(account);
  }

  return {
    policy,
    async begin(account, holder, holdMs) {
      const at = now();
      const r = current(account, at);
      if (r.blockedUntil > at) return { started: false, reason: 'blocked', retryAfterMs: r.blockedUntil - at };
      if (r.consecutive >= policy.lockoutFailures) return { started: false, reason: 'blocked', retryAfterMs: r.lockoutEnds - at };
      if (r.holder) return { started: false, reason: 'busy', retryAfterMs: r.heldUntil - at };
      r.holder = holder;
      r.heldUntil = at + holdMs;
      return { started: true };
    },
    async finish(account, holder, passed) {
      const at = now();
      const r = current(account, at);
      if (r.holder === holder) r.holder = undefined;
      if (r.holder === undefined) r.heldUntil = 0;
      if (passed) {
        Object.assign(r, { failures: 0, windowEnds: 0, consecutive: 0, lockoutEnds: 0, blockedUntil: 0 });
      } else {
        if (r.failures === 0) r.windowEnds = at + policy.windowMs;
        if (r.consecutive === 0) r.lockoutEnds = at + policy.lockoutMs;
        r.failures++;
        r.consecutive++;
        const over = r.failures - policy.freeFailures;
        if (over > 0) r.blockedUntil = at + Math.min(policy.maxBlockMs, 1000 * 2 ** Math.min(over, 30));
      }
      forgetIfIdle(account, r, at);
    },
    async clear(account) {
      const at = now();
      const r = current(account, at);
      Object.assign(r, { failures: 0, windowEnds: 0, consecutive: 0, lockoutEnds: 0, blockedUntil: 0 });
      forgetIfIdle(account, r, at);
    },
    async release(account, holder) {
      const at = now();
      const r = current(account, at);
      if (r.holder !== holder) return;
      r.holder = undefined;
      r.heldUntil = 0;
      forgetIfIdle(account, r, at);
    },
  };
}
