/**
 * The server driver: a `pg` connection pool. Several gateway instances may share one server;
 * what must happen once (migrations, jobs) takes a lock in the database, not in the process.
 */
import pg from 'pg';
import type { Database, QueryResult, Row, SqlValue, TransactionOptions } from './database.js';
import { toDatabaseError } from './errors.js';
import type { Session } from './session.js';
import { ISOLATION_SQL, guarded, realSleep, transactionDatabase, withRetry } from './session.js';

export interface PgOptions {
  url: string;
  poolSize?: number;
  sleep?: (ms: number) => Promise<void>;
}

function clientSession(client: pg.PoolClient): Session {
  return {
    async query(sql, params) {
      const result = await client.query(sql, params as SqlValue[]);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql) {
      await client.query(sql);
    },
  };
}

export function openPg(options: PgOptions): Database {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
  // An idle connection that drops (server restart) emits here; the next query reports the failure.
  pool.on('error', () => undefined);
  const sleep = options.sleep ?? realSleep;

  async function runOnce<T>(fn: (tx: Database) => Promise<T>, opts: TransactionOptions): Promise<T> {
    const client = await guarded(() => pool.connect());
    let broken: Error | undefined;
    try {
      await guarded(() =>
        client.query(`BEGIN ISOLATION LEVEL ${ISOLATION_SQL[opts.isolation ?? 'read committed']}`),
      );
      const result = await fn(transactionDatabase('pg', clientSession(client)));
      await guarded(() => client.query('COMMIT'));
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is unusable; the pool must not hand it out again.
        broken = rollbackError instanceof Error ? rollbackError : new Error('rollback failed');
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  return {
    driver: 'pg',
    async query<T extends object>(sql: string, params: readonly SqlValue[] = []): Promise<QueryResult<T>> {
      try {
        const result = await pool.query(sql, params as SqlValue[]);
        return { rows: result.rows as T[], rowCount: result.rowCount ?? result.rows.length };
      } catch (err) {
        throw toDatabaseError(err);
      }
    },
    async exec(sql) {
      await guarded(() => pool.query(sql));
    },
    transaction: (fn, opts = {}) => withRetry(() => runOnce(fn, opts), sleep),
    close: () => guarded(() => pool.end()),
  };
}
