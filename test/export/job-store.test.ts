/**
 * The export files in the database (src/export/job-store.ts, migration 0007): parts stored
 * gzip-compressed come back as the NDJSON that went in, on both drivers; parts of the earlier
 * plain-text form are still served, also after a database of the previous schema is migrated.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportJobStore } from '../../src/export/job-store.js';
import { gatewayRegistry } from '../../src/gateway/search-params.js';
import { reconcileIndexes } from '../../src/store/index-state.js';
import { migrate } from '../../src/store/migrate.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { openDatabase } from '../../src/store/open.js';
import { ResourceStore } from '../../src/store/resource-store.js';
import { SearchParamRegistry } from '../../src/store/search-params.js';
import type { Database } from '../../src/store/database.js';
import { TARGETS } from '../store/support/targets.js';

async function newJob(jobs: ExportJobStore): Promise<string> {
  const id = randomUUID();
  await jobs.create({
    id,
    clientId: 'test',
    recipient: 'test',
    request: { level: 'system', url: 'test' },
    transactionTime: new Date(),
    keyId: 'k',
    series: 's1',
  });
  return id;
}

async function read(jobs: ExportJobStore, id: string, file: string): Promise<string[]> {
  const parts: string[] = [];
  for await (const part of jobs.parts(id, file)) parts.push(part);
  return parts;
}

describe.each(TARGETS)('export file parts ($name)', (target) => {
  describe.skipIf(target.skip)('', () => {
    let db: Database;
    let jobs: ExportJobStore;
    beforeAll(async () => {
      db = await target.open();
      jobs = new ExportJobStore(db);
    });
    afterAll(async () => db.close());

    it('when parts of several gzip members are written, then they are read back in order as the NDJSON that went in', async () => {
      const id = await newJob(jobs);
      const lines = (from: number, n: number) =>
        Array.from(
          { length: n },
          (_, i) => `{"resourceType":"Patient","id":"p${String(from + i)}","é":"ü"}\n`,
        ).join('');
      await jobs.appendPart(
        id,
        'Patient.ndjson',
        1,
        2,
        Buffer.concat([gzipSync(lines(3, 1)), gzipSync(lines(4, 1))]),
      );
      await jobs.appendPart(id, 'Patient.ndjson', 0, 3, gzipSync(lines(0, 3)));
      expect(await read(jobs, id, 'Patient.ndjson')).toEqual([lines(0, 3), lines(3, 2)]);
      const { rows } = await db.query<{ content: string | null }>(
        'SELECT content FROM export_file_part WHERE job_id = $1',
        [id],
      );
      expect(rows.every((r) => r.content === null)).toBe(true);
    });

    it('when a part was stored as text (before migration 0007), then it is served as it is', async () => {
      const id = await newJob(jobs);
      await db.query(
        'INSERT INTO export_file_part (job_id, file, part, resources, content) VALUES ($1, $2, 0, 1, $3)',
        [id, 'Patient.ndjson', '{"resourceType":"Patient"}\n'],
      );
      expect(await read(jobs, id, 'Patient.ndjson')).toEqual(['{"resourceType":"Patient"}\n']);
    });

    it('when a part has both bodies or neither, then the database refuses it', async () => {
      const id = await newJob(jobs);
      const insert = (content: string | null, gzip: Uint8Array | null) =>
        db.query(
          'INSERT INTO export_file_part (job_id, file, part, resources, content, gzip) VALUES ($1, $2, 0, 1, $3, $4)',
          [id, 'x.ndjson', content, gzip],
        );
      await expect(insert('{}\n', gzipSync('{}\n'))).rejects.toThrow();
      await expect(insert(null, null)).rejects.toThrow();
    });
  });
});

describe('a database of the previous schema', () => {
  it('when it is migrated with an export part and resources stored, then the part is served and the gateway rewrites the index rows at start', async () => {
    const db = await openDatabase({ driver: 'pglite', dataDir: 'memory://' }, { migrate: false });
    try {
      await migrate(db, MIGRATIONS.slice(0, 6));
      const jobs = new ExportJobStore(db);
      const id = await newJob(jobs);
      await db.query(
        'INSERT INTO export_file_part (job_id, file, part, resources, content) VALUES ($1, $2, 0, 1, $3)',
        [id, 'Patient.ndjson', '{"resourceType":"Patient"}\n'],
      );
      await new ResourceStore(db, { registry: new SearchParamRegistry(['Patient']) }).create({
        resourceType: 'Patient',
        name: [{ family: 'Oud' }],
      });
      expect((await migrate(db)).applied).toEqual([7, 8]);
      expect(await read(jobs, id, 'Patient.ndjson')).toEqual(['{"resourceType":"Patient"}\n']);
      const result = await reconcileIndexes(db, gatewayRegistry());
      expect(result.reindexed).toEqual({ Patient: 1 });
    } finally {
      await db.close();
    }
  });
});
