import type { ChallengeRecord, WebAuthnChallengeStore } from '../../modules/mfa/mod.ts';
import type { SqlDatabase } from './database.ts';

/** WebAuthn challenges in `webauthn_challenges`; each put sweeps the expired ones (ceremonies never finished). */
export function createSqlWebAuthnChallengeStore({ db }: { db: SqlDatabase }): WebAuthnChallengeStore {
  return {
    async put(r) {
      await db.query(
        `WITH swept AS (DELETE FROM webauthn_challenges WHERE expires_at <= $5)
         INSERT INTO webauthn_challenges (challenge, purpose, user_id, expires_at) VALUES ($1, $2, $3, $4)`,
        [r.challenge, r.purpose, r.userId, r.expiresAt, new Date()],
      );
    },
    async take(challenge, at) {
      // DELETE … RETURNING: of racing takes, the row goes to the one whose delete found it.
      const [row] = await db.query<{ challenge: string; purpose: ChallengeRecord['purpose']; user_id: string | null; expires_at: Date }>(
        'DELETE FROM webauthn_challenges WHERE challenge = $1 RETURNING *',
        [challenge],
      );
      if (!row || row.expires_at <= at) return null;
      return { challenge: row.challenge, purpose: row.purpose, userId: row.user_id, expiresAt: row.expires_at };
    },
  };
}
