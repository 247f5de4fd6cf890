/**
 * What both drivers share: a `Database` bound to one connection inside a transaction, where a
 * nested `transaction` becomes a savepoint, and the retry of a top-level transaction that lost a
 * serialisation conflict.
 */
import type { Database, Isolation, QueryResult, SqlValue } from './database.js';
import { RETRYABLE_SQLSTATES, sqlStateOf, toDatabaseError } from './errors.js';

/** One connection's raw statements; errors are the driver's own. */
export interface Session {
  query(sql: string, params: readonly SqlValue[]): Promise<QueryResult>;
  exec(sql: string): Promise<void>;
}

export async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw toDatabaseError(err);
  }
}

/** The `Database` a transaction callback receives: statements on one connection, nesting by savepoint. */
export function transactionDatabase(driver: Database['driver'], session: Session): Database {
  let savepoints = 0;
  const db: Database = {
    driver,
    query: <T extends object>(sql: string, params: readonly SqlValue[] = []) =>
      guarded(() => session.query(sql, params)) as Promise<QueryResult<T>>,
    exec: (sql) => guarded(() => session.exec(sql)),
    async transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
      // A counter, not the depth: sibling savepoints must not share a name.
      savepoints += 1;
      const name = `sp_${String(savepoints)}`;
      await db.query(`SAVEPOINT ${name}`);
      try {
        const result = await fn(db);
        await db.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (err) {
        await db.query(`ROLLBACK TO SAVEPOINT ${name}`);
        throw err;
      }
    },
    // The owner of the connection closes it; a transaction cannot.
    close: async () => undefined,
  };
  return db;
}

export const ISOLATION_SQL: Record<Isolation, string> = {
  'read committed': 'READ COMMITTED',
  'repeatable read': 'REPEATABLE READ',
  serializable: 'SERIALIZABLE',
};

const MAX_ATTEMPTS = 4;

/** Runs `attempt` again when it failed on a serialisation conflict or deadlock, with a short random pause. */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  sleep: (ms: number) => Promise<void>,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const state = sqlStateOf(err);
      // Anything else is rethrown as it is: driver errors were already wrapped where they arose.
      if (n >= MAX_ATTEMPTS || state === undefined || !RETRYABLE_SQLSTATES.has(state)) throw err;
      await sleep(Math.random() * 20 * n);
    }
  }
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
