import type { SigningKeyRecord, SigningKeyRepository } from '../../modules/auth/mod.ts';
import type { SqlDatabase } from './database.ts';

interface SigningKeyRow {
  kid: string;
  private_jwk: Record<string, unknown>;
  public_jwk: Record<string, unknown>;
  created_at: Date;
}

const toRecord = (r: SigningKeyRow): SigningKeyRecord => ({
  kid: r.kid,
  privateJwk: r.private_jwk,
  publicJwk: r.public_jwk,
  createdAt: r.created_at,
});

/** Advisory lock key serialising ensure() across processes sharing one database. */
const ENSURE_LOCK_KEY = 7_361_920_115;

const newestFirst = 'SELECT kid, private_jwk, public_jwk, created_at FROM signing_keys ORDER BY created_at DESC, kid DESC';

/** Ed25519 signing keys in `signing_keys`. */
export function createSqlSigningKeyRepository({ db }: { db: SqlDatabase }): SigningKeyRepository {
  return {
    async ensure(candidate) {
      return db.transaction(async (tx) => {
        // Under READ COMMITTED two transactions could both see an empty table and both insert;
        // the lock makes the second one wait, and its next statement then sees the first key.
        await tx.query(`SELECT pg_advisory_xact_lock(${ENSURE_LOCK_KEY})`);
        await tx.query(
          `INSERT INTO signing_keys (kid, private_jwk, public_jwk, created_at)
           SELECT $1, $2::jsonb, $3::jsonb, $4 WHERE NOT EXISTS (SELECT 1 FROM signing_keys)`,
          [candidate.kid, JSON.stringify(candidate.privateJwk), JSON.stringify(candidate.publicJwk), candidate.createdAt],
        );
        const [newest] = await tx.query<SigningKeyRow>(`${newestFirst} LIMIT 1`);
        if (!newest) throw new Error('signing_keys is empty right after ensure()');
        return toRecord(newest);
      });
    },

    async list() {
      return (await db.query<SigningKeyRow>(newestFirst)).map(toRecord);
    },
  };
}
