import type { AuditedEventType, AuditEntry, AuditRepository } from '../../modules/audit/mod.ts';
import { queryCount, type SqlDatabase } from './database.ts';

interface AuditRow {
  id: string;
  user_id: string;
  type: AuditedEventType; // written only from an AuditEntry
  time: Date;
  session_id: string | null;
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
}

const toEntry = (r: AuditRow): AuditEntry => ({
  id: r.id,
  userId: r.user_id,
  type: r.type,
  time: r.time,
  sessionId: r.session_id,
  actorId: r.actor_id,
  ip: r.ip,
  userAgent: r.user_agent,
});

const columns = 'id, user_id, type, time, session_id, actor_id, ip, user_agent';

/** The security activity log in `audit_entries`, keyed by event id. */
export function createSqlAuditRepository({ db }: { db: SqlDatabase }): AuditRepository {
  return {
    async record(e) {
      // Events arrive at least once: a redelivered event keeps the first row.
      await db.query(
        `INSERT INTO audit_entries (id, user_id, type, time, session_id, actor_id, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
        [e.id, e.userId, e.type, e.time, e.sessionId, e.actorId, e.ip, e.userAgent],
      );
    },

    async listByUser(userId, limit) {
      const rows = await db.query<AuditRow>(
        `SELECT ${columns} FROM audit_entries WHERE user_id = $1 ORDER BY time DESC, id DESC LIMIT $2`,
        [userId, limit],
      );
      return rows.map(toEntry);
    },

    async search({ userId, type, limit }) {
      // Only the filters given, so each can use its index (a `$n IS NULL OR …` test hides them from the planner).
      const params: unknown[] = [limit];
      const where: string[] = [];
      if (userId !== undefined) where.push(`user_id = $${params.push(userId)}`);
      if (type !== undefined) where.push(`type = $${params.push(type)}`);
      const rows = await db.query<AuditRow>(
        `SELECT ${columns} FROM audit_entries ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY time DESC, id DESC LIMIT $1`,
        params,
      );
      return rows.map(toEntry);
    },

    async deleteByUser(userId) {
      return queryCount(
        db,
        `WITH deleted AS (DELETE FROM audit_entries WHERE user_id = $1 RETURNING 1)
         SELECT count(*)::int AS count FROM deleted`,
        [userId],
      );
    },
  };
}
