import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { createAccessTokenVerifier, createClientIpResolver, createRevocationSet, rateLimitKey } from '../../modules/gateway/mod.ts';

async function keyPair(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' } };
}

const sign = (
  key: CryptoKey,
  kid: string,
  overrides: { iss?: string; aud?: string; exp?: string; typ?: string; claims?: Record<string, unknown> } = {},
) =>
  new SignJWT({ sid: 's1', ...overrides.claims })
    .setProtectedHeader({ alg: 'EdDSA', typ: overrides.typ ?? 'at+jwt', kid })
    .setIssuer(overrides.iss ?? 'iss')
    .setAudience(overrides.aud ?? 'aud')
    .setSubject('u1')
    .setIssuedAt()
    .setJti('j1')
    .setExpirationTime(overrides.exp ?? '5m')
    .sign(key);

describe('access-token verifier', () => {
  it('accepts a valid token and caches it, so the JWKS is read once', async () => {
    const { privateKey, jwk } = await keyPair('k1');
    let reads = 0;
    const jwks = async () => {
      reads++;
      return { keys: [jwk] };
    };
    const verify = createAccessTokenVerifier({ jwks, issuer: 'iss', audience: 'aud' });
    const token = await sign(privateKey, 'k1');
    expect(await verify(token)).toEqual({ userId: 'u1', sessionId: 's1', roles: [] });
    expect(await verify(token)).toEqual({ userId: 'u1', sessionId: 's1', roles: [] });
    expect(reads).toBe(1);
  });

  it('takes the roles from the `roles` claim, and none from a claim that is not a list of strings', async () => {
    const { privateKey, jwk } = await keyPair('k1');
    const verify = createAccessTokenVerifier({ jwks: async () => ({ keys: [jwk] }), issuer: 'iss', audience: 'aud' });
    const withRoles = await sign(privateKey, 'k1', { claims: { roles: ['admin', 'support'] } });
    expect(await verify(withRoles)).toEqual({ userId: 'u1', sessionId: 's1', roles: ['admin', 'support'] });
    expect(await verify(withRoles)).toEqual({ userId: 'u1', sessionId: 's1', roles: ['admin', 'support'] }); // cached
    for (const roles of ['admin', [1], { admin: true }]) {
      expect((await verify(await sign(privateKey, 'k1', { claims: { roles } })))?.roles).toEqual([]);
    }
  });

  it.each([
    ['a wrong issuer', { iss: 'other' }],
    ['a wrong audience', { aud: 'other' }],
    ['an expired token', { exp: '-1s' }],
    ['a token of another type', { typ: 'JWT' }],
  ])('rejects %s', async (_, overrides) => {
    const { privateKey, jwk } = await keyPair('k1');
    const verify = createAccessTokenVerifier({ jwks: async () => ({ keys: [jwk] }), issuer: 'iss', audience: 'aud' });
    expect(await verify(await sign(privateKey, 'k1', overrides))).toBeNull();
  });

  it('reloads the JWKS for an unknown kid, so a new signing key is picked up', async () => {
    const first = await keyPair('k1');
    const second = await keyPair('k2');
    let keys = [first.jwk];
    const verify = createAccessTokenVerifier({ jwks: async () => ({ keys }), issuer: 'iss', audience: 'aud', reloadIntervalMs: 0 });
    expect(await verify(await sign(first.privateKey, 'k1'))).not.toBeNull();
    keys = [second.jwk, first.jwk];
    expect(await verify(await sign(second.privateKey, 'k2'))).not.toBeNull();
  });

  it('learns a key published after it started within a minute, before that key signs anything', async () => {
    const first = await keyPair('k1');
    const second = await keyPair('k2');
    let keys = [first.jwk];
    let reads = 0;
    let now = Date.now();
    const jwks = async () => {
      reads++;
      return { keys };
    };
    const verify = createAccessTokenVerifier({ jwks, issuer: 'iss', audience: 'aud', now: () => now });
    expect(await verify(await sign(first.privateKey, 'k1'))).not.toBeNull();
    keys = [second.jwk, first.jwk]; // auth published its next key
    now += 60_000;
    expect(await verify(await sign(first.privateKey, 'k1', { exp: '6m' }))).not.toBeNull(); // answered at once, reloading behind
    await Promise.resolve();
    expect(reads).toBe(2);
    expect(await verify(await sign(second.privateKey, 'k2'))).not.toBeNull();
    expect(reads).toBe(2); // known already: no reload for the new kid
  });

  it('reloads for unknown kids at most once per interval, and refuses them', async () => {
    const known = await keyPair('k1');
    const stranger = await keyPair('made-up');
    let reads = 0;
    let now = Date.now();
    const jwks = async () => {
      reads++;
      return { keys: [known.jwk] };
    };
    const verify = createAccessTokenVerifier({ jwks, issuer: 'iss', audience: 'aud', now: () => now });
    const forged = await Promise.all(Array.from({ length: 20 }, () => sign(stranger.privateKey, 'made-up', { exp: '10m' })));
    for (const token of forged) expect(await verify(token)).toBeNull();
    expect(reads).toBe(2); // the first load, and one reload for the unknown kid
    now += 10_000;
    expect(await verify(await sign(stranger.privateKey, `made-up-${now}`))).toBeNull();
    expect(reads).toBe(3);
  });

  it('keeps verifying with the keys it has while the JWKS cannot be reloaded', async () => {
    const { privateKey, jwk } = await keyPair('k1');
    let authDown = false;
    let now = Date.now();
    const verify = createAccessTokenVerifier({
      jwks: async () => (authDown ? Promise.reject(new Error('auth is down')) : { keys: [jwk] }),
      issuer: 'iss',
      audience: 'aud',
      now: () => now,
    });
    expect(await verify(await sign(privateKey, 'k1'))).not.toBeNull();
    authDown = true;
    for (let i = 0; i < 3; i++) {
      now += 61_000;
      expect(await verify(await sign(privateKey, 'k1', { exp: '10m' }))).not.toBeNull();
    }
  });
});

