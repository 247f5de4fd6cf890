/**
 * The one data layer of overdracht: a small interface over PostgreSQL with two drivers, embedded
 * PGlite (the default, a data directory on disk) and a PostgreSQL server through `pg`. One
 * schema and one SQL dialect serve both; the SQL must run on PostgreSQL 15 and later.
 */

/**
 * A value a query parameter may take; bytes for bytea. Objects are not accepted: pass
 * `JSON.stringify(x)` and cast `$n::jsonb`.
 */
export type SqlValue = string | number | boolean | null | Date | Uint8Array;

export type Row = Record<string, unknown>;

export interface QueryResult<T extends object = Row> {
  rows: T[];
  /** Rows returned, or rows affected by INSERT, UPDATE and DELETE. */
  rowCount: number;
}

export type Isolation = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  /** Isolation of a top-level transaction; ignored for a nested one (it joins the outer). Default: read committed. */
  isolation?: Isolation;
}

export interface Database {
  readonly driver: 'pglite' | 'pg';
  /** One statement with `$1`-style parameters. */
  query<T extends object = Row>(sql: string, params?: readonly SqlValue[]): Promise<QueryResult<T>>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` in a transaction and commits when it resolves, rolls back when it throws. Inside
   * `fn`, use the `tx` it is given; calling `tx.transaction` nests through a savepoint, so code
   * that opens a transaction can be called both on its own and inside a larger one.
   * A top-level transaction that fails on a serialisation conflict or deadlock is retried.
   */
  transaction<T>(fn: (tx: Database) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Closes the connection(s); further use fails. Inside a transaction this is a no-op. */
  close(): Promise<void>;
}

export type DatabaseConfig =
  /** `dataDir` is a directory, or `memory://` for a throw-away in-memory database. */
  { driver: 'pglite'; dataDir: string; syncWal?: boolean } | { driver: 'pg'; url: string; poolSize?: number };

export interface OpenOptions {
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
}
