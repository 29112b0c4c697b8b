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
  /**
   * Age at which the JWKS is reloaded in the background: well under the publication lead of a
   * next key, so the gateway knows it before it signs, and drops retired keys in time.
   */
  refreshIntervalMs?: number;
  /** Milliseconds since the epoch; tests move it by hand. */
  now?: () => number;
}

/** Verifies an access token; null when it is not a valid, unexpired token of ours. */
export type AccessTokenVerifier = (token: string) => Promise<Principal | null>;

type KeySet = ReturnType<typeof createLocalJWKSet>;

/** The `roles` claim as a list of strings; a token without one (or with anything else there) has none. */
const rolesOf = (claim: unknown): string[] => (Array.isArray(claim) && claim.every((role) => typeof role === 'string') ? [...claim] : []);

/**
 * Verifies EdDSA access tokens locally against the JWKS with an algorithm allow-list and required
 * claims. A verified token is cached until its `exp`, since one Ed25519 verification costs more
 * than a whole bare request. The keys are reloaded in the background once a minute, keeping the
 * ones in hand while the auth module does not answer; an unknown `kid` reloads them at once, but
 * at most once per interval, so made-up kids cannot make the gateway hammer the auth module.
 */
export function createAccessTokenVerifier({
  jwks,
  issuer,
  audience,
  cacheSize = 10_000,
  reloadIntervalMs = 10_000,
  refreshIntervalMs = 60_000,
  now = Date.now,
}: AccessTokenVerifierOptions): AccessTokenVerifier {
  const verified = new LRUCache<string, Principal & { expMs: number }>({ max: cacheSize });
  let current: KeySet | undefined;
  let loading: Promise<KeySet> | undefined;
  let loadStartedAt = 0;
  let forcedAt = -Infinity;

  function load(): Promise<KeySet> {
    if (!loading) {
      loadStartedAt = now();
      loading = jwks()
        .then((set) => (current = createLocalJWKSet(set)))
        .finally(() => {
          loading = undefined;
        });
    }
    return loading;
  }

  async function loadKeys(unknownKid: boolean): Promise<KeySet> {
    if (!current) return load();
    if (unknownKid && now() - forcedAt >= reloadIntervalMs) {
      forcedAt = now();
      return load();
    }
    // A failed background reload keeps the keys in hand; the next one is due an interval later.
    if (now() - loadStartedAt >= refreshIntervalMs) load().catch(() => {});
    return current;
  }

  async function verify(token: string, forceReload: boolean): Promise<Principal | null> {
    try {
      const { payload } = await jwtVerify(token, await loadKeys(forceReload), {
        algorithms: ['EdDSA'],
        issuer,
        audience,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'iat', 'sub', 'sid', 'jti'],
        currentDate: new Date(now()),
      });
      if (typeof payload.sid !== 'string' || !payload.sub) return null;
      const principal = { userId: payload.sub, sessionId: payload.sid, roles: rolesOf(payload.roles) };
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
      if (hit.expMs > now()) return { userId: hit.userId, sessionId: hit.sessionId, roles: hit.roles };
      verified.delete(token);
      return null;
    }
    return verify(token, false);
  };
}
