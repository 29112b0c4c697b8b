import { hash, verify } from '@node-rs/argon2';
import { bulkhead, BulkheadRejectedError } from 'cockatiel';
import { UnavailableError } from '../../modules/kernel/mod.ts';
import type { PasswordHasher } from '../../modules/user/mod.ts';

/** OWASP's argon2id baseline: 19 MiB memory, 2 iterations, 1 lane. */
export const owaspArgon2id = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface Argon2PasswordHasherOptions {
  params?: typeof owaspArgon2id;
  /**
   * Hashes (and verifications) running at once, and waiting for a turn; past both a call fails at
   * once with UnavailableError. Unset: no bound.
   */
  admission?: { concurrency: number; queue: number };
}

/**
 * argon2id through @node-rs/argon2: native Rust, runs on the libuv thread pool (off the event
 * loop), and loads under Deno as well as Node. Measured ~2x faster than node-argon2 here.
 *
 * Admission is bounded because every hash costs the same CPU: unbounded, a burst of logins (for
 * unknown emails, say) slows every login down in turn; bounded, the burst past the queue is refused
 * fast (503, Retry-After) and the admitted ones keep their speed. The refusal comes before any
 * hashing and whatever the account, so it reveals nothing about which emails exist.
 */
export function createArgon2PasswordHasher({ params = owaspArgon2id, admission }: Argon2PasswordHasherOptions = {}): PasswordHasher {
  // 2 is Algorithm.Argon2id, a const enum that isolated-module builds cannot read.
  const options = { algorithm: 2 as const, ...params };
  const slots = admission && bulkhead(admission.concurrency, admission.queue);
  async function admitted<T>(work: () => Promise<T>): Promise<T> {
    if (!slots) return work();
    try {
      return await slots.execute(work);
    } catch (error) {
      if (error instanceof BulkheadRejectedError) throw new UnavailableError('Too many password checks at once; try again shortly.', { cause: error });
      throw error;
    }
  }
  return {
    hash: (password) => admitted(() => hash(password, options)),
    verify: (stored, password) =>
      admitted(async () => {
        try {
          return await verify(stored, password);
        } catch {
          return false;
        }
      }),
  };
}
