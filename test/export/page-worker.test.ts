/**
 * The page step in a worker thread (src/export/page-workers.ts): the same export run with the
 * worker and on the main thread gives the same bytes; a worker that dies mid-export costs no
 * page; the gateway's close ends the worker; the configuration switches it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { clientResources } from '../../bench/export/data.js';
import { loadConfig, projectRoot } from '../../src/config/load.js';
import { ExportJobStore } from '../../src/export/job-store.js';
import { pageOf } from '../../src/export/pages.js';
import { PageWorker } from '../../src/export/page-workers.js';
import { codeSystemDisplays, readDemoKeyRing, readPolicyFile } from '../../src/export/pseudonymise/index.js';
import { runExport, type ExportRunDeps, type Recipient } from '../../src/export/run.js';
import { StoreExportSource } from '../../src/export/source.js';
import { GATEWAY_TYPES } from '../../src/gateway/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { Database } from '../../src/store/database.js';
import { SearchParamRegistry } from '../../src/store/search-params.js';
import { createTerminologyService } from '../../src/terminology/service.js';
import { openTestGateway } from '../gateway/support.js';
import { openMigratedPglite } from '../store/support/pglite-template.js';
import { demoConfig } from '../support/tokens.js';

const CLIENTS = 60;

let db: Database;
let recipient: Recipient;
const terminology = createTerminologyService();
const displayOf = codeSystemDisplays((url) => terminology.getCodeSystem(url));

beforeAll(async () => {
  db = await openMigratedPglite();
  const resources = Array.from({ length: CLIENTS }, (_, c) => clientResources(c)).flat();
  await db.query(
    `INSERT INTO resource (resource_type, id, version, last_updated, content)
     SELECT r->>'resourceType', r->>'id', 1, now(), r FROM jsonb_array_elements($1::jsonb) r`,
    [JSON.stringify(resources)],
  );
  const policy = readPolicyFile(join(projectRoot(), 'config', 'export-policies', 'regioplatform-noord.yaml'));
  recipient = {
    id: policy.recipient,
    clientId: 'test',
    policy,
    keys: readDemoKeyRing('demo-platform-pseudonym'),
  };
}, 60_000);

afterAll(async () => {
  await db.close();
});

/** Pages read by the last export (Patient's postcode pass included). */
let pagesRead = 0;

/** Runs one system export (pages of 25) and answers every file it wrote, by name. */
async function exportFiles(
  pageWorker: PageWorker | undefined,
  wrap: (source: StoreExportSource) => ExportRunDeps['source'] = (s) => s,
): Promise<Map<string, string>> {
  pagesRead = 0;
  const jobs = new ExportJobStore(db);
  const source = new StoreExportSource(db, new SearchParamRegistry(GATEWAY_TYPES));
  const id = randomUUID();
  await jobs.create({
    id,
    clientId: 'test',
    recipient: recipient.id,
    request: { level: 'system', url: 'test' },
    transactionTime: new Date(),
    keyId: recipient.policy.key.id,
    series: recipient.policy.key.series,
  });
  const inner = wrap(source);
  const counting: ExportRunDeps['source'] = {
    async *pages(query, size) {
      for await (const page of inner.pages(query, size)) {
        pagesRead++;
        yield page;
      }
    },
  };
  const result = await runExport(id, {
    jobs,
    source: counting,
    members: () => Promise.resolve([]),
    recipients: new Map([[recipient.id, recipient]]),
    groups: new Map(),
    displayOf,
    ...(pageWorker ? { pageWorker } : {}),
    logger: silentLogger,
    owner: 'test',
    pageSize: 25,
  });
  expect(result).toBe('completed');
  const job = await jobs.get(id);
  const files = new Map<string, string>();
  for (const f of [...(job?.output?.output ?? []), ...(job?.output?.error ?? [])]) {
    let text = '';
    for await (const part of jobs.parts(id, f.file)) text += part;
    files.set(f.file, text);
  }
  return files;
}

