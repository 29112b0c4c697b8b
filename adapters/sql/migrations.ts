import type { SqlDatabase } from './database.ts';

/** One schema change. Versions only grow; an applied migration is never edited, only followed. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The schema, in plain PostgreSQL (15+) so PGlite and Postgres run the same text. Tables of one
 * module are never referenced by another's (a module owns its state), so there are no foreign
 * keys across modules: sessions.user_id is not a reference to users.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'outbox',
    sql: `
      CREATE TABLE outbox (
        id uuid PRIMARY KEY,
        -- Orders events written by one transaction, whose created_at is the same.
        seq bigint GENERATED ALWAYS AS IDENTITY,
        event jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      );
      CREATE INDEX outbox_unsent_idx ON outbox (seq) WHERE sent_at IS NULL;
      CREATE INDEX outbox_sent_at_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;
    `,
  },
  {
    version: 2,
    name: 'users',
    sql: `
      CREATE TABLE users (
        id text PRIMARY KEY,
        email text NOT NULL,
        display_name text,
        password_hash text NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'disabled')),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
    `,
  },
  {
    version: 3,
    name: 'sessions',
    sql: `
      CREATE TABLE sessions (
        id text PRIMARY KEY,
        user_id text NOT NULL,
        created_at timestamptz NOT NULL,
        last_used_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        user_agent text,
        ip text,
        revoked_at timestamptz,
        revoke_reason text,
        refresh_hash text NOT NULL,
        rotation_key text NOT NULL,
        rotated_at timestamptz NOT NULL
      );
      CREATE UNIQUE INDEX sessions_refresh_hash_key ON sessions (refresh_hash);
      CREATE INDEX sessions_user_idx ON sessions (user_id, created_at DESC);
      CREATE INDEX sessions_revoked_at_idx ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
      CREATE INDEX sessions_ended_at_idx ON sessions ((coalesce(revoked_at, expires_at)));
      -- Hashes a session's family has rotated away, kept to detect a replayed refresh token.
      CREATE TABLE session_rotated_hashes (
        hash text PRIMARY KEY,
        session_id text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        rotated_at timestamptz NOT NULL
      );
      CREATE INDEX session_rotated_hashes_session_idx ON session_rotated_hashes (session_id);
    `,
  },
  {
    version: 4,
    name: 'audit_entries',
    sql: `
      CREATE TABLE audit_entries (
        -- The event id; byte order ("C") so ties sort the same on every host and in memory.
        id text COLLATE "C" PRIMARY KEY,
        user_id text NOT NULL,
        type text NOT NULL,
        time timestamptz NOT NULL,
        session_id text,
        ip text,
        user_agent text
      );
      CREATE INDEX audit_entries_user_time_idx ON audit_entries (user_id, time DESC, id DESC);
    `,
  },
  {
    version: 5,
    name: 'signing_keys',
    sql: `
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        private_jwk jsonb NOT NULL,
        public_jwk jsonb NOT NULL,
        created_at timestamptz NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: 'users_email_canonical',
    // Accounts are matched by canonicalEmail (modules/user/domain.ts), which folds ASCII letters
    // only. lower() under the "C" collation folds exactly those, so existing rows get the same key.
    sql: `
      ALTER TABLE users ADD COLUMN email_canonical text;
      UPDATE users SET email_canonical = lower(btrim(email) COLLATE "C");
      ALTER TABLE users ALTER COLUMN email_canonical SET NOT NULL;
      DROP INDEX users_email_lower_key;
      CREATE UNIQUE INDEX users_email_canonical_key ON users (email_canonical);
    `,
  },
  {
    version: 7,
    name: 'signing_key_rotation',
    sql: `
      -- A key signs from activates_at on; keys stored before rotation existed signed from creation.
      ALTER TABLE signing_keys ADD COLUMN activates_at timestamptz;
      UPDATE signing_keys SET activates_at = created_at;
      ALTER TABLE signing_keys ALTER COLUMN activates_at SET NOT NULL;
      -- The key a rotation replaced: unique, so of processes rotating the same key exactly one
      -- stores a successor. NULL for a first key (ensure() serialises those with a lock).
      ALTER TABLE signing_keys ADD COLUMN previous_kid text UNIQUE;
    `,
  },
  {
    version: 8,
    name: 'account_lifecycle',
    sql: `
      ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL DEFAULT false;
      -- Single-use tokens by hash; one per user and kind, so issuing a newer one voids the older
      -- (an upsert: racing issues leave exactly one).
      CREATE TABLE account_tokens (
        user_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('email_verification', 'password_reset', 'email_change')),
        token_hash text NOT NULL UNIQUE,
        email text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (user_id, kind)
      );
    `,
  },
  {
    version: 9,
    name: 'admin',
    sql: `
      -- Each account's roles and last login; disabling uses status (version 2).
      ALTER TABLE users ADD COLUMN roles jsonb NOT NULL DEFAULT '[]';
      ALTER TABLE users ADD COLUMN last_login_at timestamptz;
      -- The admin search pages newest first by (created_at, id), ids in byte order as in memory.
      CREATE INDEX users_created_idx ON users (created_at DESC, id COLLATE "C" DESC);
      -- How each session's login authenticated (RFC 8176); every session before was a password login.
      ALTER TABLE sessions ADD COLUMN amr jsonb NOT NULL DEFAULT '["pwd"]';
      -- Who did an admin action; the cross-user audit query reads newest first, optionally by type.
      ALTER TABLE audit_entries ADD COLUMN actor_id text;
      CREATE INDEX audit_entries_time_idx ON audit_entries (time DESC, id DESC);
      CREATE INDEX audit_entries_type_time_idx ON audit_entries (type, time DESC, id DESC);
    `,
  },
  {
    version: 10,
    name: 'second_factors',
    // Owned by the mfa module.
    sql: `
      -- One TOTP enrolment per account: pending until enabled_at. Its id names the enrolment, so a
      -- confirmation cannot enable one that replaced the enrolment it was checked against. The
      -- secret is base32, or sealed with SIGNING_KEY_ENCRYPTION_KEY when that is set.
      CREATE TABLE mfa_totp (
        user_id text PRIMARY KEY,
        id text NOT NULL,
        secret text NOT NULL,
        created_at timestamptz NOT NULL,
        enabled_at timestamptz
      );
      CREATE TABLE mfa_recovery_codes (
        user_id text NOT NULL,
        code_hash text NOT NULL,
        used_at timestamptz,
        PRIMARY KEY (user_id, code_hash)
      );
      -- A credential belongs to one account: the unique credential_id refuses registering it twice.
      CREATE TABLE mfa_passkeys (
        id text PRIMARY KEY,
        user_id text NOT NULL,
        credential_id text NOT NULL UNIQUE,
        public_key text NOT NULL,
        counter bigint NOT NULL,
        transports jsonb NOT NULL,
        name text NOT NULL,
        backed_up boolean NOT NULL,
        created_at timestamptz NOT NULL,
        last_used_at timestamptz
      );
      CREATE INDEX mfa_passkeys_user_idx ON mfa_passkeys (user_id, created_at);
      -- The replay guard: the last TOTP step each account has used.
      CREATE TABLE mfa_totp_used_steps (
        user_id text PRIMARY KEY,
        step bigint NOT NULL
      );
      CREATE TABLE webauthn_challenges (
        challenge text PRIMARY KEY,
        purpose text NOT NULL CHECK (purpose IN ('registration', 'authentication')),
        user_id text,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX webauthn_challenges_expires_idx ON webauthn_challenges (expires_at);
    `,
  },
  {
    version: 11,
    name: 'pending_logins',
    sql: `
      -- Logins waiting for their second step (the auth module's), by the SHA-256 of their mfaToken.
      CREATE TABLE pending_logins (
        token_hash text PRIMARY KEY,
        user_id text NOT NULL,
        client_hash text NOT NULL,
        failures integer NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX pending_logins_expires_idx ON pending_logins (expires_at);
    `,
  },
  {
    version: 12,
    name: 'web_sessions',
    sql: `
      -- Browser sessions of the web app (the gateway's), by the SHA-256 of their cookie's id.
      CREATE TABLE web_sessions (
        key text PRIMARY KEY,
        record jsonb NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX web_sessions_expires_idx ON web_sessions (expires_at);
      -- Who is refreshing a browser session's tokens, until when (one at a time: refresh tokens are single use).
      CREATE TABLE web_session_refresh_claims (
        key text PRIMARY KEY,
        until timestamptz NOT NULL
      );
    `,
  },
];

/** Advisory lock key serialising migration runs across processes sharing one database. */
const MIGRATION_LOCK_KEY = 7_361_920_114;

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in version order, in one
 * transaction: all of them or none. Holds a transaction-scoped advisory lock, so processes
 * starting together apply each version once; the later ones find it recorded and do nothing.
 * Returns the versions it applied.
 */
export async function migrate(db: SqlDatabase, list: readonly Migration[] = migrations): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    // Created under the lock: two racing CREATE TABLE IF NOT EXISTS can still collide in Postgres.
    await tx.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )
    `);
    const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    const pending = [...list].filter((m) => !applied.has(m.version)).sort((a, b) => a.version - b.version);
    for (const migration of pending) {
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    return pending.map((m) => m.version);
  });
}
