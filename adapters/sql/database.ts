/**
 * The few things the SQL repositories need from a PostgreSQL-speaking database. Embedded PGlite
 * (adapters/pglite/) and the `postgres` client (adapters/postgres/) implement it, so repositories
 * and migrations are written once, in plain PostgreSQL SQL.
 */

/** A result row keyed by column name: timestamptz as Date, jsonb parsed, int4 as number, text as string. */
export type SqlRow = Record<string, unknown>;

/**
 * Runs statements on a connection or inside a transaction. A server that cannot be reached, or
 * does not answer in time, makes a call reject with UnavailableError (the cause attached): a
 * statement that never left changed nothing, one whose answer was lost may have run. Embedded
 * PGlite has no server to lose.
 */
export interface SqlExecutor {
  /**
   * Runs one statement with `$1…$n` parameters and returns its rows (none for a statement without
   * RETURNING). Pass a Date for a timestamptz and a JSON string for a jsonb (with an explicit
   * `::jsonb` cast). Rejects with SqlError when the database refuses the statement, and with
   * UnavailableError when it is down.
   */
  query<Row extends object = SqlRow>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs one or more statements without parameters (migrations). Rejects with SqlError, or UnavailableError when down. */
  exec(text: string): Promise<void>;
}

/** An open transaction: statements run on it see its own writes, and others see them after commit. */
export interface SqlTransaction extends SqlExecutor {
  /**
   * Signals `channel` to the database's `listen` listeners once this transaction commits, and
   * never when it rolls back: the semantics of PostgreSQL NOTIFY inside a transaction. Several
   * signals on one channel in one transaction are delivered once.
   */
  notify(channel: string): void;
}

export interface SqlDatabase extends SqlExecutor {
  /**
   * Runs `fn` in a transaction (READ COMMITTED): commits when it resolves, rolls back and rethrows
   * when it rejects. Inside `fn`, use only `tx`: a single-connection database (PGlite) serialises
   * work, so a statement on the database itself would wait for the transaction that waits for it.
   * Database down: UnavailableError, and nothing committed unless only the COMMIT's answer was
   * lost; a transaction reported failed before its COMMIT never commits.
   */
  transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T>;
  /**
   * Calls `listener` after each committed transaction that signalled `channel`: in-process on
   * PGlite, through PostgreSQL LISTEN/NOTIFY (so from any process) on Postgres. A listener must
   * not throw; returns an unsubscribe. Never fails: while the database is down no call comes, and
   * listening resumes by itself once it is back.
   */
  listen(channel: string, listener: () => void): () => void;
  /** Waits for work in flight, then releases the database; resolves even while it is down. */
  close(): Promise<void>;
}

/**
 * Calls each listener of a wake-up (a commit that wrote outbox rows). A wake-up is a hint (the
 * relay polls as well): one failing listener must neither stop the rest nor fail the commit.
 */
export function wakeEach(listeners: Iterable<() => void>): void {
  for (const listener of listeners) {
    try {
      listener();
    } catch {
      // a hint only (see above)
    }
  }
}

/**
 * A statement the database refused. Carries the SQLSTATE `code` and the violated `constraint`
 * (when there is one) but neither the parameters nor the row detail, which may hold secrets or
 * personal data and must not reach a log line.
 */
export class SqlError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly constraint: string | null,
  ) {
    super(message);
    this.name = 'SqlError';
  }
}

/** True when `error` is a unique violation (SQLSTATE 23505), of `constraint` when given. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  return error instanceof SqlError && error.code === '23505' && (constraint === undefined || error.constraint === constraint);
}

/** Runs a statement whose result is one `count` column (e.g. a CTE over DELETE … RETURNING) and returns it. */
export async function queryCount(db: SqlExecutor, text: string, params: readonly unknown[]): Promise<number> {
  const [row] = await db.query<{ count: number }>(text, params);
  return Number(row?.count ?? 0);
}
