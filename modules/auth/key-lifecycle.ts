import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { SigningKeyRecord } from './domain.ts';
import type { SigningKeyRepository } from './ports.ts';

/** How long anyone may cache the JWKS (its Cache-Control max-age). */
export const jwksMaxAgeSeconds = 300;
/** How often a process re-reads the stored keys, to notice keys other processes made. */
export const keysReadIntervalMs = 60_000;
/**
 * A new key is published this long before it signs: by then every cached JWKS (max-age), every
 * auth process (its re-read) and every gateway (its periodic reload) has seen it. Twice the sum,
 * for slow caches and clock skew.
 */
export const publicationLeadMs = 2 * (jwksMaxAgeSeconds * 1000 + keysReadIntervalMs);
/**
 * A retired key stays published this long past the access-token TTL: a process may sign with it
 * a little after its successor activated (clock skew, a late re-read).
 */
export const retentionMarginMs = 5 * 60_000;

const dayMs = 24 * 60 * 60 * 1000;

export interface KeyPolicy {
  accessTokenTtlSeconds: number;
  /** Age at which the active key is replaced; unset, keys are rotated only on request. */
  keyRotationDays?: number;
}

/** `next` is published but does not sign yet; `expired` is retired and past every token it signed. */
export type SigningKeyState = 'next' | 'active' | 'retired' | 'expired';

export interface SigningKeyStatus {
  key: SigningKeyRecord;
  state: SigningKeyState;
  /** When its successor took over (retired and expired keys). */
  retiredAt: Date | null;
  /** When it leaves the JWKS (retired and expired keys). */
  publishedUntil: Date | null;
}

/** A fresh Ed25519 key pair, identified by its RFC 7638 thumbprint, that signs from `activatesAt`. */
export async function generateSigningKey(now: Date, activatesAt: Date = now): Promise<SigningKeyRecord> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, privateJwk: { ...(await exportJWK(privateKey)), kid }, publicJwk: { ...publicJwk, kid }, createdAt: now, activatesAt };
}

/**
 * Where each key (newest first, as stored) stands at `now`. Every process derives the same answer
 * from the same rows, so processes sharing a store agree on the active key without talking.
 */
export function signingKeyStatuses(keys: readonly SigningKeyRecord[], now: Date, policy: KeyPolicy): SigningKeyStatus[] {
  const retentionMs = policy.accessTokenTtlSeconds * 1000 + retentionMarginMs;
  let newer: SigningKeyRecord | undefined; // the key that took over from the one at hand
  return keys.map((key, index) => {
    // The oldest key signs even before its time: a first key made by a process whose clock runs
    // ahead must not leave the others with nothing to sign with.
    if (key.activatesAt > now && index < keys.length - 1) return { key, state: 'next', retiredAt: null, publishedUntil: null };
    const successor = newer;
    newer = key;
    if (!successor) return { key, state: 'active', retiredAt: null, publishedUntil: null };
    const publishedUntil = new Date(successor.activatesAt.getTime() + retentionMs);
    return { key, state: publishedUntil > now ? 'retired' : 'expired', retiredAt: successor.activatesAt, publishedUntil };
  });
}

/** True when the newest key signs already and is old enough to be replaced on schedule. */
function rotationDue(newest: SigningKeyRecord, now: Date, policy: KeyPolicy): boolean {
  if (policy.keyRotationDays === undefined || newest.activatesAt > now) return false;
  return now.getTime() >= newest.activatesAt.getTime() + policy.keyRotationDays * dayMs - publicationLeadMs;
}

/**
 * Publishes a successor of the newest key, signing `publicationLeadMs` from now, unless a next
 * key is published already. Returns the keys as stored after, newest first. Processes racing here
 * store one successor between them (SigningKeyRepository.rotate).
 */
export async function rotateSigningKey(keys: SigningKeyRepository, now: Date): Promise<SigningKeyRecord[]> {
  const [newest] = await keys.list();
  if (!newest) {
    await keys.ensure(await generateSigningKey(now));
  } else if (newest.activatesAt <= now) {
    await keys.rotate(newest.kid, await generateSigningKey(now, new Date(now.getTime() + publicationLeadMs)));
  }
  return keys.list();
}

/**
 * Reads the stored keys and does what is due: the first key on an empty store, the scheduled
 * rotation, and deleting keys past every token they signed. Returns the keys as stored after.
 */
export async function maintainSigningKeys(keys: SigningKeyRepository, now: Date, policy: KeyPolicy): Promise<SigningKeyRecord[]> {
  let stored = await keys.list();
  if (stored.length === 0) stored = [await keys.ensure(await generateSigningKey(now))];
  if (rotationDue(stored[0]!, now, policy)) stored = await rotateSigningKey(keys, now);
  const expired = signingKeyStatuses(stored, now, policy).filter((s) => s.state === 'expired');
  if (expired.length === 0) return stored;
  await keys.remove(expired.map((s) => s.key.kid));
  return keys.list();
}
