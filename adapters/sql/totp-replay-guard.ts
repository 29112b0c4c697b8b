import type { TotpReplayGuard } from '../../modules/mfa/mod.ts';
import type { SqlDatabase } from './database.ts';

/**
 * The last used step per account in `mfa_totp_used_steps`: one row per account that ever used a
 * code, kept (it is small) rather than expired. The conditional upsert is the guard: of two
 * claims of one step the second waits on the row the first wrote, then finds its step not newer.
 */
export function createSqlTotpReplayGuard({ db }: { db: SqlDatabase }): TotpReplayGuard {
  return {
    async claim(userId, step) {
      const rows = await db.query(
        `INSERT INTO mfa_totp_used_steps (user_id, step) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET step = EXCLUDED.step WHERE mfa_totp_used_steps.step < EXCLUDED.step
         RETURNING user_id`,
        [userId, step],
      );
      return rows.length > 0;
    },
  };
}