describe('the page step in a worker thread', () => {
  it('when one export runs with the worker taking every page and on the main thread, then every file is the same, byte for byte', async () => {
    const worker = PageWorker.start({ displays: true }, silentLogger, { queue: Infinity });
    try {
      expect(await worker.ready()).toBe(true);
      const viaWorker = await exportFiles(worker);
      // Every page but those of the postcode pass (Patients, read on the main thread).
      expect(worker.answered).toBe(pagesRead - Math.ceil(CLIENTS / 25));
      expect(worker.sharedOut).toBe(0);
      const inline = await exportFiles(undefined);
      expect([...viaWorker.keys()].sort()).toEqual([...inline.keys()].sort());
      expect(viaWorker.get('Patient.ndjson')?.split('\n').filter(Boolean)).toHaveLength(CLIENTS);
      for (const [file, text] of inline) expect(viaWorker.get(file), file).toBe(text);
    } finally {
      await worker.close();
    }
  }, 60_000);

  it('when the worker shares the pages with the main thread, then every page is done once and the files are the same', async () => {
    const worker = PageWorker.start({ displays: true }, silentLogger);
    try {
      expect(await worker.ready()).toBe(true);
      const inline = await exportFiles(undefined);
      const shared = await exportFiles(worker);
      expect(worker.answered + worker.sharedOut).toBe(pagesRead - Math.ceil(CLIENTS / 25));
      expect(worker.answered).toBeGreaterThan(0);
      for (const [file, text] of inline) expect(shared.get(file), file).toBe(text);
    } finally {
      await worker.close();
    }
  }, 60_000);

  it('when the worker has a page waiting besides the one it works on, then the next page is done on the main thread', async () => {
    const worker = PageWorker.start({ displays: true }, silentLogger);
    try {
      expect(await worker.ready()).toBe(true);
      const job = worker.pages(recipient.policy, recipient.keys, { displayOf });
      const page = pageOf(clientResources(0).map((r) => JSON.stringify(r)));
      const results = await Promise.all([job.transform(page), job.transform(page), job.transform(page)]);
      job.end();
      expect(worker.answered).toBe(2);
      expect(worker.sharedOut).toBe(1);
      expect(new Set(results.map((r) => Buffer.from(r.gzip).toString('base64'))).size).toBe(1);
      expect(gunzipSync(results[0]?.gzip ?? new Uint8Array()).toString('utf8')).toHaveLength(
        results[0]?.chars ?? -1,
      );
      expect(results[0]?.count).toBe(clientResources(0).length);
    } finally {
      await worker.close();
    }
  }, 60_000);

  it('when the worker dies mid-export, then the export completes on the main thread with the same files', async () => {
    const inline = await exportFiles(undefined);
    const worker = PageWorker.start({ displays: true }, silentLogger, { queue: Infinity });
    expect(await worker.ready()).toBe(true);
    let read = 0;
    // After the fifth page of the export (the postcode pass reads three before it; pages are still
    // owed by the worker) the worker is ended.
    const dying = (source: StoreExportSource): ExportRunDeps['source'] => ({
      async *pages(query, size) {
        for await (const page of source.pages(query, size)) {
          yield page;
          if (++read === 8) void worker.close();
        }
      },
    });
    const files = await exportFiles(worker, dying);
    expect(worker.running).toBe(false);
    expect(worker.answered).toBeGreaterThan(0);
    expect(worker.answered).toBeLessThan(pagesRead - Math.ceil(CLIENTS / 25));
    for (const [file, text] of inline) expect(files.get(file), file).toBe(text);
  }, 60_000);

  it('when the worker cannot take a job (closed before it), then the pages are done on the main thread', async () => {
    const worker = PageWorker.start({ displays: true }, silentLogger);
    await worker.close();
    const files = await exportFiles(worker);
    expect(worker.answered).toBe(0);
    expect(files.get('Patient.ndjson')?.split('\n').filter(Boolean)).toHaveLength(CLIENTS);
  }, 60_000);
});

describe('a worker started on the first job', () => {
  it('when the first export runs, then the worker starts for it, answers its pages and ends once idle', async () => {
    const worker = PageWorker.start({ displays: true }, silentLogger, { idleMs: 50 });
    try {
      expect(worker.running).toBe(false);
      const inline = await exportFiles(undefined);
      const files = await exportFiles(worker);
      expect(worker.answered).toBeGreaterThan(0);
      for (const [file, text] of inline) expect(files.get(file), file).toBe(text);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(worker.running).toBe(false);
      // The next export starts it again.
      const answered = worker.answered;
      const again = await exportFiles(worker);
      expect(worker.answered).toBeGreaterThan(answered);
      for (const [file, text] of inline) expect(again.get(file), file).toBe(text);
    } finally {
      await worker.close();
    }
  }, 60_000);
});

describe('the page worker of the gateway', () => {
  it('when export.pageWorker is true, then the gateway has a worker that waits for the first export, and its close ends it', async () => {
    const t = await openTestGateway({
      config: { export: { ...(demoConfig.export ?? { recipients: [], groups: [] }), pageWorker: true } },
    });
    const worker = t.gateway.exports.pageWorker;
    expect(worker).toBeDefined();
    expect(worker?.running).toBe(false);
    worker?.pages(recipient.policy, recipient.keys, { displayOf }).end();
    expect(worker?.running).toBe(true);
    await t.close();
    expect(worker?.running).toBe(false);
  }, 60_000);

  it('when export.pageWorker is false, then no worker is started', async () => {
    const t = await openTestGateway({
      config: { export: { ...(demoConfig.export ?? { recipients: [], groups: [] }), pageWorker: false } },
    });
    expect(t.gateway.exports.pageWorker).toBeUndefined();
    await t.close();
  });

  it('when export.pageWorker is not a boolean, then the configuration is refused naming the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'page-worker-config-'));
    try {
      const file = join(dir, 'config.yaml');
      writeFileSync(file, stringify({ export: { recipients: [], pageWorker: 'yes' } }));
      expect(() => loadConfig({ file, env: {} })).toThrow(/export\.pageWorker: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
