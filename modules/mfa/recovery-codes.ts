import { sha256Hex } from '../kernel/mod.ts';

export const recoveryCodeCount = 10;

// Crockford's base32: no i, l, o or u, so a code read aloud or off paper is unambiguous.
const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';

/** One code: 12 characters of 32 (60 bits), shown as xxxx-xxxx-xxxx. */
function newCode(): string {
  // 256 is a multiple of 32: taking the low five bits of each byte is unbiased.
  const chars = Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) => alphabet[byte & 31]);
  return [0, 4, 8].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

/** The form codes are hashed in: lower case, without the separators a person may type. */
function normalise(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

/** How a recovery code is stored: 60 random bits need no slow hash. */
export const recoveryCodeHash = (code: string) => sha256Hex(normalise(code));

/** A fresh set: the codes to show once, and their hashes to store. */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: recoveryCodeCount }, newCode);
  return { codes, hashes: codes.map(recoveryCodeHash) };
}
