import { importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { IssuedSession } from '../session/mod.ts';
import type { Jwks, SigningKeyRecord } from './domain.ts';
import { keysReadIntervalMs, maintainSigningKeys, signingKeyStatuses } from './key-lifecycle.ts';
import type { SigningKeyRepository } from './ports.ts';

export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  /** Age at which the signing key is replaced on schedule; unset, only on request (`npm run keys -- rotate`). */
  keyRotationDays?: number;
}

/**
 * Signs access tokens with the active key (key-lifecycle.ts), creating the first one on first use.
 * The stored keys are re-read once a minute, not per request; between reads the key in use
 * changes on time, since a next key is read long before it activates.
 */
export function createTokenSigner({ keys, settings, now }: { keys: SigningKeyRepository; settings: TokenSettings; now: () => Date }) {
  let cached: { stored: SigningKeyRecord[]; readAtMs: number } | undefined;
  let reading: Promise<SigningKeyRecord[]> | undefined;
  const privateKeys = new Map<string, Promise<CryptoKey>>();

  function read(): Promise<SigningKeyRecord[]> {
    reading ??= maintainSigningKeys(keys, now(), settings)
      .then((stored) => {
        cached = { stored, readAtMs: now().getTime() };
        for (const kid of privateKeys.keys()) if (!stored.some((k) => k.kid === kid)) privateKeys.delete(kid);
        return stored;
      })
      .catch((error: unknown) => {
        // Keys in hand stay good for longer than a store outage matters (a next key is read
        // many minutes before it signs): sign on with them, and try again next interval. A
        // refresh that has spent its token must not fail here (see the service's refresh()).
        if (!cached) throw error;
        cached = { ...cached, readAtMs: now().getTime() };
        return cached.stored;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  }

  async function storedKeys(): Promise<SigningKeyRecord[]> {
    if (cached && now().getTime() - cached.readAtMs < keysReadIntervalMs) return cached.stored;
    return read();
  }

  function privateKeyOf(key: SigningKeyRecord): Promise<CryptoKey> {
    let imported = privateKeys.get(key.kid);
    if (!imported) {
      imported = importJWK(key.privateJwk as JWK, 'EdDSA') as Promise<CryptoKey>;
      imported.catch(() => privateKeys.delete(key.kid));
      privateKeys.set(key.kid, imported);
    }
    return imported;
  }

  async function activeKey(): Promise<{ kid: string; key: CryptoKey }> {
    const active = signingKeyStatuses(await storedKeys(), now(), settings).find((s) => s.state === 'active')!.key;
    return { kid: active.kid, key: await privateKeyOf(active) };
  }

  return {
    /** Loads (or creates) the signing keys, so a sign() in the next minute needs no storage. */
    async ready(): Promise<void> {
      await activeKey();
    },

    /**
     * Claims come only from the issued session and the account's roles, and Ed25519 signatures
     * are deterministic, so the same IssuedSession and roles always yield the same token (the
     * grace-window retry relies on it). `amr` is the session's: a refresh keeps how its login
     * authenticated.
     */
    async sign(issued: IssuedSession, roles: readonly string[]): Promise<{ accessToken: string; expiresIn: number }> {
      const { kid, key } = await activeKey();
      const iat = Math.floor(Date.parse(issued.issuedAt) / 1000);
      // Never past the session's end: a token must not outlive the session it stands for.
      const exp = Math.min(iat + settings.accessTokenTtlSeconds, Math.floor(Date.parse(issued.session.expiresAt) / 1000));
      const claims = { sid: issued.session.id, roles: [...roles], amr: issued.session.amr };
      const accessToken = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid })
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setSubject(issued.session.userId)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .setJti(issued.tokenId)
        .sign(key);
      return { accessToken, expiresIn: Math.max(0, exp - Math.floor(now().getTime() / 1000)) };
    },

    /**
     * The next key, the active one and the retired ones some unexpired token may carry; never
     * empty: asking for the keys creates the first one, so verifiers can start before any login.
     */
    async jwks(): Promise<Jwks> {
      const published = signingKeyStatuses(await storedKeys(), now(), settings).filter((s) => s.state !== 'expired');
      return {
        keys: published.map(({ key: k }) => ({
          kty: 'OKP' as const,
          crv: 'Ed25519' as const,
          x: String(k.publicJwk.x),
          kid: k.kid,
          alg: 'EdDSA' as const,
          use: 'sig' as const,
        })),
      };
    },
  };
}
