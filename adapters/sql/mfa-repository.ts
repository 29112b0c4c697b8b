import type { MfaRepository, PasskeyRecord, TotpRecord } from '../../modules/mfa/mod.ts';
import type { SqlDatabase, SqlExecutor, SqlTransaction } from './database.ts';
import { insertOutboxEvents } from './outbox.ts';

interface TotpRow {
  id: string;
  user_id: string;
  secret: string;
  created_at: Date;
  enabled_at: Date | null;
}

interface PasskeyRow {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  counter: string | number | bigint;
  transports: string[];
  name: string;
  backed_up: boolean;
  created_at: Date;
  last_used_at: Date | null;
}

const toTotp = (r: TotpRow): TotpRecord => ({
  id: r.id,
  userId: r.user_id,
  secret: r.secret,
  createdAt: r.created_at,
  enabledAt: r.enabled_at,
});

const toPasskey = (r: PasskeyRow): PasskeyRecord => ({
  id: r.id,
  userId: r.user_id,
  credentialId: r.credential_id,
  publicKey: r.public_key,
  counter: Number(r.counter), // bigint: a 32-bit unsigned counter does not fit an integer column
  transports: r.transports,
  name: r.name,
  backedUp: r.backed_up,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

/**
 * Serialises the writes of one account's factors: whether the account has a factor left (and so
 * keeps its recovery codes) reads two tables, which READ COMMITTED alone would let two
 * transactions each judge without the other's change.
 */
const lockAccount = (tx: SqlTransaction, userId: string) =>
  tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('mfa:' || $1, 0))`, [userId]);

const hasFactor = `(EXISTS (SELECT 1 FROM mfa_totp WHERE user_id = $1 AND enabled_at IS NOT NULL)
  OR EXISTS (SELECT 1 FROM mfa_passkeys WHERE user_id = $1))`;

/** Drops the account's recovery codes once no factor is left for them to stand in for. */
const dropOrphanedCodes = (tx: SqlExecutor, userId: string) =>
  tx.query(`DELETE FROM mfa_recovery_codes WHERE user_id = $1 AND NOT ${hasFactor}`, [userId]);

async function replaceCodes(tx: SqlExecutor, userId: string, hashes: readonly string[]) {
  await tx.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
  await tx.query('INSERT INTO mfa_recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])', [userId, [...hashes]]);
}

/** Second factors in `mfa_totp`, `mfa_recovery_codes` and `mfa_passkeys`. */
export function createSqlMfaRepository({ db }: { db: SqlDatabase }): MfaRepository {
  return {
    async get(userId) {
      const [totp] = await db.query<TotpRow>('SELECT * FROM mfa_totp WHERE user_id = $1', [userId]);
      const passkeys = await db.query<PasskeyRow>('SELECT * FROM mfa_passkeys WHERE user_id = $1 ORDER BY created_at, id COLLATE "C"', [
        userId,
      ]);
      const codes = await db.query<{ code_hash: string; used_at: Date | null }>(
        'SELECT code_hash, used_at FROM mfa_recovery_codes WHERE user_id = $1 ORDER BY code_hash COLLATE "C"',
        [userId],
      );
      return {
        totp: totp ? toTotp(totp) : null,
        passkeys: passkeys.map(toPasskey),
        recoveryCodes: codes.map((c) => ({ hash: c.code_hash, usedAt: c.used_at })),
      };
    },

    async presence(userId) {
      const [row] = await db.query<{ totp: boolean; passkey: boolean; unused_recovery_code: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM mfa_totp WHERE user_id = $1 AND enabled_at IS NOT NULL) AS totp,
                EXISTS (SELECT 1 FROM mfa_passkeys WHERE user_id = $1) AS passkey,
                EXISTS (SELECT 1 FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL) AS unused_recovery_code`,
        [userId],
      );
      return { totp: row!.totp, passkey: row!.passkey, unusedRecoveryCode: row!.unused_recovery_code };
    },

    async startTotp(e) {
      const rows = await db.query(
        `INSERT INTO mfa_totp (user_id, id, secret, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET id = EXCLUDED.id, secret = EXCLUDED.secret, created_at = EXCLUDED.created_at
         WHERE mfa_totp.enabled_at IS NULL
         RETURNING user_id`,
        [e.userId, e.id, e.secret, e.createdAt],
      );
      return rows.length > 0;
    },

    async enableTotp({ userId, enrolmentId, at, recoveryCodeHashes }, events) {
      return db.transaction(async (tx) => {
        await lockAccount(tx, userId);
        const enabled = await tx.query(
          'UPDATE mfa_totp SET enabled_at = $3 WHERE user_id = $1 AND id = $2 AND enabled_at IS NULL RETURNING user_id',
          [userId, enrolmentId, at],
        );
        if (enabled.length === 0) return false;
        await replaceCodes(tx, userId, recoveryCodeHashes);
        await insertOutboxEvents(tx, events);
        return true;
      });
    },

    async removeTotp(userId, events) {
      return db.transaction(async (tx) => {
        await lockAccount(tx, userId);
        const [removed] = await tx.query<{ enabled_at: Date | null }>('DELETE FROM mfa_totp WHERE user_id = $1 RETURNING enabled_at', [
          userId,
        ]);
        await dropOrphanedCodes(tx, userId);
        if (!removed?.enabled_at) return false;
        await insertOutboxEvents(tx, events);
        return true;
      });
    },

    async replaceRecoveryCodes(userId, hashes, events) {
      return db.transaction(async (tx) => {
        await lockAccount(tx, userId);
        const [{ has } = { has: false }] = await tx.query<{ has: boolean }>(`SELECT ${hasFactor} AS has`, [userId]);
        if (!has) return false;
        await replaceCodes(tx, userId, hashes);
        await insertOutboxEvents(tx, events);
        return true;
      });
    },

    async useRecoveryCode(userId, hash, at) {
      const rows = await db.query(
        'UPDATE mfa_recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING user_id',
        [userId, hash, at],
      );
      return rows.length > 0;
    },

    async addPasskey(p, events) {
      return db.transaction(async (tx) => {
        await lockAccount(tx, p.userId);
        const rows = await tx.query(
          `INSERT INTO mfa_passkeys (id, user_id, credential_id, public_key, counter, transports, name, backed_up, created_at, last_used_at)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10)
           ON CONFLICT (credential_id) DO NOTHING RETURNING id`,
          [
            p.id,
            p.userId,
            p.credentialId,
            p.publicKey,
            p.counter,
            JSON.stringify(p.transports),
            p.name,
            p.backedUp,
            p.createdAt,
            p.lastUsedAt,
          ],
        );
        if (rows.length === 0) return false;
        await insertOutboxEvents(tx, events);
        return true;
      });
    },

    async findPasskey(credentialId) {
      const [row] = await db.query<PasskeyRow>('SELECT * FROM mfa_passkeys WHERE credential_id = $1', [credentialId]);
      return row ? toPasskey(row) : null;
    },

    async recordPasskeyUse(passkeyId, counter, at) {
      const rows = await db.query(
        `UPDATE mfa_passkeys SET counter = $2, last_used_at = $3
         WHERE id = $1 AND (counter < $2 OR (counter = 0 AND $2 = 0)) RETURNING id`,
        [passkeyId, counter, at],
      );
      return rows.length > 0;
    },

    async removePasskey(userId, passkeyId, events) {
      return db.transaction(async (tx) => {
        await lockAccount(tx, userId);
        const rows = await tx.query('DELETE FROM mfa_passkeys WHERE id = $1 AND user_id = $2 RETURNING id', [passkeyId, userId]);
        if (rows.length === 0) return false;
        await dropOrphanedCodes(tx, userId);
        await insertOutboxEvents(tx, events);
        return true;
      });
    },

    async removeAll(userId) {
      await db.transaction(async (tx) => {
        await lockAccount(tx, userId);
        for (const table of ['mfa_totp', 'mfa_passkeys', 'mfa_recovery_codes'])
          await tx.query(`DELETE FROM ${table} WHERE user_id = $1`, [userId]);
      });
    },
  };
}
