import { dictionary } from '@zxcvbn-ts/language-common';
import type { CommonPasswordList } from '../../modules/user/mod.ts';

/**
 * The ~49,000 most common passwords from zxcvbn-ts's common dictionary, compared
 * case-insensitively (checked after the length rule, so only entries of 8+ characters matter).
 */
export function createCommonPasswordList(): CommonPasswordList {
  const words = new Set((dictionary['passwords-common'] as string[]).filter((w) => w.length >= 8).map((w) => w.toLowerCase()));
  return { has: (password) => words.has(password.toLowerCase()) };
}