describe('revocation set', () => {
  it('remembers a revoked session for the retention time only', () => {
    let now = 0;
    const set = createRevocationSet({ retainMs: 1000, now: () => now });
    set.add('s1');
    expect(set.has('s1')).toBe(true);
    expect(set.has('s2')).toBe(false);
    now = 1001;
    expect(set.has('s1')).toBe(false);
    set.add('s2');
    expect(set.size).toBe(1);
  });
});

describe('client address', () => {
  async function resolve(peer: string, forwardedFor?: string, trustedProxies = ['10.0.0.1', '10.0.0.2']) {
    const clientIp = createClientIpResolver({ peer: () => peer, trustedProxies });
    const app = new Hono().get('/', (c) => c.text(clientIp(c) ?? ''));
    return (await app.request('/', { headers: forwardedFor ? { 'X-Forwarded-For': forwardedFor } : {} })).text();
  }

  it('is the peer when the peer is not a trusted proxy, whatever X-Forwarded-For says', async () => {
    expect(await resolve('198.51.100.9', '203.0.113.1')).toBe('198.51.100.9');
  });

  it('is the first untrusted hop from the right when the peer is a trusted proxy', async () => {
    expect(await resolve('10.0.0.1', 'forged, 203.0.113.1, 10.0.0.2')).toBe('203.0.113.1');
    expect(await resolve('::ffff:10.0.0.1', '203.0.113.5')).toBe('203.0.113.5');
  });

  it('trusts proxies by CIDR range, and an address in any spelling', async () => {
    expect(await resolve('10.9.8.7', '203.0.113.1, 10.1.2.3', ['10.0.0.0/8'])).toBe('203.0.113.1');
    expect(await resolve('0:0:0:0:0:0:0:1', '203.0.113.1', ['::1'])).toBe('203.0.113.1');
    expect(await resolve('fd00::5', '2001:db8::7', ['fd00::/8'])).toBe('2001:db8::7');
  });

  it('is one canonical address however a hop spells it: ports, brackets and IPv4-mapped forms are dropped', async () => {
    expect(await resolve('10.0.0.1', '203.0.113.1:5555')).toBe('203.0.113.1');
    expect(await resolve('10.0.0.1', '[2001:DB8:0:0::1]:443')).toBe('2001:db8::1');
    expect(await resolve('10.0.0.1', '::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(await resolve('::ffff:198.51.100.9')).toBe('198.51.100.9');
  });

  it('stops at a hop that is not an address, at the trusted hop before it', async () => {
    expect(await resolve('10.0.0.1', '203.0.113.1, not-an-ip')).toBe('10.0.0.1');
    for (const odd of ['127.1', '2130706433', '010.0.0.1', '0x7f.0.0.1', '::ffff:0x7f.0.0.1', '::ffff:127.1', 'fe80::1%eth0']) {
      expect(await resolve('10.0.0.1', odd)).toBe('10.0.0.1');
    }
  });
});

describe('rate-limit key', () => {
  it('is the address for IPv4, and the /64 for IPv6, so one subscriber cannot rotate through its prefix', () => {
    expect(rateLimitKey('203.0.113.1')).toBe('203.0.113.1');
    expect(rateLimitKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
  });
});
