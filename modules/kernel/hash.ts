import { createHash } from 'node:crypto';

/**
 * SHA-256 of UTF-8 text as lower-case hex. Through node:crypto (Node and Deno alike) because it is
 * synchronous: Web Crypto's digest is a thread-pool round trip per call, a fifth of a refresh's CPU.
 */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
