/** The storage layer's public face: open a database, then build the stores on it. */
export type {
  Database,
  DatabaseConfig,
  Isolation,
  OpenOptions,
  QueryResult,
  Row,
  SqlValue,
  TransactionOptions,
} from './database.js';
export { openDatabase } from './open.js';
export { migrate } from './migrate.js';
export { STORE_TABLES, maintain } from './maintenance.js';
export type { MigrationReport } from './migrate.js';
export { MIGRATIONS } from './migrations/index.js';
export type { Migration } from './migrations/index.js';
export { DatabaseError, toDatabaseError } from './errors.js';
export { ResourceStore } from './resource-store.js';
export type {
  CreateOptions,
  HistoryEntry,
  ResourceStoreOptions,
  SearchResult,
  UpdateOptions,
  WriteResult,
} from './resource-store.js';
export { STORED_TYPES, SearchParamRegistry, r4SearchParameters } from './search-params.js';
export type { IndexedKind, SearchParamInfo } from './search-params.js';
export { DEFAULT_COUNT, MAX_COUNT, RESULT_PARAMETERS } from './search.js';
export type { SearchInput } from './search.js';
export { IdempotencyStore } from './idempotency.js';
export type { IdempotencyRecord, IdempotentAnswer } from './idempotency.js';
export { AuditLog, auditAgentOrganization, auditPatient } from './audit-log.js';
export type { AuditIndex, AuditQuery } from './audit-log.js';
export { Outbox } from './outbox.js';
export type { EnqueueInput, OutboxMessage, OutboxStatus } from './outbox.js';
export { JobLocks } from './jobs.js';
export type { JobRun, JobStatus } from './jobs.js';
export { StoreIntakeRepository } from './intake-repository.js';
