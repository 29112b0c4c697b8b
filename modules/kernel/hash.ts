import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * SHA-256 of UTF-8 text as lower-case hex. Through node:crypto (Node and Deno alike) because it is
 * synchronous: Web Crypto's digest is a thread-pool round trip per call, a fifth of a refresh's CPU.
 * The one-shot `hash` takes a quarter of the time of a `createHash` stream object (a refresh hashes four times).
 */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** 256 random bits, URL-safe (43 characters): an opaque secret, stored only as a hash where it is kept. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Whether two secrets are the same, in time that depends neither on where they differ nor on
 * their lengths (their digests are compared). An empty `presented` never matches.
 */
export function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return presented.length > 0 && timingSafeEqual(digest(presented), digest(expected));
}
