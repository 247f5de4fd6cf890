/**
 * Reading the resources of an export from the store: a keyset-paged SELECT per type, ordered by
 * id, so that each page costs the same however far the export has come and memory holds one
 * page at a time. Every page is bounded by the job's transaction time (what changed later is for
 * the next incremental export) and, with `_since`, by its lower bound.
 */
import type { Database } from '../store/database.js';
import type { ExportPage } from './pages.js';
import { SearchBuilder, SqlParams } from '../store/search.js';
import type { SearchParamRegistry } from '../store/search-params.js';

export const MUNICIPALITY_EXTENSION = 'https://overdracht.dev/fhir/StructureDefinition/ov-municipality-code';
export const GBA_MUNICIPALITY_SYSTEM = 'urn:oid:2.16.840.1.113883.2.4.6.14';

export interface PageQuery {
  type: string;
  /** Exclusive lower bound of `last_updated` (`_since`). */
  since?: string;
  /** Inclusive upper bound of `last_updated`: the job's transaction time. */
  until: string;
  /** Only resources of these clients (a Group export): the Patients themselves, or what references them. */
  patients?: readonly string[];
  /** `_typeFilter` queries of this type; a resource matching any goes out. */
  filters?: readonly string[];
  /** Only the addresses (the postcode pass), not the whole resource. */
  addressesOnly?: boolean;
}

export interface ExportSource {
  /**
   * Resources of one type in pages of at most `pageSize` resources and `PAGE_BYTES` of JSON (at
   * least one resource), as JSON text (the database's own).
   */
  pages(query: PageQuery, pageSize: number): AsyncGenerator<ExportPage>;
}

/**
 * A page's JSON is at most this many bytes (or one resource, however large), so that a type of
 * large resources (documents with their content) neither makes a value the database cannot build
 * (1 GB) nor a string Node cannot hold, and memory stays bounded by bytes, not only by count.
 */
export const PAGE_BYTES = 16 * 1024 * 1024;

/**
 * The SQL of one page after `afterId`: one row with the page's JSON texts joined by newlines (the
 * text of a jsonb value never holds one), how many there are, the last id, and how many the page
 * read before its byte bound cut it (`fetched`). One value per page instead of a row per
 * resource: the client decodes one string, and the page crosses to the page worker as one.
 */
export function pageSql(
  query: PageQuery,
  afterId: string,
  pageSize: number,
  search: SearchBuilder,
  pageBytes = PAGE_BYTES,
): { sql: string; params: SqlParams } {
  const p = new SqlParams();
  const where = [
    `r.resource_type = ${p.add(query.type)}`,
    'NOT r.deleted',
    `r.id > ${p.add(afterId)}`,
    `r.last_updated <= ${p.add(query.until)}::timestamptz`,
  ];
  if (query.since) where.push(`r.last_updated > ${p.add(query.since)}::timestamptz`);
  if (query.patients) {
    const ids = `(SELECT jsonb_array_elements_text(${p.add(JSON.stringify(query.patients))}::jsonb))`;
    where.push(
      query.type === 'Patient'
        ? `r.id IN ${ids}`
        : `EXISTS (SELECT 1 FROM search_reference s WHERE s.resource_type = r.resource_type AND s.resource_id = r.id
             AND s.target_type = 'Patient' AND s.target_id IN ${ids})`,
    );
  }
  if (query.filters && query.filters.length > 0) {
    const alternatives = query.filters.map((filter) => {
      const conditions = search.parse(query.type, new URLSearchParams(filter), p).where;
      return conditions.length > 0 ? `(${conditions.join(' AND ')})` : 'true';
    });
    where.push(`(${alternatives.join(' OR ')})`);
  }
  const json = query.addressesOnly
    ? "jsonb_build_object('address', r.content->'address')::text"
    : 'r.content::text';
  const sql = `SELECT count(*)::int AS count, max(page.id) AS last, coalesce(max(page.fetched), 0)::int AS fetched,
      coalesce(string_agg(page.json, E'\n' ORDER BY page.id), '') AS lines
    FROM (SELECT q.id, q.json, count(*) OVER () AS fetched,
        row_number() OVER (ORDER BY q.id) AS n,
        sum(octet_length(q.json)) OVER (ORDER BY q.id ROWS UNBOUNDED PRECEDING) AS bytes
      FROM (SELECT r.id, ${json} AS json FROM resource r WHERE ${where.join(' AND ')}
        ORDER BY r.id LIMIT ${p.add(pageSize)}) q) page
    WHERE page.n = 1 OR page.bytes <= ${p.add(pageBytes)}`;
  return { sql, params: p };
}

export class StoreExportSource implements ExportSource {
  private readonly search: SearchBuilder;

  constructor(
    private readonly db: Database,
    registry: SearchParamRegistry,
    private readonly pageBytes = PAGE_BYTES,
  ) {
    this.search = new SearchBuilder(registry);
  }

  /** Checks `_typeFilter` queries before a job is accepted (a bad one is a 400 naming the parameter). */
  checkFilter(type: string, filter: string): void {
    this.search.parse(type, new URLSearchParams(filter), new SqlParams());
  }

  /**
   * The next page is asked for before the current one is handed out, so the database reads while
   * the caller pseudonymises: at most two pages are in memory.
   */
  async *pages(query: PageQuery, pageSize: number): AsyncGenerator<ExportPage> {
    const fetch = (after: string) => {
      const { sql, params } = pageSql(query, after, pageSize, this.search, this.pageBytes);
      const page = this.db.query<{ count: number; last: string | null; fetched: number; lines: string }>(
        sql,
        params.values,
      );
      // A caller that stops early leaves the last prefetch unread: its failure is nobody's then.
      page.catch(() => undefined);
      return page;
    };
    let next = fetch('');
    for (;;) {
      const row = (await next).rows[0];
      if (!row || row.count === 0 || row.last === null) return;
      // Rows after this page: the page was full, or its byte bound cut it short.
      const more = row.fetched === pageSize || row.count < row.fetched;
      if (more) next = fetch(row.last);
      yield { lines: row.lines, count: row.count };
      if (!more) return;
    }
  }

  /** The clients of a municipality: Patients with an address coded with it (GBA table 33). */
  async patientsOfMunicipality(municipality: string, until: string): Promise<string[]> {
    const code = municipality.replace(/^GM/, '');
    const pattern = JSON.stringify([
      {
        extension: [{ url: MUNICIPALITY_EXTENSION, valueCoding: { system: GBA_MUNICIPALITY_SYSTEM, code } }],
      },
    ]);
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM resource WHERE resource_type = 'Patient' AND NOT deleted
         AND last_updated <= $1::timestamptz AND content->'address' @> $2::jsonb ORDER BY id`,
      [until, pattern],
    );
    return rows.map((r) => r.id);
  }
}
