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
  roles: string[];
  created_at: Date;
  updated_at: Date;
  last_login_at: Date | null;
}

const toRecord = (r: UserRow): UserRecord => ({
  id: r.id,
  email: r.email,
  displayName: r.display_name,
  passwordHash: r.password_hash,
  emailVerified: r.email_verified,
  status: r.status,
  roles: r.roles,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  lastLoginAt: r.last_login_at,
});

const columns = 'id, email, display_name, password_hash, email_verified, status, roles, created_at, updated_at, last_login_at';

/** `text` as a LIKE pattern matching it anywhere, its wildcards taken literally. */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

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
            `INSERT INTO users (id, email, email_canonical, display_name, password_hash, email_verified, status, roles, created_at, updated_at, last_login_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11)`,
            [
              user.id,
              user.email,
              canonicalEmail(user.email),
              user.displayName,
              user.passwordHash,
              user.emailVerified,
              user.status,
              JSON.stringify(user.roles),
              user.createdAt,
              user.updatedAt,
              user.lastLoginAt,
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
      const [row] = await db.query<UserRow>(`SELECT ${columns} FROM users WHERE id = $1`, [id]);
      return row ? toRecord(row) : null;
    },

    async findByEmail(email) {
      const [row] = await db.query<UserRow>(`SELECT ${columns} FROM users WHERE email_canonical = $1`, [canonicalEmail(email)]);
      return row ? toRecord(row) : null;
    },

    async update(id, changes, events) {
      // One static statement: a flag per column says whether `changes` carries it.
      const setName = changes.displayName !== undefined;
      const setHash = changes.passwordHash !== undefined;
      const setEmail = changes.email !== undefined;
      const setVerified = changes.emailVerified !== undefined;
      const setStatus = changes.status !== undefined;
      try {
        return await db.transaction(async (tx) => {
          const [row] = await tx.query<UserRow>(
            `UPDATE users SET
               display_name = CASE WHEN $2::boolean THEN $3::text ELSE display_name END,
               password_hash = CASE WHEN $4::boolean THEN $5::text ELSE password_hash END,
               email = CASE WHEN $6::boolean THEN $7::text ELSE email END,
               email_canonical = CASE WHEN $6::boolean THEN $8::text ELSE email_canonical END,
               email_verified = CASE WHEN $9::boolean THEN $10::boolean ELSE email_verified END,
               status = CASE WHEN $12::boolean THEN $13::text ELSE status END,
               updated_at = $11
             WHERE id = $1 RETURNING ${columns}`,
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
              setStatus,
              changes.status ?? null,
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

    async recordLogin(id, at) {
      const [row] = await db.query<UserRow>(`UPDATE users SET last_login_at = $2 WHERE id = $1 RETURNING ${columns}`, [id, at]);
      return row ? toRecord(row) : null;
    },

    async setRole(id, { role, granted, at }, events) {
      return db.transaction(async (tx) => {
        // The row lock orders concurrent role changes of the account: each reads the roles the one before wrote.
        const [row] = await tx.query<UserRow>(`SELECT ${columns} FROM users WHERE id = $1 FOR UPDATE`, [id]);
        if (!row) return null;
        const before = toRecord(row);
        const roles = granted ? [...new Set([...before.roles, role])] : before.roles.filter((r) => r !== role);
        if (roles.length === before.roles.length) return { user: before, changed: false };
        const [updated] = await tx.query<UserRow>(
          `UPDATE users SET roles = $2::jsonb, updated_at = $3 WHERE id = $1 RETURNING ${columns}`,
          [id, JSON.stringify(roles), at],
        );
        const user = toRecord(updated!);
        await insertOutboxEvents(tx, events(user));
        return { user, changed: true };
      });
    },

    async search({ query, after, limit }) {
      // lower() under "C" folds ASCII letters only, as foldAscii does; ids compare as bytes, as in memory.
      const rows = await db.query<UserRow>(
        `SELECT ${columns} FROM users
         WHERE (email_canonical LIKE $1 OR lower(display_name COLLATE "C") LIKE $1)
           AND ($2::timestamptz IS NULL OR created_at < $2 OR (created_at = $2 AND id COLLATE "C" < $3::text))
         ORDER BY created_at DESC, id COLLATE "C" DESC
         LIMIT $4`,
        [containing(query), after?.createdAt ?? null, after?.id ?? null, limit],
      );
      return rows.map(toRecord);
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
