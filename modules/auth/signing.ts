import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { IssuedSession } from '../session/mod.ts';
import type { Jwks, SigningKeyRecord } from './domain.ts';
import type { SigningKeyRepository } from './ports.ts';

export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
}

/** A fresh Ed25519 key pair, identified by its RFC 7638 thumbprint. */
export async function generateSigningKey(now: Date): Promise<SigningKeyRecord> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, privateJwk: { ...(await exportJWK(privateKey)), kid }, publicJwk: { ...publicJwk, kid }, createdAt: now };
}

/** Signs access tokens with the newest stored key, creating one on first use. */
export function createTokenSigner({ keys, settings, now }: { keys: SigningKeyRepository; settings: TokenSettings; now: () => Date }) {
  let active: Promise<{ kid: string; key: CryptoKey }> | undefined;

  async function loadActive() {
    const stored = (await keys.list())[0] ?? (await keys.ensure(await generateSigningKey(now())));
    return { kid: stored.kid, key: (await importJWK(stored.privateJwk as JWK, 'EdDSA')) as CryptoKey };
  }

  /** The active key, created and stored on first use; a failed load is retried next time. */
  function activeKey() {
    active ??= loadActive().catch((error: unknown) => {
      active = undefined;
      throw error;
    });
    return active;
  }

  return {
    /** Loads (or creates) the signing key, so a later sign() needs no storage. */
    async ready(): Promise<void> {
      await activeKey();
    },

    /**
     * Claims come only from the issued session, and Ed25519 signatures are deterministic, so the
     * same IssuedSession always yields the same token (the grace-window retry relies on it).
     */
    async sign(issued: IssuedSession): Promise<{ accessToken: string; expiresIn: number }> {
      const { kid, key } = await activeKey();
      const iat = Math.floor(Date.parse(issued.issuedAt) / 1000);
      // Never past the session's end: a token must not outlive the session it stands for.
      const exp = Math.min(iat + settings.accessTokenTtlSeconds, Math.floor(Date.parse(issued.session.expiresAt) / 1000));
      const accessToken = await new SignJWT({ sid: issued.session.id })
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

    /** Never empty: asking for the keys creates the first one, so verifiers can start before any login. */
    async jwks(): Promise<Jwks> {
      await activeKey();
      const stored = await keys.list();
      return {
        keys: stored.map((k) => ({
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
