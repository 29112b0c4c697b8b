import { describe, expect, it } from 'vitest';
import { createArgon2PasswordHasher } from '../../adapters/argon2/password-hasher.ts';
import { UnavailableError } from '../../modules/kernel/mod.ts';

/** Whether `promise` has settled, read after a turn of the microtask queue. */
function watch(promise: Promise<unknown>) {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

describe('argon2 password hasher with bounded admission', () => {
  it('refuses a call past the running and waiting bounds at once, while the admitted ones complete', async () => {
    const hasher = createArgon2PasswordHasher({ admission: { concurrency: 1, queue: 1 } });
    const running = hasher.hash('first passphrase');
    const waiting = hasher.hash('second passphrase');
    const admitted = watch(Promise.all([running, waiting]));

    await expect(hasher.hash('third passphrase')).rejects.toBeInstanceOf(UnavailableError);
    await expect(hasher.verify('$argon2id$not-a-hash', 'any')).rejects.toBeInstanceOf(UnavailableError);
    expect(admitted.settled).toBe(false); // refused before the admitted hashes were done

    const [first, second] = await Promise.all([running, waiting]);
    expect(await hasher.verify(first, 'first passphrase')).toBe(true);
    expect(await hasher.verify(second, 'second passphrase')).toBe(true);
  });

  it('refuses alike whatever the hash and password: a right one, a wrong one, a malformed one', async () => {
    const hasher = createArgon2PasswordHasher({ admission: { concurrency: 1, queue: 0 } });
    const stored = await hasher.hash('a passphrase');
    const busy = hasher.hash('keeps the only slot');
    const refusals = await Promise.all(
      [
        [stored, 'a passphrase'],
        [stored, 'wrong'],
        ['malformed', 'a passphrase'],
      ].map(([hash, password]) => hasher.verify(hash!, password!).then(() => null, (error: unknown) => error)),
    );
    expect(refusals.every((error) => error instanceof UnavailableError)).toBe(true);
    expect(new Set(refusals.map((error) => (error as Error).message)).size).toBe(1);
    await busy;
  });

  it('admits again once a slot is free', async () => {
    const hasher = createArgon2PasswordHasher({ admission: { concurrency: 1, queue: 0 } });
    await hasher.hash('one');
    expect(await hasher.verify(await hasher.hash('two'), 'two')).toBe(true);
  });
});
