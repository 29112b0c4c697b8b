import { loadedAtFirstUse } from '../../modules/kernel/mod.ts';
import type { CommonPasswordList } from '../../modules/user/mod.ts';

/**
 * The ~49,000 most common passwords from zxcvbn-ts's common dictionary, compared
 * case-insensitively (checked after the length rule, so only entries of 8+ characters matter).
 * Unpacked once the process has started or at the first check (a tenth of a second), not at start;
 * a process hosting the user module then keeps the set (a few MiB) whether or not anyone registers.
 */
const commonPasswords = loadedAtFirstUse(() =>
  import('@zxcvbn-ts/language-common').then(
    ({ dictionary }) => new Set((dictionary['passwords-common'] as string[]).filter((w) => w.length >= 8).map((w) => w.toLowerCase())),
  ),
);

export function createCommonPasswordList(): CommonPasswordList {
  commonPasswords.want();
  return { has: async (password) => (await commonPasswords.load()).has(password.toLowerCase()) };
}
