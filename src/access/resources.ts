/**
 * Reads and searches as one organisation sees them: the resource store's own read and search,
 * narrowed to what the organisation holds a grant for. Same search language, same paging; a
 * resource without a grant is reported exactly like one that does not exist.
 */
import type { Resource } from '@medplum/fhirtypes';
import { notFound, OperationOutcomeError } from '../fhir/outcomes.js';
import type { OrganisationKey } from '../intake/ports.js';
import type { Database } from '../store/database.js';
import type { ResourceStore, SearchResult } from '../store/resource-store.js';
import { orderBy, SearchBuilder, SqlParams, type SearchInput } from '../store/search.js';
import type { SearchParamRegistry } from '../store/search-params.js';
import { AccessGrants, grantedSql, organisationKey } from './grants.js';

export class VisibleResources {
  private readonly builder: SearchBuilder;
  private readonly grants: AccessGrants;

  constructor(
    private readonly db: Database,
    private readonly store: ResourceStore,
    registry: SearchParamRegistry,
  ) {
    this.builder = new SearchBuilder(registry);
    this.grants = new AccessGrants(db);
  }

  /** The current version, when `org` may see it; else 404 as if it did not exist. */
  async read<T extends Resource>(org: OrganisationKey, type: string, id: string): Promise<T> {
    if (!(await this.grants.has(org, type, id))) {
      throw new OperationOutcomeError(notFound(`${type}/${id} does not exist.`), 404);
    }
    return this.store.read<T>(type, id);
  }

  /** The store's search (src/store/search.ts), restricted to resources granted to `org`. */
  async search<T extends Resource>(
    org: OrganisationKey,
    type: string,
    input: SearchInput,
  ): Promise<SearchResult<T>> {
    const p = new SqlParams();
    const typeParam = p.add(type);
    const parsed = this.builder.parse(type, input, p);
    const granted = grantedSql(p.add(organisationKey(org)));
    const where = [`r.resource_type = ${typeParam}`, 'NOT r.deleted', granted, ...parsed.where].join(' AND ');
    // The count uses only the conditions' parameters: one the SQL does not mention cannot be typed (42P18).
    const whereValues = [...p.values];
    const result: SearchResult<T> = { resources: [] };
    if (parsed.count > 0) {
      const order = orderBy(parsed.sort, p);
      // One row more than asked tells whether there is a next page.
      const page = await this.db.query<{ content: T }>(
        `SELECT r.content FROM resource r WHERE ${where} ORDER BY ${order} LIMIT ${String(parsed.count + 1)} OFFSET ${String(parsed.offset)}`,
        p.values,
      );
      result.resources = page.rows.slice(0, parsed.count).map((r) => r.content);
      if (page.rows.length > parsed.count) result.nextOffset = parsed.offset + parsed.count;
    }
    if (parsed.total) {
      const counted = await this.db.query<{ total: number }>(
        `SELECT count(*)::integer AS total FROM resource r WHERE ${where}`,
        whereValues,
      );
      result.total = counted.rows[0]?.total ?? 0;
    }
    return result;
  }
}
