import { setFlagsFromString } from 'node:v8';
import { PGlite, type PGliteOptions, type Transaction } from '@electric-sql/pglite';
import { SqlError, wakeEach, type SqlDatabase, type SqlExecutor, type SqlTransaction } from '../sql/database.ts';

type PgliteExecutor = Pick<Transaction, 'query' | 'exec'>;

/** Turns a PGlite DatabaseError into a SqlError; its own fields hold the query parameters. */
function toSqlError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null || !('severity' in error) || !('code' in error)) return error;
  const { message, code, constraint } = error as { message?: unknown; code: unknown; constraint?: unknown };
  return new SqlError(String(message), String(code), typeof constraint === 'string' ? constraint : null);
}

function executor(pg: PgliteExecutor): SqlExecutor {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []) {
      try {
        return (await pg.query<Row>(text, [...params])).rows;
      } catch (error) {
        throw toSqlError(error);
      }
    },
    async exec(text) {
      try {
        await pg.exec(text);
      } catch (error) {
        throw toSqlError(error);
      }
    },
  };
}

const settings = ['-c', 'shared_buffers=16MB'];

/**
 * PGlite's options for every embedded database. The Postgres settings go to initdb, which writes
 * them into a new directory's postgresql.conf, and to every start, so a directory made before them
 * gets them too. shared_buffers: the 128 MB that initdb picks is all touched at start inside
 * PGlite's WebAssembly heap, some 120 MiB resident while idle; a development database fits in 16.
 */
export const pgliteOptions = {
  initDbStartParams: settings,
  startParams: [...PGlite.defaultStartParams, ...settings],
} satisfies PGliteOptions;

/**
 * V8 recompiles a WebAssembly function with its optimizing compiler once the function has run
 * about 1.8 MB of code. Postgres runs much of its code once while it starts (and initdb more), so
 * that budget sends code that will not run again to the optimizer: about a second of CPU on other
 * threads, which on two cores slows the start itself. At 30 MB the code that serves queries is
 * still optimized, within the first thousand or so, and runs as fast from then on. Process-wide,
 * but only WebAssembly reads it, which here is PGlite alone; set before each PGlite instance starts.
 */
export function optimizeWasmLater(): void {
  setFlagsFromString('--wasm-tiering-budget=30000000');
}

/**
 * Opens embedded PostgreSQL (PGlite, WebAssembly): `location` is a directory, created and kept
 * across restarts, or `'memory'` for a database that lives as long as the process. Runs no
 * migrations (the composition root does).
 *
 * PGlite has one connection. Its own locks run one transaction at a time, and a statement on the
 * database waits while a transaction is open, so nothing interleaves with a transaction; the
 * price is that a transaction must use only its `tx` (see SqlDatabase.transaction).
 */
export async function createPgliteDatabase(location: string): Promise<SqlDatabase> {
  optimizeWasmLater();
  const pg = await PGlite.create(location === 'memory' ? 'memory://' : location, pgliteOptions);
  const listeners = new Map<string, Set<() => void>>();
  const direct = executor(pg);

  const signal = (channel: string) => wakeEach(listeners.get(channel) ?? []);

  return {
    ...direct,

    async transaction(fn) {
      const signalled = new Set<string>();
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        result = await pg.transaction((t) => {
          const tx: SqlTransaction = { ...executor(t), notify: (channel) => void signalled.add(channel) };
          return fn(tx);
        });
      } catch (error) {
        throw toSqlError(error); // also a COMMIT that turned into ROLLBACK
      }
      signalled.forEach(signal);
      return result;
    },

    listen(channel, listener) {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set.add(listener));
      return () => void set.delete(listener);
    },

    async close() {
      listeners.clear();
      if (!pg.closed) await pg.close();
    },
  };
}
