import type { WebSessionRecord, WebSessionStore } from '../../modules/web/mod.ts';
import type { SqlDatabase } from './database.ts';

/**
 * Browser sessions in `web_sessions` (the monolith on PGlite or Postgres without Redis: they
 * survive a restart, and instances on one database share them); each set sweeps the expired ones.
 * A refresh claim is a row of `web_session_refresh_claims` that only an expired claim gives up.
 */
export function createSqlWebSessionStore({ db }: { db: SqlDatabase }): WebSessionStore {
  return {
    async get(key) {
      const [row] = await db.query<{ record: WebSessionRecord }>('SELECT record FROM web_sessions WHERE key = $1 AND expires_at > $2', [
        key,
        new Date(),
      ]);
      return row?.record ?? null;
    },
    async set(key, record, ttlSeconds) {
      const now = new Date();
      await db.query(
        `WITH swept AS (DELETE FROM web_sessions WHERE expires_at <= $4 AND key <> $1)
         INSERT INTO web_sessions (key, record, expires_at) VALUES ($1, $2::jsonb, $3)
         ON CONFLICT (key) DO UPDATE SET record = excluded.record, expires_at = excluded.expires_at`,
        [key, JSON.stringify(record), new Date(now.getTime() + ttlSeconds * 1000), now],
      );
    },
    async delete(key) {
      await db.query('DELETE FROM web_sessions WHERE key = $1', [key]);
    },
    async claimRefresh(key, ttlMs) {
      const now = new Date();
      // Of racing inserts, one writes the row; the others' updates find a claim still running and change nothing.
      const rows = await db.query(
        `INSERT INTO web_session_refresh_claims (key, until) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET until = excluded.until WHERE web_session_refresh_claims.until <= $3
         RETURNING key`,
        [key, new Date(now.getTime() + ttlMs), now],
      );
      return rows.length === 1;
    },
    async releaseRefresh(key) {
      await db.query('DELETE FROM web_session_refresh_claims WHERE key = $1', [key]);
    },
  };
}
