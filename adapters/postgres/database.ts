import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import postgres from 'postgres';
import { UnavailableError } from '../../modules/kernel/mod.ts';
import { remainingMs } from '../http/deadline.ts';
import { SqlError, wakeEach, type SqlDatabase, type SqlExecutor, type SqlRow, type SqlTransaction } from '../sql/database.ts';

/** Options of createPostgresDatabase; every duration in milliseconds. */
export interface PostgresDatabaseOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /**
   * Schema to work in: created when missing and made every connection's `search_path`, so
   * migrations and repositories land in it. It also scopes notify channels (see listen).
   */
  schema?: string;
  /** Most connections the pool opens (default 10). */
  poolSize?: number;
  /** The server's `statement_timeout`: bounds a statement the client stopped waiting for (default: the server's). */
  statementTimeoutMs?: number;
  /** Longest wait for a new connection's TCP connect and startup (default 2000). */
  connectTimeoutMs?: number;
  /**
   * Longest wait for one statement, including waiting for a connection, and for BEGIN and COMMIT
   * (default 1000). Past it the call rejects with UnavailableError. Keep it above what a healthy
   * statement takes; a database used for long migrations may want a larger one.
   */
  queryTimeoutMs?: number;
  /** Receives server notices (e.g. "schema already exists, skipping"); ignored by default. */
  onNotice?: (notice: { code?: string; message?: string }) => void;
}

// SQLSTATEs that say "not now" rather than "not this statement": connection exceptions,
// insufficient resources, server shutting down or starting, statement_timeout / cancel.
const TRANSIENT = /^(08|53|57P0[1-3]|57014)/;
// postgres.js connection failures: socket errnos and its own CONNECTION_* / CONNECT_TIMEOUT codes.
const CONNECTION_FAILURE = /^(E[A-Z]+|ERR_(STREAM|SOCKET)_[A-Z_]+|CONNECTION_[A-Z]+|CONNECT_TIMEOUT)$/;

/** Maps a postgres.js failure to SqlError (refused statement) or UnavailableError (no database now). */
function toDatabaseError(error: unknown): unknown {
  if (error instanceof SqlError || error instanceof UnavailableError) return error;
  if (error instanceof postgres.PostgresError) {
    // Only message, code and constraint: `detail` and the (hidden) parameters may hold secrets.
    const refused = new SqlError(error.message, error.code, error.constraint_name ?? null);
    return TRANSIENT.test(error.code) ? new UnavailableError(undefined, { cause: refused }) : refused;
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && typeof code === 'string' && CONNECTION_FAILURE.test(code)) {
    return new UnavailableError(undefined, { cause: error });
  }
  return error;
}

const noAnswer = (what: string, ms: number) =>
  new UnavailableError(undefined, { cause: new Error(`PostgreSQL did not answer ${what} within ${ms} ms`) });

/**
 * How long to wait for PostgreSQL now: `ms`, or less when the call being served must be answered
 * sooner (see deadline.ts). Nothing is sent once that is spent: its caller has given up.
 */
function waitFor(what: string, ms: number): number {
  const wait = Math.min(ms, remainingMs());
  if (wait <= 0) throw new UnavailableError(undefined, { cause: new Error(`no time left in the call's budget for ${what}`) });
  return wait;
}

/** Settles like `work`, mapped; or rejects with UnavailableError after `ms`, calling `onExpire` first. */
function within<T>(work: PromiseLike<T>, ms: number, what: string, onExpire: () => void = () => {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onExpire();
      reject(noAnswer(what, ms));
    }, ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(toDatabaseError(error));
      },
    );
  });
}

/** The postgres.js Query fields `defuse` relies on (postgres 3.4; not in its typings). */
interface QueryInternals {
  state: unknown;
  strings: string[];
  args: unknown[];
  options: { simple?: boolean };
}

/**
 * Turns a statement the caller gave up on into `SELECT 1` if it has not been sent yet (`state`
 * is set when it is written to a connection), so a write reported failed cannot run once the
 * server is back. Not `query.cancel()`: cancelling a query a connection is opening for leaves
 * that connection stuck in its "connecting" state for good (postgres 3.4.9).
 */
function defuse(query: unknown) {
  const q = query as QueryInternals;
  if (q.state !== null) return; // sent: statement_timeout bounds it on the server
  q.strings = ['SELECT 1'];
  q.args = [];
  q.options.simple = true;
}

/**
 * Opens the TCP connection for postgres.js (its `socket` option), holding back a socket 'error'
 * until the 'close' that follows it a loop turn later. postgres.js hands new queries to a
 * connection in that gap and then never settles them: they hang, and the connection is left
 * waiting for answers that never come, so the pool stays stuck after the server is back
 * (postgres 3.4.9). With both events in one turn, its error handler rejects all of them.
 * Hosts are tried in turn, as postgres.js does without this option.
 */
