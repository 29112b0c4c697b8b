import { bulkhead, BulkheadRejectedError } from 'cockatiel';
import { UnavailableError } from '../../modules/kernel/mod.ts';
import type { PasswordHasher } from '../../modules/user/mod.ts';

/** Hashes (and verifications) running at once, and waiting for a turn. */
export interface HashingAdmission {
  concurrency: number;
  queue: number;
}

/**
 * `hasher` with bounded admission: past `concurrency` running and `queue` waiting, a call fails at
 * once with UnavailableError. Every hash costs the same CPU: unbounded, a burst of logins (for
 * unknown emails, say) slows every login down in turn; bounded, the burst past the queue is refused
 * fast (503, Retry-After) and the admitted ones keep their speed. The refusal comes before any
 * hashing and whatever the account, so it reveals nothing about which emails exist.
 */
export function withAdmission(hasher: PasswordHasher, { concurrency, queue }: HashingAdmission): PasswordHasher {
  const slots = bulkhead(concurrency, queue);
  async function admitted<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await slots.execute(work);
    } catch (error) {
      if (error instanceof BulkheadRejectedError)
        throw new UnavailableError('Too many password checks at once; try again shortly.', { cause: error });
      throw error;
    }
  }
  return {
    hash: (password) => admitted(() => hasher.hash(password)),
    verify: (hash, password) => admitted(() => hasher.verify(hash, password)),
  };
}
