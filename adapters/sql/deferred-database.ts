import { UnavailableError } from '../../modules/kernel/mod.ts';
import type { SqlDatabase } from './database.ts';

/** A SqlDatabase whose connection is opened later (in the background), and the call that supplies it. */
export interface DeferredDatabase extends SqlDatabase {
  /** Hands over the opened database: calls go to it from now on. Closed at once if this one already is. */
  open(db: SqlDatabase): Promise<void>;
}

/**
 * Stands in for a database that is not open yet, so repositories can be built at start while the
 * server is still unreachable: until open(), every statement and transaction rejects with
 * UnavailableError (a 503, as for an outage), and listeners wait to be attached to the real one.
 */
export function createDeferredDatabase(): DeferredDatabase {
  let db: SqlDatabase | undefined;
  let closed = false;
  const listeners = new Map<() => void, { channel: string; unlisten?: () => void }>();
  const opened = () => db ?? Promise.reject(new UnavailableError('The database is not open yet; try again shortly.'));

  return {
    query: async (text, params) => (await opened()).query(text, params),
    exec: async (text) => (await opened()).exec(text),
    transaction: async (fn) => (await opened()).transaction(fn),

    listen(channel, listener) {
      const key = () => listener(); // its own identity, so one listener on two channels is two entries
      listeners.set(key, { channel, unlisten: db?.listen(channel, key) });
      return () => {
        listeners.get(key)?.unlisten?.();
        listeners.delete(key);
      };
    },

    async open(real) {
      if (closed) return real.close();
      db = real;
      for (const [key, entry] of listeners) entry.unlisten = real.listen(entry.channel, key);
    },

    async close() {
      closed = true;
      listeners.clear();
      await db?.close();
    },
  };
}
