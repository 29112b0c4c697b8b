import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../kernel/mod.ts';

export interface AccessTokenVerifierOptions {
  /** Fetches the current public keys (the auth module's JWKS). */
  jwks: () => Promise<JSONWebKeySet>;
  issuer: string;
  audience: string;
  /** Verified tokens remembered until they expire. */
  cacheSize?: number;
  /** Least time between two JWKS reloads caused by an unknown `kid`. */
  reloadIntervalMs?: number;
}

/** Verifies an access token; null when it is not a valid, unexpired token of ours. */
export type AccessTokenVerifier = (token: string) => Promise<Principal | null>;

/**
 * Verifies EdDSA access tokens locally against the JWKS with an algorithm allow-list and required
 * claims. A verified token is cached until its `exp`, since one Ed25519 verification costs more
 * than a whole bare request; an unknown `kid` reloads the keys, at most once per interval.
 */
export function createAccessTokenVerifier({
  jwks,
  issuer,
  audience,
  cacheSize = 10_000,
  reloadIntervalMs = 10_000,
}: AccessTokenVerifierOptions): AccessTokenVerifier {
  const verified = new LRUCache<string, Principal & { expMs: number }>({ max: cacheSize });
  let keys: Promise<ReturnType<typeof createLocalJWKSet>> | undefined;
  let loadedAt = 0;

  function loadKeys(force: boolean) {
    if (!keys || (force && Date.now() - loadedAt >= reloadIntervalMs)) {
      loadedAt = Date.now();
      const loading = jwks().then(createLocalJWKSet);
      keys = loading;
      // Forget a failed load (so the next call retries), but never a newer one that replaced it.
      loading.catch(() => {
        if (keys === loading) keys = undefined;
      });
    }
    return keys;
  }

  async function verify(token: string, forceReload: boolean): Promise<Principal | null> {
    try {
      const { payload } = await jwtVerify(token, await loadKeys(forceReload), {
        algorithms: ['EdDSA'],
        issuer,
        audience,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'iat', 'sub', 'sid', 'jti'],
      });
      if (typeof payload.sid !== 'string' || !payload.sub) return null;
      const principal = { userId: payload.sub, sessionId: payload.sid };
      verified.set(token, { ...principal, expMs: payload.exp! * 1000 });
      return principal;
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey && !forceReload) return verify(token, true);
      if (error instanceof errors.JOSEError) return null;
      throw error;
    }
  }

  return async (token) => {
    const hit = verified.get(token);
    if (hit) {
      if (hit.expMs > Date.now()) return { userId: hit.userId, sessionId: hit.sessionId };
      verified.delete(token);
      return null;
    }
    return verify(token, false);
  };
}
