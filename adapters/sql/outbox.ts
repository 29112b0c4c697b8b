import type { CloudEvent, Outbox, OutboxEntry } from '../../modules/kernel/mod.ts';
import { queryCount, wakeEach, type SqlDatabase, type SqlExecutor, type SqlTransaction } from './database.ts';

/** The channel signalled by each transaction that wrote outbox rows (an append wakes its own process only). */
export const OUTBOX_CHANNEL = 'outbox';

/**
 * Writes `events` as outbox rows inside `tx`, the transaction of the state change that caused
 * them, so they exist if and only if that change commits. The relay is woken after the commit.
 */
export async function insertOutboxEvents(tx: SqlTransaction, events: readonly CloudEvent[]): Promise<void> {
  if (events.length === 0) return;
  await insertEvents(tx, events);
  tx.notify(OUTBOX_CHANNEL);
}

/** One statement for the batch; ORDER BY keeps the caller's order in the identity column. */
const insertEvents = (sql: SqlExecutor, events: readonly CloudEvent[]) =>
  sql.query(
    `INSERT INTO outbox (id, event)
     SELECT (e ->> 'id')::uuid, e FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t (e, n) ORDER BY n`,
    [JSON.stringify(events)],
  );

/** The relay's side of the outbox table (see Outbox). */
export function createSqlOutbox({ db }: { db: SqlDatabase }): Outbox {
  // An append is one statement, committed on its own, that wakes this process's relay directly,
  // as the Redis outbox does: no transaction and no NOTIFY (four round trips instead of one). The
  // relay of the process that appended drains it; the others' poll is there should it stop.
  const appended = new Set<() => void>();

  return {
    async drain(limit, publish) {
      // The claimed rows stay locked until publish settles: a concurrent relay skips them, and a
      // throw rolls the transaction back so they stay unsent. On PGlite (one connection) this
      // also holds every other statement, so `publish` must not wait for writes to this database.
      return db.transaction(async (tx) => {
        const rows = await tx.query<{ id: string; event: CloudEvent }>(
          `SELECT id, event FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [limit],
        );
        if (rows.length === 0) return 0;
        await publish(rows.map((r): OutboxEntry => ({ id: r.id, event: r.event })));
        await tx.query('UPDATE outbox SET sent_at = $2 WHERE id = ANY($1::uuid[])', [rows.map((r) => r.id), new Date()]);
        return rows.length;
      });
    },

    async append(events) {
      if (events.length === 0) return;
      await insertEvents(db, events);
      wakeEach(appended);
    },

    async backlog() {
      return queryCount(db, 'SELECT count(*)::int AS count FROM outbox WHERE sent_at IS NULL', []);
    },

    async prune(olderThan) {
      return queryCount(
        db,
        'WITH pruned AS (DELETE FROM outbox WHERE sent_at < $1 RETURNING 1) SELECT count(*)::int AS count FROM pruned',
        [olderThan],
      );
    },

    onAppend(listener) {
      const wrapped = () => listener();
      appended.add(wrapped);
      const unlisten = db.listen(OUTBOX_CHANNEL, listener);
      return () => {
        appended.delete(wrapped);
        unlisten();
      };
    },
  };
}
