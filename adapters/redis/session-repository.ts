import type { Redis } from 'ioredis';
import { UnavailableError, type CloudEvent } from '../../modules/kernel/mod.ts';
import { isSessionActive, type RevokeReason, type SessionRecord, type SessionRepository } from '../../modules/session/mod.ts';
import { callerDeadline, callRedis, fieldsOf, keysStartingWith, redisKeys, scanKeys } from './client.ts';
import type { RedisOutbox } from './outbox.ts';
import { createScript, findByHashScript, purgeScript, revokeScript, rotateScript, userSessionsScript } from './session-scripts.ts';

export interface RedisSessionRepositoryDeps {
  redis: Redis;
  /** Key prefix, with its separator (`auth:`); see redisKeys. */
  prefix: string;
  /** Events go to this outbox's stream in the same script as the change they come from. */
  outbox: Pick<RedisOutbox, 'streamKey' | 'notifyAppended'>;
  /**
   * How long a session's keys outlive its end (expiry, or revocation), so findById still returns
   * an ended session for a while, as the port promises. Default 1 hour.
   */
  endedRetentionMs?: number;
  /**
   * listRevokedSince answers for this window only: older entries of the revoked index are
   * trimmed on each revocation. Gateways ask for one access-token lifetime back. Default 24 hours.
   */
  revokedWindowMs?: number;
}

const optionalFields = ['userAgent', 'ip', 'revokedAt', 'revokeReason'] as const;

function toFields(s: SessionRecord): string[] {
  const fields: Record<string, string | null> = {
    id: s.id,
    userId: s.userId,
    createdAt: String(s.createdAt.getTime()),
    lastUsedAt: String(s.lastUsedAt.getTime()),
    expiresAt: String(s.expiresAt.getTime()),
    userAgent: s.userAgent,
    ip: s.ip,
    revokedAt: s.revokedAt ? String(s.revokedAt.getTime()) : null,
    revokeReason: s.revokeReason,
    refreshHash: s.refreshHash,
    rotationKey: s.rotationKey,
    rotatedAt: String(s.rotatedAt.getTime()),
    amr: s.amr.join(' '),
  };
  // A null is an absent field, so '' stays ''.
  return Object.entries(fields).flatMap(([name, value]) => (value === null ? [] : [name, value]));
}

/** Fields as HGETALL returns them: an object from ioredis, a flat [name, value, …] list from Lua. */
function toRecord(reply: Record<string, string> | string[]): SessionRecord {
  const f: Record<string, string | undefined> = Array.isArray(reply) ? fieldsOf(reply) : reply;
  const time = (name: string) => new Date(Number(f[name]));
  const optional = (name: (typeof optionalFields)[number]) => f[name] ?? null;
  return {
    id: f.id!,
    userId: f.userId!,
    createdAt: time('createdAt'),
    lastUsedAt: time('lastUsedAt'),
    expiresAt: time('expiresAt'),
    userAgent: optional('userAgent'),
    ip: optional('ip'),
    revokedAt: f.revokedAt === undefined ? null : time('revokedAt'),
    revokeReason: optional('revokeReason'),
    refreshHash: f.refreshHash!,
    rotationKey: f.rotationKey!,
    rotatedAt: time('rotatedAt'),
    // Sessions stored before amr was recorded were all password logins.
    amr: f.amr ? f.amr.split(' ') : ['pwd'],
  };
}

/** A write script's ARGV: the caller's deadline, the events, then the script's own arguments. */
const withEvents = (redis: Redis, events: readonly CloudEvent[], ...args: Array<string | number>) => [
  callerDeadline(redis),
  events.length,
  ...events.map((e) => JSON.stringify(e)),
  ...args,
];

/**
 * Sessions in Redis. Keys (see redisKeys): a hash per session; a key per current refresh hash and
 * per rotated one, pointing at the session; a sorted set of each user's session ids; a sorted set
 * of recently revoked ids. Every key expires: a session's keys at its expiry plus
 * `endedRetentionMs` (sliding on rotate; shortened to revokedAt + retention on revoke), a user's
 * set with its longest-lived session, the revoked set a window after the last revocation.
 * Each write is one Lua script that also XADDs its events to the outbox stream, so Redis decides
 * races across processes: of concurrent rotations of one hash exactly one script matches.
 * Scripts derive some keys from the prefix, so this needs one Redis (or Sentinel), not Cluster.
 */
