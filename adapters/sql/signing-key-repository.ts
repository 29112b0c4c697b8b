import type { SigningKeyRecord, SigningKeyRepository } from '../../modules/auth/mod.ts';
import type { SqlDatabase, SqlExecutor } from './database.ts';

interface SigningKeyRow {
  kid: string;
  private_jwk: Record<string, unknown>;
  public_jwk: Record<string, unknown>;
  created_at: Date;
  activates_at: Date;
}

const toRecord = (r: SigningKeyRow): SigningKeyRecord => ({
  kid: r.kid,
  privateJwk: r.private_jwk,
  publicJwk: r.public_jwk,
  createdAt: r.created_at,
  activatesAt: r.activates_at,
});

/** Advisory lock key serialising ensure() across processes sharing one database. */
const ENSURE_LOCK_KEY = 7_361_920_115;

const newestFirst = 'SELECT kid, private_jwk, public_jwk, created_at, activates_at FROM signing_keys ORDER BY activates_at DESC, kid DESC';

const insertColumns = 'kid, private_jwk, public_jwk, created_at, activates_at';
const insertValues = (k: SigningKeyRecord) => [
  k.kid,
  JSON.stringify(k.privateJwk),
  JSON.stringify(k.publicJwk),
  k.createdAt,
  k.activatesAt,
];

async function newest(db: SqlExecutor): Promise<SigningKeyRecord> {
  const [row] = await db.query<SigningKeyRow>(`${newestFirst} LIMIT 1`);
  if (!row) throw new Error('signing_keys is empty right after a write');
  return toRecord(row);
}

/** Ed25519 signing keys in `signing_keys`. */
export function createSqlSigningKeyRepository({ db }: { db: SqlDatabase }): SigningKeyRepository {
  return {
    async ensure(candidate) {
      return db.transaction(async (tx) => {
        // Under READ COMMITTED two transactions could both see an empty table and both insert;
        // the lock makes the second one wait, and its next statement then sees the first key.
        await tx.query(`SELECT pg_advisory_xact_lock(${ENSURE_LOCK_KEY})`);
        await tx.query(
          `INSERT INTO signing_keys (${insertColumns})
           SELECT $1, $2::jsonb, $3::jsonb, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM signing_keys)`,
          insertValues(candidate),
        );
        return newest(tx);
      });
    },

    async list() {
      return (await db.query<SigningKeyRow>(newestFirst)).map(toRecord);
    },

    async rotate(currentKid, candidate) {
      // The unique previous_kid is the race guard: a second rotation of the same key waits for
      // the first to commit, then does nothing; the next statement sees the winner.
      await db.query(
        `INSERT INTO signing_keys (${insertColumns}, previous_kid)
         SELECT $1, $2::jsonb, $3::jsonb, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM signing_keys WHERE kid = $6)
         ON CONFLICT (previous_kid) DO NOTHING`,
        [...insertValues(candidate), currentKid],
      );
      return newest(db);
    },

    async remove(kids) {
      if (kids.length > 0) await db.query('DELETE FROM signing_keys WHERE kid = ANY($1::text[])', [[...kids]]);
    },
  };
}
