import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../modules/kernel/mod.ts';
import type { PasswordHasher } from '../../modules/user/mod.ts';

/** Makes a hasher; with `admission`, one that runs and queues at most that many calls. */
export type MakePasswordHasher = (admission?: { concurrency: number; queue: number }) => PasswordHasher;

/** Whether `promise` has settled, read after a turn of the microtask queue. */
function watch(promise: Promise<unknown>) {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

const password = 'a sturdy passphrase';

/**
 * The PasswordHasher contract (modules/user/ports.ts): every adapter passes it. It has no store
 * that can be down; its one failure is overload, past the admission it was given.
 */
export function describePasswordHasherContract(name: string, make: MakePasswordHasher) {
  describe(`PasswordHasher contract: ${name}`, () => {
    it('hash() gives a self-describing (PHC) string without the password, which verify() accepts for that password', async () => {
      const hasher = make();
      for (const each of [password, 'pässwörd mit Ümläuten 🔑', ' ']) {
        const hash = await hasher.hash(each);
        expect(hash).toMatch(/^\$[a-z0-9-]+\$[^$]/);
        expect(await hasher.verify(hash, each)).toBe(true);
      }
      expect(await hasher.hash(password)).not.toContain(password);
    });

    it('verify() refuses another password, even one that differs only in case or by a space', async () => {
      const hasher = make();
      const hash = await hasher.hash(password);
      for (const wrong of ['a sturdy passphrasf', password.toUpperCase(), `${password} `, '', 'pässwörd']) {
        expect(await hasher.verify(hash, wrong)).toBe(false);
      }
    });

    it('hash() salts: two hashes of one password differ, and each verifies', async () => {
      const hasher = make();
      const [first, second] = await Promise.all([hasher.hash(password), hasher.hash(password)]);
      expect(first).not.toBe(second);
      expect(await hasher.verify(first!, password)).toBe(true);
      expect(await hasher.verify(second!, password)).toBe(true);
    });

    it('verify() answers false, never a throw, for a malformed hash', async () => {
      const hasher = make();
      const hash = await hasher.hash(password);
      const [, id] = hash.split('$');
      const malformed = [
        '',
        'not a hash',
        `$${id}$`,
        hash.slice(0, -4),
        `${hash}x`,
        hash.replace(/\$[^$]*$/, '$'),
        `$${id}$${'$'.repeat(4)}`,
      ];
      for (const each of malformed) expect(await hasher.verify(each, password)).toBe(false);
    });

    it('past its running and waiting bounds, hash() and verify() are refused at once with UnavailableError while the admitted calls complete', async () => {
      const hasher = make({ concurrency: 1, queue: 1 });
      const running = hasher.hash('first passphrase');
      const waiting = hasher.hash('second passphrase');
      const admitted = watch(Promise.all([running, waiting]));

      await expect(hasher.hash('third passphrase')).rejects.toBeInstanceOf(UnavailableError);
      await expect(hasher.verify('not-a-hash', 'any')).rejects.toBeInstanceOf(UnavailableError);
      expect(admitted.settled).toBe(false); // refused before the admitted hashes were done

      const [first, second] = await Promise.all([running, waiting]);
      expect(await hasher.verify(first, 'first passphrase')).toBe(true);
      expect(await hasher.verify(second, 'second passphrase')).toBe(true);
    });

    it('refuses alike whatever the hash and password: a right one, a wrong one, a malformed one', async () => {
      const hasher = make({ concurrency: 1, queue: 0 });
      const stored = await hasher.hash(password);
      const busy = hasher.hash('keeps the only slot');
      const refusals = await Promise.all(
        [
          [stored, password],
          [stored, 'wrong'],
          ['malformed', password],
        ].map(([hash, attempt]) =>
          hasher.verify(hash!, attempt!).then(
            () => null,
            (error: unknown) => error,
          ),
        ),
      );
      expect(refusals.every((error) => error instanceof UnavailableError)).toBe(true);
      expect(new Set(refusals.map((error) => (error as Error).message)).size).toBe(1);
      await busy;
    });

    it('admits again once a slot is free', async () => {
      const hasher = make({ concurrency: 1, queue: 0 });
      await hasher.hash('one');
      expect(await hasher.verify(await hasher.hash('two'), 'two')).toBe(true);
    });
  });
}
