/** A schema change: plain SQL for PostgreSQL 15 and later, applied once, in `version` order. */
export interface Migration {
  /** 1, 2, 3, ...: the position in `MIGRATIONS`; never reused, never changed once released. */
  version: number;
  name: string;
  sql: string;
}
