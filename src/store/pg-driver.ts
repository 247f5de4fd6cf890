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

/**
 * Names for parameterised statements, so that each connection parses a statement once and then
 * only binds (plans) and executes it (PostgreSQL's prepared statements, which `pg` creates on
 * first use per connection). The store's statements are a fixed set of texts with their values
 * in parameters; past `limit` distinct texts, further ones run unnamed as before.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly limit = 500) {}

  /** The name for `sql`, or undefined when it is not to be prepared. */
  nameFor(sql: string, params: readonly unknown[]): string | undefined {
    if (params.length === 0) return undefined;
    const known = this.names.get(sql);
    if (known !== undefined || this.names.size >= this.limit) return known;
    const name = `ov_${String(this.names.size + 1)}`;
    this.names.set(sql, name);
    return name;
  }
}

function statement(names: StatementNames, sql: string, params: readonly SqlValue[]): pg.QueryConfig {
  const name = names.nameFor(sql, params);
  return { text: sql, values: params as SqlValue[], ...(name ? { name } : {}) };
}

function clientSession(client: pg.PoolClient, names: StatementNames): Session {
  return {
    async query(sql, params) {
      const result = await client.query(statement(names, sql, params));
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql) {
      await client.query(sql);
    },
  };
}

export function openPg(options: PgOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    // Prepared statements save parsing, not planning: a generic plan made while a table was still
    // small (a fresh database) would be kept after it has grown (a sequential scan where an index
    // now pays), so every execution is planned for its values and the current statistics.
    options: '-c plan_cache_mode=force_custom_plan',
  });
  // An idle connection that drops (server restart) emits here; the next query reports the failure.
  pool.on('error', () => undefined);
  const sleep = options.sleep ?? realSleep;
  const names = new StatementNames();

  async function runOnce<T>(fn: (tx: Database) => Promise<T>, opts: TransactionOptions): Promise<T> {
    const client = await guarded(() => pool.connect());
    let broken: Error | undefined;
    try {
      await guarded(() =>
        client.query(`BEGIN ISOLATION LEVEL ${ISOLATION_SQL[opts.isolation ?? 'read committed']}`),
      );
      const result = await fn(transactionDatabase('pg', clientSession(client, names)));
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
        const result = await pool.query(statement(names, sql, params));
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
