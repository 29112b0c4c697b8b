import { isSessionActive, type SessionRecord, type SessionRepository } from '../../modules/session/mod.ts';
import type { MemoryOutbox } from './outbox.ts';

export function createMemorySessionRepository({ outbox }: { outbox: MemoryOutbox }): SessionRepository {
  const sessions = new Map<string, SessionRecord>();
  const sessionIdByHash = new Map<string, string>();
  const rotatedAtByHash = new Map<string, Date>();

  const copy = (s: SessionRecord) => structuredClone(s);

  function revokeInPlace(s: SessionRecord, reason: SessionRecord['revokeReason'], at: Date) {
    s.revokedAt = at;
    s.revokeReason = reason;
  }

  return {
    async create(session, events) {
      sessions.set(session.id, copy(session));
      sessionIdByHash.set(session.refreshHash, session.id);
      outbox.write(events);
    },
    async findById(id) {
      const s = sessions.get(id);
      return s ? copy(s) : null;
    },
    async findByRefreshHash(hash) {
      const session = sessions.get(sessionIdByHash.get(hash) ?? '');
      if (!session) return null;
      const rotatedAt = rotatedAtByHash.get(hash);
      return rotatedAt ? { state: 'rotated', session: copy(session), rotatedAt } : { state: 'current', session: copy(session) };
    },
    async rotate({ sessionId, fromHash, toHash, at, expiresAt, events }) {
      const s = sessions.get(sessionId);
      if (!s || s.refreshHash !== fromHash || !isSessionActive(s, at)) return null;
      s.refreshHash = toHash;
      s.rotatedAt = at;
      s.lastUsedAt = at;
      s.expiresAt = expiresAt;
      rotatedAtByHash.set(fromHash, at);
      sessionIdByHash.set(toHash, sessionId);
      outbox.write(events);
      return copy(s);
    },
    async revoke(sessionId, reason, at, events) {
      const s = sessions.get(sessionId);
      if (!s || !isSessionActive(s, at)) return null;
      revokeInPlace(s, reason, at);
      outbox.write(events(copy(s)));
      return copy(s);
    },
    async revokeAllForUser(userId, { exceptSessionId, reason, at }, events) {
      const revoked: SessionRecord[] = [];
      for (const s of sessions.values()) {
        if (s.userId !== userId || s.id === exceptSessionId || !isSessionActive(s, at)) continue;
        revokeInPlace(s, reason, at);
        revoked.push(copy(s));
      }
      outbox.write(revoked.flatMap(events));
      return revoked;
    },
    async listActive(userId, at) {
      return [...sessions.values()]
        .filter((s) => s.userId === userId && isSessionActive(s, at))
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id))
        .map(copy);
    },
    async listRevokedSince(since) {
      return [...sessions.values()].filter((s) => s.revokedAt && s.revokedAt >= since).map((s) => s.id);
    },
    async purgeEnded(before) {
      let purged = 0;
      for (const [id, s] of sessions) {
        const endedAt = s.revokedAt ?? (s.expiresAt <= before ? s.expiresAt : null);
        if (!endedAt || endedAt >= before) continue;
        sessions.delete(id);
        for (const [hash, sid] of sessionIdByHash)
          if (sid === id) {
            sessionIdByHash.delete(hash);
            rotatedAtByHash.delete(hash);
          }
        purged++;
      }
      return purged;
    },
  };
}
