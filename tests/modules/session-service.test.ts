import { describe, expect, it } from 'vitest';
import { createMemorySessionRepository } from '../../adapters/memory/session-repository.ts';
import {
  createSessionService,
  InvalidRefreshTokenError,
  RefreshTokenReusedError,
  SessionNotFoundError,
  sessionApiSpec,
  sessionErrors,
  type SessionApi,
} from '../../modules/session/mod.ts';
import { manualClock, observedOutbox } from './fixtures.ts';
import { runners } from './runners.ts';

describe.each(runners)('session service ($name)', ({ wrap }) => {
  const remote = (impl: SessionApi) => wrap(impl, { module: 'session', spec: sessionApiSpec, errors: sessionErrors });

  /** Idle timeout 1 h; absolute lifetime 1 day unless given. */
  function setup(reuseGraceSeconds = 0, maxAgeSeconds = 86_400) {
    const clock = manualClock();
    const { outbox, written } = observedOutbox();
    const repository = createMemorySessionRepository({ outbox });
    const serviceWith = (maxAge: number) =>
      remote(createSessionService({ sessions: repository, refreshTtlSeconds: 3600, maxAgeSeconds: maxAge, reuseGraceSeconds, clock }));
    return { clock, sessions: serviceWith(maxAgeSeconds), written, serviceWith };
  }

  it('create() starts an active session and emits session.created with the request metadata', async () => {
    const { sessions, written } = setup();
    const issued = await sessions.create({ userId: 'u1', meta: { ip: '198.51.100.1', userAgent: 'ua' } });
    expect(issued.refreshToken).toMatch(/^[\w-]{43}$/);
    expect(await sessions.get(issued.session.id)).toMatchObject({ userId: 'u1', ip: '198.51.100.1', userAgent: 'ua' });
    expect((await written()).map((e) => [e.type, e.subject, e.data.sessionId])).toEqual([['session.created', 'u1', issued.session.id]]);
  });

  it('ownerOf() names the user of an active session’s token, current or rotated, and changes nothing', async () => {
    const { sessions } = setup();
    const first = await sessions.create({ userId: 'u1' });
    expect(await sessions.ownerOf(first.refreshToken)).toBe('u1');
    expect(await sessions.ownerOf(first.refreshToken)).toBe('u1');
    const second = await sessions.refresh({ refreshToken: first.refreshToken }); // ownerOf did not spend it
    expect(await sessions.ownerOf(first.refreshToken)).toBe('u1');
    expect(await sessions.ownerOf('x'.repeat(43))).toBeNull();
    await sessions.revoke({ userId: 'u1', sessionId: first.session.id, reason: 'logout' });
    expect(await sessions.ownerOf(second.refreshToken)).toBeNull();
  });

  it('ownerOf() then refresh() of one token (as auth does) read its session once', async () => {
    const repository = createMemorySessionRepository({ outbox: observedOutbox().outbox });
    let reads = 0;
    const counted = {
      ...repository,
      findByRefreshHash: (hash: string) => {
        reads++;
        return repository.findByRefreshHash(hash);
      },
    };
    const sessions = createSessionService({ sessions: counted, refreshTtlSeconds: 3600, maxAgeSeconds: 86_400, reuseGraceSeconds: 0 });
    const first = await sessions.create({ userId: 'u1' });
    expect(await sessions.ownerOf(first.refreshToken)).toBe('u1');
    await sessions.refresh({ refreshToken: first.refreshToken });
    expect(reads).toBe(1);
  });

  it('refresh() after ownerOf() still refuses a session revoked or rotated in between', async () => {
    const { sessions } = setup();
    const revoked = await sessions.create({ userId: 'u1' });
    expect(await sessions.ownerOf(revoked.refreshToken)).toBe('u1');
    await sessions.revoke({ userId: 'u1', sessionId: revoked.session.id, reason: 'logout' });
    await expect(sessions.refresh({ refreshToken: revoked.refreshToken })).rejects.toBeInstanceOf(InvalidRefreshTokenError);

    // Another instance rotates the token after this one looked it up: this one's refresh lost a race.
    const { serviceWith } = setup();
    const [here, elsewhere] = [serviceWith(86_400), serviceWith(86_400)];
    const raced = await here.create({ userId: 'u2' });
    expect(await here.ownerOf(raced.refreshToken)).toBe('u2');
    const winner = await elsewhere.refresh({ refreshToken: raced.refreshToken });
    await expect(here.refresh({ refreshToken: raced.refreshToken })).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    expect((await here.refresh({ refreshToken: winner.refreshToken })).session.id).toBe(raced.session.id); // the winner keeps it
  });

  it('refresh() rotates: the new token works once, the old one is reuse and revokes the session', async () => {
    const { sessions, clock, written } = setup();
    const first = await sessions.create({ userId: 'u1' });
    clock.advance(1000);
    const second = await sessions.refresh({ refreshToken: first.refreshToken });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.session.lastUsedAt).toBe(clock.now().toISOString());
    await expect(sessions.refresh({ refreshToken: first.refreshToken })).rejects.toBeInstanceOf(RefreshTokenReusedError);
    expect(await sessions.get(first.session.id)).toBeNull();
    await expect(sessions.refresh({ refreshToken: second.refreshToken })).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    const revoked = (await written()).filter((e) => e.type === 'session.revoked');
    expect(revoked.map((e) => e.data.reason)).toEqual(['refresh_reuse']);
  });

  it('refresh() lets exactly one of concurrent refreshes of one token win', async () => {
    const { sessions } = setup();
    const first = await sessions.create({ userId: 'u1' });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => sessions.refresh({ refreshToken: first.refreshToken })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  /** A session service whose callers all look the token up before any of them rotates: the truly concurrent case. */
  function racingSessions(racing: number, reuseGraceSeconds: number) {
    const { outbox } = observedOutbox();
    const repository = createMemorySessionRepository({ outbox });
    const lookups: Array<() => void> = [];
    const barrier = new Promise<void>((resolve) => lookups.push(resolve));
    let looked = 0;
    return remote(
      createSessionService({
        sessions: {
          ...repository,
          async findByRefreshHash(hash) {
            const match = await repository.findByRefreshHash(hash);
            if (++looked === racing) {
              for (const release of lookups) release();
            }
            await barrier;
            return match;
          },
        },
        refreshTtlSeconds: 3600,
        maxAgeSeconds: 86_400,
        reuseGraceSeconds,
      }),
    );
  }

  it('refresh() that loses the race to a concurrent refresh fails without revoking: the winner keeps the session', async () => {
    const racing = 5;
    const sessions = racingSessions(racing, 0);
    const first = await sessions.create({ userId: 'u1' });
    const results = await Promise.allSettled(Array.from({ length: racing }, () => sessions.refresh({ refreshToken: first.refreshToken })));
    const winners = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(InvalidRefreshTokenError);
    expect(await sessions.get(first.session.id)).not.toBeNull();
    await sessions.refresh({ refreshToken: winners[0]!.refreshToken });
  });

  it('refresh() that loses the race within a grace window gets the winner’s pair, as a retry would', async () => {
    const racing = 5;
    const sessions = racingSessions(racing, 10);
    const first = await sessions.create({ userId: 'u1' });
    const pairs = await Promise.all(Array.from({ length: racing }, () => sessions.refresh({ refreshToken: first.refreshToken })));
    for (const pair of pairs) expect(pair).toEqual(pairs[0]);
    expect(await sessions.get(first.session.id)).not.toBeNull();
    await sessions.refresh({ refreshToken: pairs[0]!.refreshToken });
  });

  it('refresh() that loses the race, when the winner’s pair was rotated again meanwhile, fails without revoking', async () => {
    const { outbox } = observedOutbox();
    const repository = createMemorySessionRepository({ outbox });
    // Both racers look the first token up before either rotates; the loser's second look is held.
    let release!: () => void;
    const bothLooked = new Promise<void>((resolve) => (release = resolve));
    let reopen!: () => void;
    const loserMayLook = new Promise<void>((resolve) => (reopen = resolve));
    let firstHash: string | undefined;
    let looksAtFirst = 0;
    const sessions = remote(
      createSessionService({
        sessions: {
          ...repository,
          async findByRefreshHash(hash) {
            firstHash ??= hash;
            if (hash === firstHash) {
              const look = ++looksAtFirst;
              if (look === 2) release();
              if (look <= 2) await bothLooked;
              else await loserMayLook;
            }
            return repository.findByRefreshHash(hash);
          },
        },
        refreshTtlSeconds: 3600,
        maxAgeSeconds: 86_400,
        reuseGraceSeconds: 10,
      }),
    );
    const first = await sessions.create({ userId: 'u1' });
    const racers = [0, 1].map(() => sessions.refresh({ refreshToken: first.refreshToken }));
    const outcomes = racers.map((racer) =>
      racer.then(
        (pair) => ({ pair }),
        (error: unknown) => ({ error }),
      ),
    );
    const winner = await Promise.race(racers);
    const newer = await sessions.refresh({ refreshToken: winner.refreshToken });
    reopen();
    const loser = (await Promise.all(outcomes)).find((outcome) => 'error' in outcome);
    expect(loser).toMatchObject({ error: expect.any(InvalidRefreshTokenError) });
    expect(await sessions.get(first.session.id)).not.toBeNull();
    await sessions.refresh({ refreshToken: newer.refreshToken });
  });

  it('refresh() within the grace window returns the same pair again; after it, reuse revokes', async () => {
    const { sessions, clock } = setup(10);
    const first = await sessions.create({ userId: 'u1' });
    const second = await sessions.refresh({ refreshToken: first.refreshToken });
    clock.advance(9_000);
    expect(await sessions.refresh({ refreshToken: first.refreshToken })).toEqual(second);
    clock.advance(2_000);
    await expect(sessions.refresh({ refreshToken: first.refreshToken })).rejects.toBeInstanceOf(RefreshTokenReusedError);
  });

  it('refresh() refuses an expired session, and each rotation slides the expiry', async () => {
    const { sessions, clock } = setup();
    const first = await sessions.create({ userId: 'u1' });
    clock.advance(3000_000);
    const second = await sessions.refresh({ refreshToken: first.refreshToken });
    clock.advance(3000_000); // 6000 s after creation, 3000 s after the rotation: still alive
    const third = await sessions.refresh({ refreshToken: second.refreshToken });
    clock.advance(3601_000);
    await expect(sessions.refresh({ refreshToken: third.refreshToken })).rejects.toBeInstanceOf(InvalidRefreshTokenError);
  });

  it('refresh() past the absolute lifetime is refused however recently the session was used', async () => {
    const { sessions, clock } = setup(0, 7200);
    const first = await sessions.create({ userId: 'u1' });
    clock.advance(3000_000);
    const second = await sessions.refresh({ refreshToken: first.refreshToken });
    clock.advance(3000_000);
    const third = await sessions.refresh({ refreshToken: second.refreshToken });
    clock.advance(1201_000); // 7201 s after login, only 1201 s idle
    await expect(sessions.refresh({ refreshToken: third.refreshToken })).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    expect(await sessions.ownerOf(third.refreshToken)).toBeNull();
    expect(await sessions.get(first.session.id)).toBeNull();
    expect(await sessions.listActive('u1')).toEqual([]);
  });

  it('create() and refresh() never set an expiry past the absolute end', async () => {
    const { sessions, clock } = setup(0, 7200);
    const first = await sessions.create({ userId: 'u1' });
    const end = new Date(Date.parse(first.session.createdAt) + 7200_000).toISOString();
    clock.advance(3000_000);
    const second = await sessions.refresh({ refreshToken: first.refreshToken });
    expect(second.session.expiresAt).toBe(new Date(clock.now().getTime() + 3600_000).toISOString()); // the idle timeout comes first
    clock.advance(3000_000);
    const third = await sessions.refresh({ refreshToken: second.refreshToken });
    expect(third.session.expiresAt).toBe(end);
    expect((await sessions.listActive('u1')).map((s) => s.expiresAt)).toEqual([end]);

    const { sessions: shortLived } = setup(0, 600); // a lifetime shorter than the idle timeout caps it from the start
    const short = await shortLived.create({ userId: 'u1' });
    expect(short.session.expiresAt).toBe(new Date(Date.parse(short.session.createdAt) + 600_000).toISOString());
  });

  it('a rotated token presented after the absolute end is an ended session, not reuse: nothing is revoked', async () => {
    const { sessions, clock, written } = setup(0, 7200);
    const first = await sessions.create({ userId: 'u1' });
    clock.advance(3000_000);
    const second = await sessions.refresh({ refreshToken: first.refreshToken });
    clock.advance(3000_000);
    await sessions.refresh({ refreshToken: second.refreshToken });
    clock.advance(1201_000); // past the absolute end, well inside the idle timeout
    await expect(sessions.refresh({ refreshToken: second.refreshToken })).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    expect((await written()).map((e) => e.type)).not.toContain('session.revoked');
  });

  it('lowering the absolute lifetime also ends sessions stored under the longer one', async () => {
    const { sessions, clock, serviceWith } = setup(0, 86_400);
    const first = await sessions.create({ userId: 'u1' });
    clock.advance(3000_000);
    const second = await sessions.refresh({ refreshToken: first.refreshToken }); // stored expiry: 6600 s after login
    clock.advance(2000_000);
    const lowered = serviceWith(4000);
    expect(await lowered.get(first.session.id)).toBeNull();
    expect(await lowered.listActive('u1')).toEqual([]);
    expect(await lowered.ownerOf(second.refreshToken)).toBeNull();
    await expect(lowered.refresh({ refreshToken: second.refreshToken })).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    await expect(lowered.revoke({ userId: 'u1', sessionId: first.session.id, reason: 'logout' })).rejects.toBeInstanceOf(
      SessionNotFoundError,
    );
  });

  it('revoke() ends only a session of the caller, and only once', async () => {
    const { sessions } = setup();
    const mine = await sessions.create({ userId: 'u1' });
    const theirs = await sessions.create({ userId: 'u2' });
    await expect(sessions.revoke({ userId: 'u1', sessionId: theirs.session.id, reason: 'user_revoked' })).rejects.toBeInstanceOf(
      SessionNotFoundError,
    );
    await sessions.revoke({ userId: 'u1', sessionId: mine.session.id, reason: 'user_revoked' });
    await expect(sessions.revoke({ userId: 'u1', sessionId: mine.session.id, reason: 'user_revoked' })).rejects.toBeInstanceOf(
      SessionNotFoundError,
    );
    expect(await sessions.get(theirs.session.id)).not.toBeNull();
  });

  it('revokeAll() keeps the excepted session and reports how many it ended', async () => {
    const { sessions, written } = setup();
    const keep = await sessions.create({ userId: 'u1' });
    await sessions.create({ userId: 'u1' });
    await sessions.create({ userId: 'u1' });
    expect(await sessions.revokeAll({ userId: 'u1', exceptSessionId: keep.session.id, reason: 'password_changed' })).toEqual({
      revoked: 2,
    });
    expect((await sessions.listActive('u1')).map((s) => s.id)).toEqual([keep.session.id]);
    expect((await written()).filter((e) => e.type === 'session.revoked')).toHaveLength(2);
  });

  it('listRevokedSince() returns sessions revoked at or after the time given', async () => {
    const { sessions, clock } = setup();
    const old = await sessions.create({ userId: 'u1' });
    await sessions.revoke({ userId: 'u1', sessionId: old.session.id, reason: 'logout' });
    clock.advance(60_000);
    const since = clock.now().toISOString();
    const recent = await sessions.create({ userId: 'u1' });
    await sessions.revoke({ userId: 'u1', sessionId: recent.session.id, reason: 'logout' });
    expect(await sessions.listRevokedSince(since)).toEqual([recent.session.id]);
  });
});
