/**
 * A PostgreSQL server for the benchmark: DATABASE_URL when set, else a throw-away cluster from
 * Debian's binaries (removed at the end), else none (the server-driver run is skipped, loudly).
 * The cluster is the tests' (test/support/postgres-cluster.ts), but with PostgreSQL's durable
 * defaults (fsync on).
 */
import { type Cluster, startThrowawayCluster } from '../../test/support/postgres-cluster.js';

export { freePort } from '../../test/support/postgres-cluster.js';

export type PostgresServer = Cluster;

export async function startPostgres(given: string | undefined): Promise<PostgresServer | undefined> {
  if (given) return { url: given, stop: () => undefined };
  return startThrowawayCluster({ durable: true, maxConnections: 50 });
}
