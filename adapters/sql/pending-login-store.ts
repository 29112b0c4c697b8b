import type { PendingLogin, PendingLoginStore } from '../../modules/auth/mod.ts';
import type { SqlDatabase } from './database.ts';

interface Row {
  token_hash: string;
  user_id: string;
  client_hash: string;
  failures: number;
  expires_at: Date;
}

const toLogin = (r: Row): PendingLogin => ({
  tokenHash: r.token_hash,
  userId: r.user_id,
  clientHash: r.client_hash,
  failures: Number(r.failures),
  expiresAt: r.expires_at,
});

/** Logins waiting for a second step in `pending_logins`; each put sweeps the expired ones (logins never finished). */
export function createSqlPendingLoginStore({ db }: { db: SqlDatabase }): PendingLoginStore {
  return {
    async put(l) {
      await db.query(
        `WITH swept AS (DELETE FROM pending_logins WHERE expires_at <= $6)
         INSERT INTO pending_logins (token_hash, user_id, client_hash, failures, expires_at) VALUES ($1, $2, $3, $4, $5)`,
        [l.tokenHash, l.userId, l.clientHash, l.failures, l.expiresAt, new Date()],
      );
    },
    async find(tokenHash, at) {
      const [row] = await db.query<Row>('SELECT * FROM pending_logins WHERE token_hash = $1 AND expires_at > $2', [tokenHash, at]);
      return row ? toLogin(row) : null;
    },
    async take(tokenHash, at) {
      // DELETE … RETURNING: of racing takes, the row goes to the one whose delete found it.
      const [row] = await db.query<Row>('DELETE FROM pending_logins WHERE token_hash = $1 RETURNING *', [tokenHash]);
      return row && row.expires_at > at ? toLogin(row) : null;
    },
    async fail(tokenHash, limit, at) {
      // The update's row lock orders concurrent failures, each counted once; the one that reaches
      // the limit deletes the row in the same transaction.
      return db.transaction(async (tx) => {
        const [row] = await tx.query<{ failures: number }>(
          'UPDATE pending_logins SET failures = failures + 1 WHERE token_hash = $1 AND expires_at > $2 RETURNING failures',
          [tokenHash, at],
        );
        if (!row) return null;
        if (Number(row.failures) >= limit) await tx.query('DELETE FROM pending_logins WHERE token_hash = $1', [tokenHash]);
        return Number(row.failures);
      });
    },
    async removeAllOf(userId) {
      // No index on user_id: the table holds only the last 5 minutes' unfinished logins.
      await db.query('DELETE FROM pending_logins WHERE user_id = $1', [userId]);
    },
  };
}
