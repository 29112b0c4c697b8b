import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createMemoryPasswordHasher } from '../../adapters/memory/password-hasher.ts';
import { createMemorySessionRepository } from '../../adapters/memory/session-repository.ts';
import { createMemorySigningKeyRepository } from '../../adapters/memory/signing-key-repository.ts';
import { createMemoryUserRepository } from '../../adapters/memory/user-repository.ts';
import { createCommonPasswordList } from '../../adapters/zxcvbn/common-password-list.ts';
import { publicationLeadMs, rotateSigningKey, type AuthApi, type SigningKeyRepository } from '../../modules/auth/mod.ts';
import { UnavailableError } from '../../modules/kernel/mod.ts';
import { createSessionService } from '../../modules/session/mod.ts';
import { createUserService } from '../../modules/user/mod.ts';
import { manualClock, observedOutbox, lifecycleDeps, passwordAuth } from './fixtures.ts';

const minute = 60_000;
const day = 24 * 60 * minute;
const ttlSeconds = 900;
const tokens = { issuer: 'test-issuer', audience: 'test-audience', accessTokenTtlSeconds: ttlSeconds, keyRotationDays: 30 };
const password = 'a sturdy passphrase 42';

/** An auth service (one "process") over shared stores, all on one clock the test moves. */
function system(clock = manualClock(), keys: SigningKeyRepository = createMemorySigningKeyRepository()) {
  const { outbox } = observedOutbox();
  const users = createUserService({
    users: createMemoryUserRepository({ outbox }),
    hasher: createMemoryPasswordHasher(),
    commonPasswords: createCommonPasswordList(),
    ...lifecycleDeps(),
  });
  const sessions = createSessionService({
    sessions: createMemorySessionRepository({ outbox }),
    refreshTtlSeconds: 90 * 24 * 3600,
    reuseGraceSeconds: 0,
    maxAgeSeconds: 90 * 24 * 3600,
    clock,
  });
  const process = (store = keys) => passwordAuth({ userApi: users, sessionApi: sessions, keys: store, outbox, tokens, clock });
  const auth = process();
  let refreshToken = '';
  /** A fresh access token from the one session, as a client's refresh gets it. */
  async function token(on: ReturnType<typeof process> = auth): Promise<string> {
    if (!refreshToken) {
      await users.register({ email: 'ada@example.com', password });
      refreshToken = (await on.login({ email: 'ada@example.com', password })).refreshToken;
    }
    const res = await on.refresh({ refreshToken });
    refreshToken = res.refreshToken;
    return res.accessToken;
  }
  return { clock, keys, auth, process, token };
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const publishedKids = async (auth: AuthApi) => (await auth.jwks()).keys.map((k) => k.kid);
const verifies = async (auth: AuthApi, token: string, at: Date) =>
  jwtVerify(token, createLocalJWKSet(await auth.jwks()), { algorithms: ['EdDSA'], currentDate: at }).then(
    () => true,
    () => false,
  );

describe('signing-key rotation', () => {
  it('a scheduled rotation publishes the next key in the JWKS at least the publication lead before it signs anything', async () => {
    const { clock, auth, token } = system();
    const first = kidOf(await token());
    clock.advance(30 * day - publicationLeadMs + minute);
    const [next, ...rest] = await publishedKids(auth);
    expect(rest).toEqual([first]);
    const publishedAt = clock.now().getTime();

    let signer = kidOf(await token());
    while (signer === first) {
      expect(clock.now().getTime() - publishedAt).toBeLessThan(publicationLeadMs + 2 * minute);
      clock.advance(minute);
      signer = kidOf(await token());
    }
    expect(signer).toBe(next);
    expect(clock.now().getTime() - publishedAt).toBeGreaterThanOrEqual(publicationLeadMs);
    expect(await publishedKids(auth)).toEqual([next, first]);
  });

  it('a token signed by the retired key verifies until it expires; then the key leaves the JWKS and the store', async () => {
    const { clock, keys, auth, token } = system();
    const first = kidOf(await token());
    await rotateSigningKey(keys, clock.now());
    clock.advance(publicationLeadMs - 1000);
    const lastOfFirst = await token(); // signed a second before the next key takes over
    expect(kidOf(lastOfFirst)).toBe(first);
    clock.advance(1000);
    const next = kidOf(await token());
    expect(next).not.toBe(first);

    clock.advance(ttlSeconds * 1000 - 2000);
    expect(await publishedKids(auth)).toEqual([next, first]);
    expect(await verifies(auth, lastOfFirst, clock.now())).toBe(true);

    clock.advance(10 * minute); // past its expiry and the retention margin
    expect(await publishedKids(auth)).toEqual([next]);
    expect((await keys.list()).map((k) => k.kid)).toEqual([next]);
  });

  it('rotateSigningKey() (npm run keys -- rotate) publishes one next key however often it runs while that key waits', async () => {
    const { clock, keys, auth, token } = system();
    const first = kidOf(await token());
    const [next] = await rotateSigningKey(keys, clock.now());
    expect(await rotateSigningKey(keys, clock.now())).toEqual([next, expect.objectContaining({ kid: first })]);
    expect(next!.activatesAt.getTime() - clock.now().getTime()).toBe(publicationLeadMs);
    clock.advance(minute);
    expect(await publishedKids(auth)).toEqual([next!.kid, first]); // read again within a minute
    expect(kidOf(await token())).toBe(first);
  });

  it('two processes sharing the store rotate once between them and switch to the same key at the same time', async () => {
    const { clock, process, token } = system();
    const [a, b] = [process(), process()];
    const first = kidOf(await token(a));
    expect(kidOf(await token(b))).toBe(first);
    clock.advance(30 * day);
    const [fromA, fromB] = await Promise.all([publishedKids(a), publishedKids(b)]);
    expect(fromA).toHaveLength(2);
    expect(fromB).toEqual(fromA);
    clock.advance(publicationLeadMs);
    expect([kidOf(await token(a)), kidOf(await token(b))]).toEqual([fromA[0], fromA[0]]);
  });

  it('reads the store once a minute at most, however many tokens it signs', async () => {
    const clock = manualClock();
    const memory = createMemorySigningKeyRepository();
    let reads = 0;
    const counted: SigningKeyRepository = {
      ...memory,
      list() {
        reads++;
        return memory.list();
      },
    };
    const { auth, token } = system(clock, counted);
    await token();
    await auth.jwks();
    const before = reads;
    for (let i = 0; i < 5; i++) {
      await token();
      await auth.jwks();
      clock.advance(15_000);
    }
    expect(reads - before).toBe(1);
  });

  it('signs on with the keys it has read when the store fails later, and picks up rotations once it answers again', async () => {
    const clock = manualClock();
    const memory = createMemorySigningKeyRepository();
    let down = false;
    const flaky: SigningKeyRepository = {
      ...memory,
      list: () => (down ? Promise.reject(new UnavailableError('The database is unavailable.')) : memory.list()),
    };
    const { auth, token, keys } = system(clock, flaky);
    const first = kidOf(await token());
    await rotateSigningKey(memory, clock.now());
    down = true;
    clock.advance(2 * minute);
    expect(kidOf(await token())).toBe(first);
    expect(await publishedKids(auth)).toEqual([first]);
    down = false;
    clock.advance(minute);
    expect(await publishedKids(auth)).toEqual([(await keys.list())[0]!.kid, first]);
  });
});
