import type { SessionRecord, SessionRepository } from '../../modules/session/mod.ts';
import { queryCount, type SqlDatabase } from './database.ts';
import { insertOutboxEvents } from './outbox.ts';

interface SessionRow {
  id: string;
  user_id: string;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
  user_agent: string | null;
  ip: string | null;
  revoked_at: Date | null;
  revoke_reason: string | null;
  refresh_hash: string;
  rotation_key: string;
  rotated_at: Date;
  amr: string[];
}

const toRecord = (r: SessionRow): SessionRecord => ({
  id: r.id,
  userId: r.user_id,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  expiresAt: r.expires_at,
  userAgent: r.user_agent,
  ip: r.ip,
  revokedAt: r.revoked_at,
  revokeReason: r.revoke_reason,
  refreshHash: r.refresh_hash,
  rotationKey: r.rotation_key,
  rotatedAt: r.rotated_at,
  amr: r.amr,
});

const columns = `id, user_id, created_at, last_used_at, expires_at, user_agent, ip, revoked_at, revoke_reason,
  refresh_hash, rotation_key, rotated_at, amr`;

/**
 * Sessions in SQL. Every state change is one conditional UPDATE … RETURNING, so the database
 * decides races: of concurrent callers, only the one whose UPDATE matched gets a row.
 */
export function createSqlSessionRepository({ db }: { db: SqlDatabase }): SessionRepository {
  return {
    async create(s, events) {
      await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO sessions (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb)`, [
          s.id,
          s.userId,
          s.createdAt,
          s.lastUsedAt,
          s.expiresAt,
          s.userAgent,
          s.ip,
          s.revokedAt,
          s.revokeReason,
          s.refreshHash,
          s.rotationKey,
          s.rotatedAt,
          JSON.stringify(s.amr),
        ]);
        await insertOutboxEvents(tx, events);
      });
    },

    async findById(id) {
      const [row] = await db.query<SessionRow>(`SELECT ${columns} FROM sessions WHERE id = $1`, [id]);
      return row ? toRecord(row) : null;
    },

    async findByRefreshHash(hash) {
      // One statement, one snapshot: a rotation committing in between cannot hide the hash from both halves.
      const [row] = await db.query<SessionRow & { hash_rotated_at: Date | null }>(
        `SELECT ${columns}, NULL::timestamptz AS hash_rotated_at FROM sessions WHERE refresh_hash = $1
         UNION ALL
         SELECT s.id, s.user_id, s.created_at, s.last_used_at, s.expires_at, s.user_agent, s.ip, s.revoked_at,
           s.revoke_reason, s.refresh_hash, s.rotation_key, s.rotated_at, s.amr, r.rotated_at
         FROM session_rotated_hashes r JOIN sessions s ON s.id = r.session_id WHERE r.hash = $1
         LIMIT 1`,
        [hash],
      );
      if (!row) return null;
      const session = toRecord(row);
      return row.hash_rotated_at ? { state: 'rotated', session, rotatedAt: row.hash_rotated_at } : { state: 'current', session };
    },

    async rotate({ sessionId, fromHash, toHash, at, expiresAt, events }) {
      return db.transaction(async (tx) => {
        const [row] = await tx.query<SessionRow>(
          `UPDATE sessions SET refresh_hash = $3, rotated_at = $4, last_used_at = $4, expires_at = $5
           WHERE id = $1 AND refresh_hash = $2 AND revoked_at IS NULL AND expires_at > $4
           RETURNING ${columns}`,
          [sessionId, fromHash, toHash, at, expiresAt],
        );
        if (!row) return null;
        await tx.query('INSERT INTO session_rotated_hashes (hash, session_id, rotated_at) VALUES ($1, $2, $3)', [fromHash, sessionId, at]);
        await insertOutboxEvents(tx, events);
        return toRecord(row);
      });
    },

    async revoke(sessionId, reason, at, events) {
      return db.transaction(async (tx) => {
        const [row] = await tx.query<SessionRow>(
          `UPDATE sessions SET revoked_at = $3, revoke_reason = $2
           WHERE id = $1 AND revoked_at IS NULL AND expires_at > $3
           RETURNING ${columns}`,
          [sessionId, reason, at],
        );
        if (!row) return null;
        const revoked = toRecord(row);
        await insertOutboxEvents(tx, events(revoked));
        return revoked;
      });
    },

    async revokeAllForUser(userId, { exceptSessionId, reason, at }, events) {
      return db.transaction(async (tx) => {
        const rows = await tx.query<SessionRow>(
          `UPDATE sessions SET revoked_at = $4, revoke_reason = $3
           WHERE user_id = $1 AND ($2::text IS NULL OR id <> $2::text) AND revoked_at IS NULL AND expires_at > $4
           RETURNING ${columns}`,
          [userId, exceptSessionId ?? null, reason, at],
        );
        const revoked = rows.map(toRecord);
        await insertOutboxEvents(tx, revoked.flatMap(events));
        return revoked;
      });
    },

    async listActive(userId, at) {
      const rows = await db.query<SessionRow>(
        `SELECT ${columns} FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2
         ORDER BY created_at DESC, id DESC`,
        [userId, at],
      );
      return rows.map(toRecord);
    },

    async listRevokedSince(since) {
      const rows = await db.query<{ id: string }>('SELECT id FROM sessions WHERE revoked_at >= $1', [since]);
      return rows.map((r) => r.id);
    },

    async purgeEnded(before) {
      // A session ends when revoked or, if never revoked, when it expires; its rotated hashes cascade.
      return queryCount(
        db,
        `WITH purged AS (DELETE FROM sessions WHERE coalesce(revoked_at, expires_at) < $1 RETURNING 1)
         SELECT count(*)::int AS count FROM purged`,
        [before],
      );
    },
  };
}
