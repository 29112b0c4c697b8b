import { jwtVerify, SignJWT } from 'jose';
import type { Principal } from '../../modules/kernel/mod.ts';

/** What a verified service token says: which service calls, and for whom (when forwarding a user). */
export interface ServiceIdentity {
  caller: string;
  principal?: Principal;
}

const encoder = new TextEncoder();
const issuerPrefix = 'service:';

/**
 * Issues short-lived HS256 tokens naming the calling service (`iss`) and the module called
 * (`aud`). A token is reused until 30 s before it expires, so signing stays off the hot path.
 */
export function createServiceTokenIssuer({ secret, caller, ttlSeconds = 120 }: { secret: string; caller: string; ttlSeconds?: number }) {
  // A token naming a user is made per request and lives only long enough to arrive.
  const userTokenTtlSeconds = 10;
  const key = encoder.encode(secret);
  const cache = new Map<string, { token: string; renewAt: number }>();

  async function sign(audience: string, principal?: Principal): Promise<string> {
    const jwt = new SignJWT(principal ? { sid: principal.sessionId } : {})
      .setProtectedHeader({ alg: 'HS256', typ: 'service+jwt' })
      .setIssuer(issuerPrefix + caller)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${principal ? userTokenTtlSeconds : ttlSeconds}s`);
    if (principal) jwt.setSubject(principal.userId);
    return jwt.sign(key);
  }

  return async function serviceToken(audience: string, principal?: Principal): Promise<string> {
    // Tokens that carry a user are per request; only the bare service token is cached.
    if (principal) return sign(audience, principal);
    const cached = cache.get(audience);
    if (cached && cached.renewAt > Date.now()) return cached.token;
    const token = await sign(audience);
    cache.set(audience, { token, renewAt: Date.now() + (ttlSeconds - 30) * 1000 });
    return token;
  };
}

export type ServiceTokenIssuer = ReturnType<typeof createServiceTokenIssuer>;

/** Verifies a service token for `audience`; null for anything else (wrong key, audience, expired). */
export function createServiceTokenVerifier({ secret, audience }: { secret: string; audience: string }) {
  const key = encoder.encode(secret);
  return async function verifyServiceToken(token: string): Promise<ServiceIdentity | null> {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        audience,
        typ: 'service+jwt',
        requiredClaims: ['iss', 'exp', 'iat'],
      });
      if (!payload.iss?.startsWith(issuerPrefix)) return null;
      const caller = payload.iss.slice(issuerPrefix.length);
      const principal = payload.sub && typeof payload.sid === 'string' ? { userId: payload.sub, sessionId: payload.sid } : undefined;
      return { caller, ...(principal ? { principal } : {}) };
    } catch {
      return null;
    }
  };
}
