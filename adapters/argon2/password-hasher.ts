import { hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../../modules/user/mod.ts';
import { withAdmission, type HashingAdmission } from '../hashing/admission.ts';

/** OWASP's argon2id baseline: 19 MiB memory, 2 iterations, 1 lane. */
export const owaspArgon2id = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface Argon2PasswordHasherOptions {
  params?: typeof owaspArgon2id;
  /** Bounds the hashes running and waiting (see withAdmission). Unset: no bound. */
  admission?: HashingAdmission;
}

/**
 * argon2id through @node-rs/argon2: native Rust, runs on the libuv thread pool (off the event
 * loop), and loads under Deno as well as Node. Measured ~2x faster than node-argon2 here.
 */
export function createArgon2PasswordHasher({ params = owaspArgon2id, admission }: Argon2PasswordHasherOptions = {}): PasswordHasher {
  // 2 is Algorithm.Argon2id, a const enum that isolated-module builds cannot read.
  const options = { algorithm: 2 as const, ...params };
  const hasher: PasswordHasher = {
    hash: (password) => hash(password, options),
    async verify(stored, password) {
      try {
        return await verify(stored, password);
      } catch {
        return false; // a malformed hash
      }
    },
  };
  return admission ? withAdmission(hasher, admission) : hasher;
}