export function createRedisSessionRepository({
  redis,
  prefix,
  outbox,
  endedRetentionMs = 60 * 60 * 1000,
  revokedWindowMs = 24 * 60 * 60 * 1000,
}: RedisSessionRepositoryDeps): SessionRepository {
  const keys = redisKeys(prefix);
  const stored = (events: readonly CloudEvent[]) => {
    if (events.length > 0) outbox.notifyAppended();
  };

  async function findById(id: string): Promise<SessionRecord | null> {
    const fields = await callRedis(redis, (r) => r.hgetall(keys.session(id)));
    return Object.keys(fields).length > 0 ? toRecord(fields) : null;
  }

  /** Every stored session of the user (active or not), newest first. */
  async function userSessions(userId: string): Promise<SessionRecord[]> {
    const replies = (await callRedis(redis, (r) =>
      userSessionsScript.run(r, [keys.userSessions(userId)], [keys.session('')]),
    )) as string[][];
    return replies.map(toRecord);
  }

  /** The revoke CAS, retried if the session rotated between our read and the script. */
  async function revokeIfActive(
    known: SessionRecord | null,
    reason: RevokeReason,
    at: Date,
    events: (revoked: SessionRecord) => CloudEvent[],
  ): Promise<SessionRecord | null> {
    let current = known;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (!current || !isSessionActive(current, at)) return null;
      const readHash = current.refreshHash;
      const revoked: SessionRecord = { ...current, revokedAt: at, revokeReason: reason };
      const built = events(revoked);
      const outcome = await callRedis(redis, (r) =>
        revokeScript.run(
          r,
          [keys.session(revoked.id), keys.revokedSessions, outbox.streamKey],
          withEvents(
            r,
            built,
            revoked.id,
            reason,
            at.getTime(),
            readHash,
            endedRetentionMs,
            revokedWindowMs,
            keys.refresh(''),
            keys.session(''),
            keys.userSessions(''),
          ),
        ),
      );
      if (outcome === 1) {
        stored(built);
        return revoked;
      }
      if (outcome === 0) return null;
      current = await findById(revoked.id);
    }
    throw new UnavailableError('The session kept changing while being revoked; try again.');
  }

  return {
    async create(s, events) {
      await callRedis(redis, (r) =>
        createScript.run(
          r,
          [keys.session(s.id), keys.refresh(s.refreshHash), keys.userSessions(s.userId), outbox.streamKey, keys.revokedSessions],
          withEvents(
            r,
            events,
            s.id,
            s.expiresAt.getTime(),
            s.revokedAt?.getTime() ?? '',
            endedRetentionMs,
            revokedWindowMs,
            keys.session(''),
            ...toFields(s),
          ),
        ),
      );
      stored(events);
    },

    findById,

    async findByRefreshHash(hash) {
      const reply = (await callRedis(redis, (r) =>
        findByHashScript.run(r, [keys.refresh(hash), keys.rotated(hash)], [keys.session('')]),
      )) as null | ['current', string[]] | ['rotated', string[], string];
      if (!reply) return null;
      const session = toRecord(reply[1]);
      return reply[0] === 'current' ? { state: 'current', session } : { state: 'rotated', session, rotatedAt: new Date(Number(reply[2])) };
    },

    async rotate({ sessionId, fromHash, toHash, at, expiresAt, events }) {
      const reply = (await callRedis(redis, (r) =>
        rotateScript.run(
          r,
          [keys.session(sessionId), keys.refresh(fromHash), keys.refresh(toHash), keys.rotated(fromHash), outbox.streamKey],
          withEvents(r, events, sessionId, fromHash, toHash, at.getTime(), expiresAt.getTime(), endedRetentionMs, keys.userSessions('')),
        ),
      )) as string[] | null;
      if (!reply) return null;
      stored(events);
      return toRecord(reply);
    },

    async revoke(sessionId, reason, at, events) {
      return revokeIfActive(await findById(sessionId), reason, at, events);
    },

    async revokeAllForUser(userId, { exceptSessionId, reason, at }, events) {
      // One CAS per session (each atomic with its events), not one transaction for all: a
      // session created meanwhile may survive, as it would have if created just after.
      const revoked: SessionRecord[] = [];
      for (const session of await userSessions(userId)) {
        if (session.id === exceptSessionId || !isSessionActive(session, at)) continue;
        const done = await revokeIfActive(session, reason, at, events);
        if (done) revoked.push(done);
      }
      return revoked;
    },

    async listActive(userId, at) {
      return (await userSessions(userId))
        .filter((s) => isSessionActive(s, at))
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id));
    },

    async listRevokedSince(since) {
      return callRedis(redis, (r) => r.zrangebyscore(keys.revokedSessions, since.getTime(), '+inf'));
    },

    async purgeEnded(before) {
      // Expiry already purges by TTL; this walks the session keys for ends earlier than that.
      let purged = 0;
      await scanKeys(redis, keysStartingWith(keys.session('')), async (batch) => {
        purged += Number(
          await callRedis(redis, (r) => purgeScript.run(r, batch, [before.getTime(), keys.refresh(''), keys.userSessions('')])),
        );
      });
      return purged;
    },
  };
}
