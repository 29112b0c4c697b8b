import type { AccountTokenRecord, AccountTokenRepository } from '../../modules/user/mod.ts';
import type { SqlDatabase } from './database.ts';

interface TokenRow {
  user_id: string;
  kind: AccountTokenRecord['kind'];
  token_hash: string;
  email: string;
  created_at: Date;
  expires_at: Date;
}

const toRecord = (r: TokenRow): AccountTokenRecord => ({
  userId: r.user_id,
  kind: r.kind,
  hash: r.token_hash,
  email: r.email,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

/**
 * Account tokens in `account_tokens`, one row per user and kind. Issuing is an upsert on that
 * key and spending a DELETE … RETURNING, so each is one atomic statement.
 */
export function createSqlAccountTokenRepository({ db }: { db: SqlDatabase }): AccountTokenRepository {
  return {
    async issue(token) {
      await db.query(
        `INSERT INTO account_tokens (user_id, kind, token_hash, email, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id, kind) DO UPDATE SET
           token_hash = EXCLUDED.token_hash, email = EXCLUDED.email,
           created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at`,
        [token.userId, token.kind, token.hash, token.email, token.createdAt, token.expiresAt],
      );
    },

    async consume(hash, kind, at) {
      const [row] = await db.query<TokenRow>(
        'DELETE FROM account_tokens WHERE token_hash = $1 AND kind = $2 AND expires_at > $3 RETURNING *',
        [hash, kind, at],
      );
      return row ? toRecord(row) : null;
    },

    async find(hash, kind, at) {
      const [row] = await db.query<TokenRow>('SELECT * FROM account_tokens WHERE token_hash = $1 AND kind = $2 AND expires_at > $3', [
        hash,
        kind,
        at,
      ]);
      return row ? toRecord(row) : null;
    },

    async deleteByUser(userId) {
      await db.query('DELETE FROM account_tokens WHERE user_id = $1', [userId]);
    },
  };
}
