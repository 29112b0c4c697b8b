import { LRUCache } from 'lru-cache';
import { parseInput, randomSecret, systemClock, type Clock } from '../kernel/mod.ts';
import {
  createSessionInputSchema,
  isSessionActive,
  refreshInputSchema,
  revokeAllInputSchema,
  revokeInputSchema,
  toSessionView,
  type IssuedSession,
  type RevokeReason,
  type SessionRecord,
} from './domain.ts';
import { InvalidRefreshTokenError, RefreshTokenReusedError, SessionNotFoundError } from './errors.ts';
import { sessionEvent } from './events.ts';
import type { RefreshTokenMatch, SessionApi, SessionRepository } from './ports.ts';
import { hashToken, successorOf } from './tokens.ts';

export interface SessionServiceDeps {
  sessions: SessionRepository;
  /** Idle timeout: each rotation slides the session's expiry to now + this, up to the absolute end. */
  refreshTtlSeconds: number;
  /** Absolute lifetime from login (createdAt): no rotation extends a session past it. */
  maxAgeSeconds: number;
  /** How long a just-rotated token may come back and get the same new pair (multi-tab). 0 = never. */
  reuseGraceSeconds: number;
  clock?: Clock;
}

export function createSessionService({
  sessions,
  refreshTtlSeconds,
  maxAgeSeconds,
  reuseGraceSeconds,
  clock = systemClock,
}: SessionServiceDeps): SessionApi {
  const absoluteEndOf = (s: Pick<SessionRecord, 'createdAt'>) => s.createdAt.getTime() + maxAgeSeconds * 1000;
  /** A session used at `at` ends after the idle timeout, or at its absolute end if that comes first. */
  const expiryFrom = (s: Pick<SessionRecord, 'createdAt'>, at: Date) =>
    new Date(Math.min(at.getTime() + refreshTtlSeconds * 1000, absoluteEndOf(s)));
  /**
   * Stored expiries are capped already; capping again on read means that lowering
   * SESSION_MAX_AGE_SECONDS also ends the sessions stored under a longer limit.
   */
  const withEnd = (s: SessionRecord): SessionRecord => ({ ...s, expiresAt: new Date(Math.min(s.expiresAt.getTime(), absoluteEndOf(s))) });
  const isLive = (s: SessionRecord, at: Date) => isSessionActive(withEnd(s), at);
  const view = (s: SessionRecord) => toSessionView(withEnd(s));
  const revokedEvent = (reason: RevokeReason) => (s: SessionRecord) => [
    sessionEvent('session.revoked', { userId: s.userId, sessionId: s.id, reason }, s.revokedAt ?? clock.now()),
  ];

  /**
   * Auth asks ownerOf right before refresh (it checks the account before the rotation spends the
   * token), so each lookup is kept for a moment and refresh takes it instead of reading again. A
   * stale one is harmless: the rotation is a compare-and-set on the current hash of a live session,
   * a failed one reads again, and a rotated token never becomes current again.
   */
  const justLookedUp = new LRUCache<string, RefreshTokenMatch>({ max: 1000, ttl: 1000 });
  const lookUp = async (hash: string) => {
    const match = await sessions.findByRefreshHash(hash);
    if (match) justLookedUp.set(hash, match);
    return match;
  };
  const takeLookup = async (hash: string) => {
    const match = justLookedUp.get(hash);
    if (!match) return sessions.findByRefreshHash(hash);
    justLookedUp.delete(hash);
    return match;
  };

  function issued(session: SessionRecord, refreshToken: string): IssuedSession {
    return {
      session: view(session),
      refreshToken,
      issuedAt: session.rotatedAt.toISOString(),
      tokenId: hashToken(`jti:${refreshToken}`).slice(0, 32),
    };
  }

  /** The pair a rotated token led to, if it comes back within the grace window as the current token's predecessor. */
  async function sameAgain(match: RefreshTokenMatch & { state: 'rotated' }, token: string, at: Date): Promise<IssuedSession | null> {
    const { session } = match;
    const withinGrace = reuseGraceSeconds > 0 && at.getTime() - match.rotatedAt.getTime() <= reuseGraceSeconds * 1000;
    if (!withinGrace) return null;
    const successor = successorOf(token, session.rotationKey);
    return hashToken(successor) === session.refreshHash ? issued(session, successor) : null;
  }

  async function handleRotated(match: RefreshTokenMatch & { state: 'rotated' }, token: string, at: Date) {
    const again = await sameAgain(match, token, at);
    if (again) return again;
    await sessions.revoke(match.session.id, 'refresh_reuse', at, revokedEvent('refresh_reuse'));
    throw new RefreshTokenReusedError(match.session.id, match.session.userId);
  }

  return {
    async create(input) {
      const { userId, amr, meta } = parseInput(createSessionInputSchema, input);
      const at = clock.now();
      const refreshToken = randomSecret();
      const session: SessionRecord = {
        id: crypto.randomUUID(),
        userId,
        createdAt: at,
        lastUsedAt: at,
        expiresAt: expiryFrom({ createdAt: at }, at),
        userAgent: meta?.userAgent ?? null,
        ip: meta?.ip ?? null,
        revokedAt: null,
        revokeReason: null,
        refreshHash: hashToken(refreshToken),
        rotationKey: randomSecret(),
        rotatedAt: at,
        amr,
      };
      await sessions.create(session, [sessionEvent('session.created', { userId, sessionId: session.id, ...meta }, at)]);
      return issued(session, refreshToken);
    },

    async refresh(input) {
      const { refreshToken, meta } = parseInput(refreshInputSchema, input);
      const at = clock.now();
      const fromHash = hashToken(refreshToken);
      const match = await takeLookup(fromHash);
      // Past its end a session is over, not stolen: a rotated token then is invalid, never reuse.
      if (!match || !isLive(match.session, at)) throw new InvalidRefreshTokenError();
      if (match.state === 'rotated') return handleRotated(match, refreshToken, at);
      const successor = successorOf(refreshToken, match.session.rotationKey);
      const rotated = await sessions.rotate({
        sessionId: match.session.id,
        fromHash,
        toHash: hashToken(successor),
        at,
        expiresAt: expiryFrom(match.session, at),
        events: [sessionEvent('session.refreshed', { userId: match.session.userId, sessionId: match.session.id, ...meta }, at)],
      });
      if (!rotated) {
        // A concurrent refresh of the same token rotated first; it wins and keeps the session.
        // Within a grace window this one gets the same new pair, as a retry a moment later would;
        // otherwise it fails, but never revokes: it was sent before the rotation committed.
        const after = reuseGraceSeconds > 0 ? await sessions.findByRefreshHash(fromHash) : null;
        const again = after?.state === 'rotated' && isLive(after.session, at) ? await sameAgain(after, refreshToken, at) : null;
        if (again) return again;
        throw new InvalidRefreshTokenError();
      }
      return issued(rotated, successor);
    },

    async ownerOf(refreshToken) {
      const match = await lookUp(hashToken(parseInput(refreshInputSchema.shape.refreshToken, refreshToken)));
      return match && isLive(match.session, clock.now()) ? match.session.userId : null;
    },

    async get(sessionId) {
      const session = await sessions.findById(sessionId);
      return session && isLive(session, clock.now()) ? view(session) : null;
    },

    async listActive(userId) {
      const at = clock.now();
      return (await sessions.listActive(userId, at)).filter((s) => isLive(s, at)).map(view);
    },

    async revoke(input) {
      const { userId, sessionId, reason } = parseInput(revokeInputSchema, input);
      const at = clock.now();
      const session = await sessions.findById(sessionId);
      if (!session || session.userId !== userId || !isLive(session, at)) throw new SessionNotFoundError();
      if (!(await sessions.revoke(sessionId, reason, at, revokedEvent(reason)))) throw new SessionNotFoundError();
    },

    async revokeAll(input) {
      const { userId, exceptSessionId, reason } = parseInput(revokeAllInputSchema, input);
      const revoked = await sessions.revokeAllForUser(userId, { exceptSessionId, reason, at: clock.now() }, revokedEvent(reason));
      return { revoked: revoked.length };
    },

    async listRevokedSince(since) {
      return sessions.listRevokedSince(new Date(since));
    },
  };
}
