import { Buffer } from 'node:buffer';
import { createPrivateKey, sign as signBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { IssuedSession } from '../session/mod.ts';
import type { Jwks, SigningKeyRecord } from './domain.ts';
import { keysReadIntervalMs, maintainSigningKeys, signingKeyStatuses } from './key-lifecycle.ts';
import type { SigningKeyRepository } from './ports.ts';

const base64url = (json: unknown) => Buffer.from(JSON.stringify(json)).toString('base64url');

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
  const privateKeys = new Map<string, KeyObject>();

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

  function privateKeyOf(key: SigningKeyRecord): KeyObject {
    let imported = privateKeys.get(key.kid);
    if (!imported) {
      imported = createPrivateKey({ key: key.privateJwk as JsonWebKey, format: 'jwk' });
      privateKeys.set(key.kid, imported);
    }
    return imported;
  }

  async function activeKey(): Promise<{ kid: string; key: KeyObject }> {
    const active = signingKeyStatuses(await storedKeys(), now(), settings).find((s) => s.state === 'active')!.key;
    return { kid: active.kid, key: privateKeyOf(active) };
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
      const header = { alg: 'EdDSA', typ: 'at+jwt', kid };
      const claims = {
        sid: issued.session.id,
        roles: [...roles],
        amr: issued.session.amr,
        iss: settings.issuer,
        aud: settings.audience,
        sub: issued.session.userId,
        iat,
        exp,
        jti: issued.tokenId,
      };
      // A JWS compact serialisation (RFC 7515 §7.1) signed by node:crypto (Node and Deno alike)
      // rather than jose's SignJWT: jose signs through Web Crypto, whose thread-pool job cost more
      // main-thread time than the whole synchronous Ed25519 signature, a tenth of a refresh.
      const signingInput = `${base64url(header)}.${base64url(claims)}`;
      const accessToken = `${signingInput}.${signBytes(null, Buffer.from(signingInput), key).toString('base64url')}`;
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