function socketOpener() {
  let next = 0;
  return (o: { host: string[]; port: number[]; path?: string | false }): Socket => {
    const i = next++ % o.host.length;
    const socket = o.path ? connect(o.path) : connect(o.port[i] ?? 5432, o.host[i]);
    const emit = socket.emit.bind(socket);
    let held: unknown[] | null = null;
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === 'error') {
        held ??= args;
        return true;
      }
      if (event === 'close' && held) emit('error', ...held);
      return emit(event, ...args);
    }) as Socket['emit'];
    return socket;
  };
}

type Sql = postgres.Sql<{ int8: number; json: unknown }>;

/** Runs statements through `sql` (the pool or a transaction), each within `ms`. */
function executor(
  sql: Sql | postgres.TransactionSql,
  ms: number,
  guard: { check?: () => void; onUnavailable?: (error: unknown) => void } = {},
) {
  async function run(text: string, params?: readonly unknown[]) {
    guard.check?.();
    const wait = waitFor('a statement', ms);
    // Prepared (named, once per connection and statement text): unprepared, postgres.js first asks
    // the server for the parameters' types, a round trip and a write of its own on every call.
    const query = params === undefined ? sql.unsafe(text) : sql.unsafe(text, [...params] as never[], { prepare: true });
    try {
      return await within(query, wait, 'a statement', () => defuse(query));
    } catch (error) {
      if (error instanceof UnavailableError) guard.onUnavailable?.(error);
      throw error;
    }
  }
  return {
    // A plain array of plain rows, as PGlite returns (postgres.js adds fields to the array).
    query: async <Row extends object = SqlRow>(text: string, params: readonly unknown[] = []) => [...(await run(text, params))] as Row[],
    exec: async (text: string) => void (await run(text)),
  } satisfies SqlExecutor;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The NOTIFY channel for `channel` in `schema`: deployments (or test files) sharing a server but
 * not a schema must not wake each other. PostgreSQL truncates a LISTEN name past 63 bytes but
 * rejects such a pg_notify name, so a long one is replaced by a digest.
 */
function scopedChannel(schema: string, channel: string): string {
  const name = `${schema}:${channel}`;
  if (new TextEncoder().encode(name).length <= 63) return name;
  return `${channel.slice(0, 20)}:${createHash('sha256').update(name).digest('hex').slice(0, 40)}`;
}

/**
 * Opens a connection pool on PostgreSQL through the `postgres` client and creates `schema` if
 * given; rejects with UnavailableError when the server cannot be reached.
 * Runs no migrations (the composition root does).
 *
 * Every call rejects within about `queryTimeoutMs` with UnavailableError (the original failure
 * as `cause`) when the server is unreachable or a connection dies, and with SqlError when the
 * server refuses a statement. The pool reconnects on demand with a short capped backoff, so the
 * same database works again once the server is back. Inside a call with a budget (see
 * adapters/http/deadline.ts) every wait is cut to what is left of it, nothing is sent once it is
 * spent, and a transaction still open then rolls back. As with any lost answer, a statement that
 * timed out after it was sent, or a COMMIT, may still take effect; one that never left does not,
 * and a transaction reported failed before its COMMIT never commits.
 */
export async function createPostgresDatabase(options: PostgresDatabaseOptions): Promise<SqlDatabase> {
  const { url, schema, poolSize = 10, statementTimeoutMs, connectTimeoutMs = 2000, queryTimeoutMs: ms = 1000, onNotice } = options;
  const sql: Sql = postgres(url, {
    socket: socketOpener(), // not in postgres.js's typings (see socketOpener)
    max: poolSize,
    connect_timeout: connectTimeoutMs / 1000, // seconds, fractions allowed
    // postgres.js defaults grow to 20 s between attempts during an outage, which would delay
    // recovery that long; retry within half a second instead (each attempt is one cheap SYN).
    backoff: (attempt: number) => Math.min(0.02 * 2 ** attempt, 0.5) * (0.5 + Math.random() / 2),
    connection: {
      ...(schema ? { search_path: quoteIdent(schema) } : {}),
      ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {}),
    },
    types: {
      // int8 (count(*), identity columns) as a number, as PGlite returns it; values stay below 2^53.
      int8: { to: 20, from: [20], parse: (x: string) => Number(x), serialize: (x: unknown) => String(x) },
      // Callers pass jsonb as JSON text (see SqlExecutor); the default serializer would encode it again.
      json: {
        to: 3802,
        from: [114, 3802],
        parse: (x: string) => JSON.parse(x) as unknown,
        serialize: (x: unknown) => (typeof x === 'string' ? x : JSON.stringify(x)),
      },
    },
    transform: { undefined: null },
    onnotice: (notice) => onNotice?.(notice),
  } as postgres.Options<{ int8: postgres.PostgresType<number>; json: postgres.PostgresType<unknown> }>);
  const pool = executor(sql, ms);
  const channels = new Map<string, { listeners: Set<() => void>; ready: Promise<void> }>();
  const scope = (channel: string) => scopedChannel(schema ?? 'public', channel);

  try {
    await pool.exec(schema ? `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}` : 'SELECT 1');
  } catch (error) {
    // Two processes creating the schema at once: the loser gets a unique violation, and it exists.
    if (!(error instanceof SqlError && (error.code === '23505' || error.code === '42P06'))) {
      await sql.end({ timeout: 0 });
      throw error;
    }
  }

  async function transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    // starting → open (fn runs) → ending (COMMIT or ROLLBACK) → over. A transaction doomed by a
    // timeout or a dead connection is reported at once and can only roll back: COMMIT is sent
    // only when fn resolved and no statement failed that way, and no statement leaves after.
    let phase: 'starting' | 'open' | 'ending' | 'over' = 'starting';
    let failure: unknown = null;
    let fnFailed: { error: unknown } | null = null;
    let doom!: (error: unknown) => void;
    const doomed = new Promise<never>((_, reject) => {
      doom = (error) => {
        failure ??= error;
        reject(failure);
      };
    });
    const signalled = new Set<string>();
    const beginWait = waitFor('BEGIN', ms);
    let timer = setTimeout(() => doom(noAnswer('BEGIN', beginWait)), beginWait);
    const check = () => {
      if (phase !== 'open' || failure) throw failure ?? new Error('this transaction is over; use tx only inside its function');
    };

    const body = async (t: postgres.TransactionSql): Promise<T> => {
      if (phase !== 'starting') throw failure; // the caller was already answered: roll back at once
      clearTimeout(timer);
      phase = 'open';
      const inner = executor(t, ms, { check, onUnavailable: doom });
      try {
        const result = await (async () => fn({ ...inner, notify: (channel) => void signalled.add(channel) }))().catch((error: unknown) => {
          fnFailed = { error };
          throw error;
        });
        if (failure) throw failure;
        if (signalled.size > 0) await notifyAll(inner, [...signalled].map(scope));
        // No COMMIT its caller has stopped waiting for: past the call's deadline it rolls back.
        try {
          waitFor('COMMIT', ms);
        } catch (error) {
          doom(error);
          throw error;
        }
        return result;
      } finally {
        phase = 'ending';
        const endWait = Math.max(1, Math.min(ms, remainingMs()));
        timer = setTimeout(() => doom(noAnswer('COMMIT or ROLLBACK (outcome unknown)', endWait)), endWait);
      }
    };

    const run = sql.begin('isolation level read committed', body) as Promise<T>;
    run.catch(() => {}); // may settle after the caller was answered
    try {
      return await Promise.race([run, doomed]);
    } catch (error) {
      failure ??= toDatabaseError(error);
      if (fnFailed) throw (fnFailed as { error: unknown }).error; // the caller's own error, whatever the rollback did
      throw failure;
    } finally {
      phase = 'over';
      clearTimeout(timer);
    }
  }

  /** Sends NOTIFY for `names` inside the transaction, once this instance's LISTENs for them are in place. */
  async function notifyAll(tx: SqlExecutor, names: string[]) {
    // A listener registered here just before this commit must hear it; other processes' LISTENs
    // are theirs to race (the outbox relay polls as well).
    const pending = names.map((name) => channels.get(name)?.ready);
    await within(Promise.all(pending), ms, 'LISTEN').catch(() => {});
    await tx.query(`SELECT pg_notify(c, '') FROM unnest($1::text[]) AS c`, [names]);
  }

  return {
    ...pool,
    transaction,

    listen(channel, listener) {
      const name = scope(channel);
      let entry = channels.get(name);
      if (!entry) {
        const listeners = new Set<() => void>();
        const wake = () => wakeEach(listeners);
        // One LISTEN per channel for the life of the pool: postgres.js re-issues it after a
        // reconnect, but under new handles that an unlisten() from before would not remove.
        const ready = sql.listen(name, wake).then(
          () => undefined,
          () => undefined, // server down: postgres.js retries the LISTEN when it reconnects
        );
        entry = { listeners, ready };
        channels.set(name, entry);
      }
      const { listeners } = entry;
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    async close() {
      for (const { listeners } of channels.values()) listeners.clear();
      await sql.end({ timeout: ms / 1000 });
    },
  };
}
