/**
 * Reading an export's pages (src/export/source.ts): every resource once, in id order, in pages
 * bounded by count and by bytes; a resource larger than the byte bound is a page of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachLine, type ExportPage } from '../../src/export/pages.js';
import { StoreExportSource } from '../../src/export/source.js';
import { GATEWAY_TYPES } from '../../src/gateway/index.js';
import type { Database } from '../../src/store/database.js';
import { SearchParamRegistry } from '../../src/store/search-params.js';
import { TARGETS } from '../store/support/targets.js';

const registry = new SearchParamRegistry(GATEWAY_TYPES);

function observation(n: number, textLength: number): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    id: `obs-${String(n).padStart(3, '0')}`,
    status: 'final',
    code: { text: 'x'.repeat(textLength) },
  };
}

async function read(source: StoreExportSource, pageSize: number): Promise<ExportPage[]> {
  const pages: ExportPage[] = [];
  const query = { type: 'Observation', until: new Date(Date.now() + 60_000).toISOString() };
  for await (const page of source.pages(query, pageSize)) pages.push(page);
  return pages;
}

function ids(pages: readonly ExportPage[]): string[] {
  const out: string[] = [];
  for (const page of pages) forEachLine(page, (json) => out.push((JSON.parse(json) as { id: string }).id));
  return out;
}

describe.each(TARGETS)('export pages ($name)', (target) => {
  describe.skipIf(target.skip)('', () => {
    let db: Database;
    const expected: string[] = [];
    beforeAll(async () => {
      db = await target.open();
      // 25 resources of about 1 kB, one of about 20 kB among them.
      const resources = Array.from({ length: 25 }, (_, n) => observation(n, n === 12 ? 20_000 : 900));
      await db.query(
        `INSERT INTO resource (resource_type, id, version, last_updated, content)
         SELECT r->>'resourceType', r->>'id', 1, now(), r FROM jsonb_array_elements($1::jsonb) r`,
        [JSON.stringify(resources)],
      );
      expected.push(...resources.map((r) => String(r.id)));
    });
    afterAll(async () => db.close());

    it('when pages are bounded by count only, then every resource comes once, in id order, ten to a page', async () => {
      const pages = await read(new StoreExportSource(db, registry), 10);
      expect(pages.map((p) => p.count)).toEqual([10, 10, 5]);
      expect(ids(pages)).toEqual(expected);
    });

    it('when pages are bounded by bytes, then each stays under the bound, the large resource is a page of its own, and none is lost', async () => {
      const pages = await read(new StoreExportSource(db, registry, 4000), 10);
      expect(ids(pages)).toEqual(expected);
      for (const page of pages) {
        if (page.count > 1) expect(Buffer.byteLength(page.lines)).toBeLessThanOrEqual(4000);
      }
      const large = pages.find((p) => p.lines.includes('obs-012'));
      expect(large?.count).toBe(1);
      expect(pages.length).toBeGreaterThan(6);
    });
  });
});
