import { jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../../modules/kernel/mod.ts';

/** What a verified service token says: which service calls, and for whom (when forwarding a user). */
export interface ServiceIdentity {
  caller: string;
  principal?: Principal;
}

const issuerPrefix = 'service:';
/** Tokens (and verdicts) kept per process: one per audience and forwarded session in use. */
const cachedTokens = 10_000;

/** The HMAC key of `secret`, imported once rather than by jose on every sign or verify. */
const hmacKey = (secret: string, usage: 'sign' | 'verify') =>
  crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);

/**
 * Issues short-lived HS256 tokens naming the calling service (`iss`), the module called (`aud`)
 * and, when forwarding a user, the principal (`sub`, `sid`, and `roles` when it has any). A token is reused until it has only
 * `renewBeforeSeconds` left, so signing stays off the hot path; one naming a user lives 10 s and is
 * renewed after 5, long enough for any call to arrive (they give up within seconds).
 */
export function createServiceTokenIssuer({ secret, caller, ttlSeconds = 120 }: { secret: string; caller: string; ttlSeconds?: number }) {
  const key = hmacKey(secret, 'sign');
  const lifetimes = { service: { ttlSeconds, renewBeforeSeconds: 30 }, user: { ttlSeconds: 10, renewBeforeSeconds: 5 } };
  const cache = new LRUCache<string, { token: string; renewAt: number }>({ max: cachedTokens });

  async function sign(audience: string, principal: Principal | undefined, ttl: number): Promise<string> {
    const roles = principal?.roles?.length ? { roles: [...principal.roles] } : {};
    const jwt = new SignJWT(principal ? { sid: principal.sessionId, ...roles } : {})
      .setProtectedHeader({ alg: 'HS256', typ: 'service+jwt' })
      .setIssuer(issuerPrefix + caller)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${ttl}s`);
    if (principal) jwt.setSubject(principal.userId);
    return jwt.sign(await key);
  }

  return async function serviceToken(audience: string, principal?: Principal): Promise<string> {
    const id = principal ? `${audience} ${principal.userId} ${principal.sessionId} ${principal.roles?.join(',') ?? ''}` : audience;
    const cached = cache.get(id);
    if (cached && cached.renewAt > Date.now()) return cached.token;
    const lifetime = principal ? lifetimes.user : lifetimes.service;
    const token = await sign(audience, principal, lifetime.ttlSeconds);
    cache.set(id, { token, renewAt: Date.now() + (lifetime.ttlSeconds - lifetime.renewBeforeSeconds) * 1000 });
    return token;
  };
}

export type ServiceTokenIssuer = ReturnType<typeof createServiceTokenIssuer>;

/**
 * Verifies a service token for `audience`; null for anything else (wrong key, audience, expired).
 * A token seen before answers from memory until it expires: callers reuse their tokens.
 */
export function createServiceTokenVerifier({ secret, audience }: { secret: string; audience: string }) {
  const key = hmacKey(secret, 'verify');
  const verified = new LRUCache<string, { identity: ServiceIdentity; expiresAt: number }>({ max: cachedTokens });
  return async function verifyServiceToken(token: string): Promise<ServiceIdentity | null> {
    const known = verified.get(token);
    if (known) {
      if (known.expiresAt > Date.now()) return known.identity;
      verified.delete(token);
      return null;
    }
    try {
      const { payload } = await jwtVerify(token, await key, {
        algorithms: ['HS256'],
        audience,
        typ: 'service+jwt',
        requiredClaims: ['iss', 'exp', 'iat'],
      });
      if (!payload.iss?.startsWith(issuerPrefix)) return null;
      const caller = payload.iss.slice(issuerPrefix.length);
      const roles = Array.isArray(payload.roles) ? { roles: payload.roles.map(String) } : {};
      const principal =
        payload.sub && typeof payload.sid === 'string' ? { userId: payload.sub, sessionId: payload.sid, ...roles } : undefined;
      const identity = { caller, ...(principal ? { principal } : {}) };
      verified.set(token, { identity, expiresAt: payload.exp! * 1000 });
      return identity;
    } catch {
      return null;
    }
  };
}
