import { canonicalEmail, EmailTakenError, type UserRecord, type UserRepository } from '../../modules/user/mod.ts';
import { isUniqueViolation, type SqlDatabase } from './database.ts';
import { insertOutboxEvents } from './outbox.ts';

interface UserRow {
  id: string;
  email: string;
  display_name: string | null;
  password_hash: string;
  email_verified: boolean;
  status: UserRecord['status'];
  created_at: Date;
  updated_at: Date;
}

const toRecord = (r: UserRow): UserRecord => ({
  id: r.id,
  email: r.email,
  displayName: r.display_name,
  passwordHash: r.password_hash,
  emailVerified: r.email_verified,
  status: r.status,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * Accounts in the `users` table. `email_canonical` holds canonicalEmail(email), computed here and
 * never by SQL (whose lower() folds non-ASCII letters its own way); its unique index decides racing
 * registrations.
 */
export function createSqlUserRepository({ db }: { db: SqlDatabase }): UserRepository {
  return {
    async create(user, events) {
      try {
        await db.transaction(async (tx) => {
          await tx.query(
            `INSERT INTO users (id, email, email_canonical, display_name, password_hash, email_verified, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
            [
              user.id,
              user.email,
              canonicalEmail(user.email),
              user.displayName,
              user.passwordHash,
              user.emailVerified,
              user.status,
              user.createdAt,
              user.updatedAt,
            ],
          );
          await insertOutboxEvents(tx, events);
        });
      } catch (error) {
        if (isUniqueViolation(error, 'users_email_canonical_key')) throw new EmailTakenError();
        throw error;
      }
    },

    async findById(id) {
      const [row] = await db.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
      return row ? toRecord(row) : null;
    },

    async findByEmail(email) {
      const [row] = await db.query<UserRow>('SELECT * FROM users WHERE email_canonical = $1', [canonicalEmail(email)]);
      return row ? toRecord(row) : null;
    },

    async update(id, changes, events) {
      // One static statement: a flag per column says whether `changes` carries it.
      const setName = changes.displayName !== undefined;
      const setHash = changes.passwordHash !== undefined;
      const setEmail = changes.email !== undefined;
      const setVerified = changes.emailVerified !== undefined;
      try {
        return await db.transaction(async (tx) => {
          const [row] = await tx.query<UserRow>(
            `UPDATE users SET
               display_name = CASE WHEN $2::boolean THEN $3::text ELSE display_name END,
               password_hash = CASE WHEN $4::boolean THEN $5::text ELSE password_hash END,
               email = CASE WHEN $6::boolean THEN $7::text ELSE email END,
               email_canonical = CASE WHEN $6::boolean THEN $8::text ELSE email_canonical END,
               email_verified = CASE WHEN $9::boolean THEN $10::boolean ELSE email_verified END,
               updated_at = $11
             WHERE id = $1 RETURNING *`,
            [
              id,
              setName,
              changes.displayName ?? null,
              setHash,
              changes.passwordHash ?? null,
              setEmail,
              changes.email ?? null,
              setEmail ? canonicalEmail(changes.email!) : null,
              setVerified,
              changes.emailVerified ?? null,
              changes.updatedAt,
            ],
          );
          if (!row) return null;
          await insertOutboxEvents(tx, events);
          return toRecord(row);
        });
      } catch (error) {
        if (isUniqueViolation(error, 'users_email_canonical_key')) throw new EmailTakenError();
        throw error;
      }
    },

    async delete(id, events) {
      return db.transaction(async (tx) => {
        const rows = await tx.query('DELETE FROM users WHERE id = $1 RETURNING id', [id]);
        if (rows.length === 0) return false;
        await insertOutboxEvents(tx, events);
        return true;
      });
    },
  };
}
