/**
 * Storage figures on this machine: PGlite start-up, and insert and search latency for both
 * drivers. Run: `npx tsx test/store/support/bench.ts [count]` (a throw-away PostgreSQL cluster is
 * started when the server binaries are installed; DATABASE_URL selects another server).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Patient, ServiceRequest } from '@medplum/fhirtypes';
import type { Database } from '../../../src/store/database.js';
import { maintain } from '../../../src/store/maintenance.js';
import { openDatabase } from '../../../src/store/open.js';
import { MEMORY } from '../../../src/store/pglite-driver.js';
import { ResourceStore } from '../../../src/store/resource-store.js';
import { SearchParamRegistry } from '../../../src/store/search-params.js';
import { startThrowawayCluster } from '../../support/postgres-cluster.js';
import { freshSchemaOn } from './targets.js';

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const count = Number(process.argv[2] ?? 500);

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): string =>
    (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(2);
  return `median ${at(0.5)} ms, p95 ${at(0.95)} ms (n=${String(samples.length)})`;
}

async function workload(label: string, db: Database, registry: SearchParamRegistry): Promise<void> {
  const store = new ResourceStore(db, { registry });
  const inserts: number[] = [];
  for (let i = 0; i < count; i++) {
    const bsn = String(100_000_000 + i);
    const patient: Patient = {
      resourceType: 'Patient',
      identifier: [{ system: BSN, value: bsn }],
      name: [{ family: `Jansen${String(i)}`, given: ['Anna'] }],
      birthDate: '1990-01-01',
    };
    const [{ resource }, ms] = await time(() => store.create(patient));
    inserts.push(ms);
    const request: ServiceRequest = {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${resource.id ?? ''}` },
      authoredOn: '2025-01-01',
    };
    await store.create(request);
  }
  const [, maintenance] = await time(() => maintain(db));
  console.log(
    `${label}: maintain (statistics) after ${String(2 * count)} creates: ${maintenance.toFixed(0)} ms`,
  );
  const queries: Record<string, (i: number) => Record<string, string>> = {
    'token identifier': (i) => ({ identifier: `${BSN}|${String(100_000_000 + i)}` }),
    'string name prefix': (i) => ({ name: `jansen${String(i)}` }),
    'chained patient.identifier': (i) => ({ 'patient.identifier': `${BSN}|${String(100_000_000 + i)}` }),
    'date + _total (all match)': () => ({ birthdate: 'ge1990', _total: 'accurate' }),
  };
  console.log(`${label}: create Patient ${summary(inserts)}`);
  for (const [name, query] of Object.entries(queries)) {
    const type = name.startsWith('chained') ? 'ServiceRequest' : 'Patient';
    const samples: number[] = [];
    for (let i = 0; i < 100; i++)
      samples.push((await time(() => store.search(type, query((i * 7919) % count))))[1]);
    console.log(`${label}: search ${name} ${summary(samples)}`);
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'overdracht-bench-'));
const registry = new SearchParamRegistry();
try {
  const [memory, newMemory] = await time(() => openDatabase({ driver: 'pglite', dataDir: MEMORY }));
  console.log(`PGlite new in memory + migrations: ${newMemory.toFixed(0)} ms`);
  await workload('pglite memory', memory, registry);
  await memory.close();

  const dir = join(scratch, 'pglite');
  const [fresh, newDir] = await time(() => openDatabase({ driver: 'pglite', dataDir: dir }));
  console.log(`PGlite new data directory + migrations: ${newDir.toFixed(0)} ms`);
  await fresh.close();
  const [reopened, reopen] = await time(() => openDatabase({ driver: 'pglite', dataDir: dir }));
  console.log(`PGlite reopen data directory: ${reopen.toFixed(0)} ms`);
  await workload('pglite directory (WAL fsync)', reopened, registry);
  await reopened.close();

  const url = process.env.DATABASE_URL;
  const cluster = url ? undefined : await startThrowawayCluster();
  const serverUrl = url ?? cluster?.url;
  if (serverUrl) {
    const schema = await freshSchemaOn(serverUrl);
    const [server, openServer] = await time(() => openDatabase({ driver: 'pg', url: schema.url }));
    console.log(`pg open + migrations: ${openServer.toFixed(0)} ms`);
    await workload('pg', server, registry);
    await server.close();
    await schema.drop();
  }
  cluster?.stop();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
