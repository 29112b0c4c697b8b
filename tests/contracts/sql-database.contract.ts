import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlError, type SqlDatabase, type SqlExecutor } from '../../adapters/sql/database.ts';
import { migrate, migrations } from '../../adapters/sql/migrations.ts';
import { UnavailableError } from '../../modules/kernel/mod.ts';
import { eventually, expectUnavailableWhileDown, itWhenStoreIsDown, recovered, timed, type StoreDown } from './support.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The SqlDatabase contract (adapters/sql/database.ts) and migrate(), for every driver.
 * `getDb` returns a migrated database; the suite works in a scratch table of its own, which
 * `storeDown.make` must see too (the same schema).
 */
export function describeSqlDatabaseContract(name: string, getDb: () => SqlDatabase, storeDown: StoreDown<() => SqlDatabase>) {
  describe(`SqlDatabase contract: ${name}`, () => {
    const table = `scratch_${crypto.randomUUID().replaceAll('-', '')}`;
    let db: SqlDatabase;
    beforeAll(async () => {
      db = getDb();
      await db.exec(`CREATE TABLE ${table} (id text PRIMARY KEY, at timestamptz, doc jsonb)`);
    });
    afterAll(async () => db.exec(`DROP TABLE ${table}`));

    it('query() binds parameters and returns timestamptz as Date and jsonb parsed', async () => {
      const at = new Date();
      const [row] = await db.query(`INSERT INTO ${table} VALUES ($1, $2, $3::jsonb) RETURNING *`, [
        'q1',
        at,
        JSON.stringify({ a: [1, 'b'] }),
      ]);
      expect(row).toEqual({ id: 'q1', at, doc: { a: [1, 'b'] } });
    });

    it('query() rejects with a SqlError carrying the SQLSTATE and constraint but not the parameters', async () => {
      const secret = 'secret-7f3a';
      await db.query(`INSERT INTO ${table} (id) VALUES ($1)`, [secret]);
      const error = await db.query(`INSERT INTO ${table} (id) VALUES ($1)`, [secret]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SqlError);
      expect(error).toMatchObject({ code: '23505', constraint: `${table}_pkey` });
      expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(secret);
    });

    it('transaction() commits what its function wrote when the function resolves', async () => {
      const result = await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${table} (id) VALUES ($1)`, ['t1']);
        return (await tx.query(`SELECT id FROM ${table} WHERE id = $1`, ['t1'])).length;
      });
      expect(result).toBe(1);
      expect(await db.query(`SELECT id FROM ${table} WHERE id = $1`, ['t1'])).toHaveLength(1);
    });

    it('transaction() rolls back and rethrows when its function rejects', async () => {
      const failure = new Error('changed my mind');
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${table} (id) VALUES ($1)`, ['t2']);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await db.query(`SELECT id FROM ${table} WHERE id = $1`, ['t2'])).toHaveLength(0);
    });

    it('a statement on the database never sees the writes of a transaction still open', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const open = db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${table} (id) VALUES ($1)`, ['t3']);
        await gate;
        throw new Error('roll back');
      });
      await sleep(10);
      const outside = db.query(`SELECT id FROM ${table} WHERE id = $1`, ['t3']);
      await sleep(10);
      release();
      await expect(open).rejects.toThrow('roll back');
      expect(await outside).toHaveLength(0);
    });

    it('notify() reaches listen() listeners after the commit, once per channel, and never on rollback', async () => {
      const heard: string[] = [];
      const stopA = db.listen('contract_a', () => heard.push('a'));
      const stopB = db.listen('contract_b', () => heard.push('b'));
      try {
        await db
          .transaction(async (tx) => {
            tx.notify('contract_a');
            throw new Error('roll back');
          })
          .catch(() => {});
        await db.transaction(async (tx) => {
          tx.notify('contract_a');
          tx.notify('contract_a');
          expect(heard).toEqual([]);
        });
        await eventually(() => heard.length > 0);
        await sleep(20);
        expect(heard).toEqual(['a']);
      } finally {
        stopA();
        stopB();
      }
      await db.transaction(async (tx) => tx.notify('contract_a'));
      await sleep(20);
      expect(heard).toEqual(['a']);
    });

    it('migrate() run again applies nothing and leaves every version recorded once', async () => {
      expect(await migrate(db)).toEqual([]);
      const rows = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
    });

    it('migrate() started by several processes at once applies a new version exactly once', async () => {
      const version = 900_000 + Math.floor(Math.random() * 99_999);
      const extra = { version, name: 'contract_extra', sql: `CREATE TABLE ${table}_extra (id int)` };
      try {
        const results = await Promise.all([1, 2, 3].map(() => migrate(db, [...migrations, extra])));
        expect(results.filter((applied) => applied.includes(version))).toHaveLength(1);
        expect(results.flat()).toEqual([version]);
      } finally {
        await db.exec(`DROP TABLE IF EXISTS ${table}_extra`);
        await db.query('DELETE FROM schema_migrations WHERE version = $1', [version]);
      }
    });

    itWhenStoreIsDown(
      'query(), exec() and transaction() reject with UnavailableError in time, write nothing, and work again once the server is back',
      storeDown,
      async (make, outage) => {
        const down = make();
        const id = (label: string) => `down-${label}`;
        const insert = (executor: SqlExecutor, label: string) => executor.query(`INSERT INTO ${table} (id) VALUES ($1)`, [id(label)]);
        await insert(down, 'before');
        await expectUnavailableWhileDown(
          outage,
          {
            query: () => insert(down, 'query'),
            exec: () => down.exec(`INSERT INTO ${table} (id) VALUES ('${id('exec')}')`),
            transaction: () => down.transaction((tx) => insert(tx, 'transaction')),
          },
          () => down.query('SELECT 1'),
        );
        // Gone between two statements: the first one's write must not commit either.
        const midway = await timed(() =>
          down.transaction(async (tx) => {
            await insert(tx, 'midway');
            outage.cut();
            await insert(tx, 'midway-2');
          }),
        );
        outage.restore();
        expect(midway.error).toBeInstanceOf(UnavailableError);
        expect(midway.ms).toBeLessThan(outage.failsWithinMs);
        await recovered(() => down.query('SELECT 1'));
        const rows = await down.query<{ id: string }>(`SELECT id FROM ${table} WHERE id LIKE 'down-%'`);
        expect(rows.map((r) => r.id)).toEqual([id('before')]);
      },
    );
  });
}
