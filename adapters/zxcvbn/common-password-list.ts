import type { CommonPasswordList } from '../../modules/user/mod.ts';

/**
 * The ~49,000 most common passwords from zxcvbn-ts's common dictionary, compared
 * case-insensitively (checked after the length rule, so only entries of 8+ characters matter).
 * Loaded and unpacked at the first check, not at start: a tenth of a second that most starts of a
 * process never need.
 */
export function createCommonPasswordList(): CommonPasswordList {
  let words: Promise<Set<string>> | undefined;
  const load = () =>
    (words ??= import('@zxcvbn-ts/language-common').then(
      ({ dictionary }) => new Set((dictionary['passwords-common'] as string[]).filter((w) => w.length >= 8).map((w) => w.toLowerCase())),
    ));
  return { has: async (password) => (await load()).has(password.toLowerCase()) };
}
