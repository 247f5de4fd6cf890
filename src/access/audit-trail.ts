/**
 * The audit trail as a privacy officer sees it: read-only, and only events about patients their
 * organisation holds a grant for (NEN 7513: the organisation that holds a client's data checks
 * who accessed it). Writing goes through the store's append-only AuditLog; nothing here changes
 * a record.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import { badRequest, notFound, OperationOutcomeError } from '../fhir/outcomes.js';
import type { OrganisationKey } from '../intake/ports.js';
import type { Database } from '../store/database.js';
import { dateRange } from '../store/fhir-dates.js';
import { SqlParams } from '../store/search.js';
import { organisationKey } from './grants.js';

/** A condition on `recorded`: FHIR date prefixes for a point in time. */
export interface RecordedFilter {
  prefix: 'eq' | 'ge' | 'gt' | 'le' | 'lt';
  value: string;
}

export interface AuditSearch {
  /** `Patient/<id>` references; absent means every patient the organisation holds. */
  patients?: readonly string[];
  recorded: readonly RecordedFilter[];
  count: number;
  offset: number;
  total: boolean;
}

export interface AuditPage {
  events: AuditEvent[];
  total?: number;
  nextOffset?: number;
}

function visibleSql(orgParam: string): string {
  return `a.patient IN (SELECT 'Patient/' || g.resource_id FROM access_grant g WHERE g.organisation = ${orgParam} AND g.resource_type = 'Patient')`;
}

function recordedSql(filter: RecordedFilter, p: SqlParams): string {
  const range = dateRange(filter.value);
  if (!range)
    throw new OperationOutcomeError(badRequest('The value of date is not a FHIR date.', 'date'), 400);
  const start = (): string => `${p.add(range.start)}::timestamptz`;
  const end = (): string => `${p.add(range.end)}::timestamptz`;
  switch (filter.prefix) {
    case 'eq':
      return `(a.recorded >= ${start()} AND a.recorded <= ${end()})`;
    case 'ge':
      return `a.recorded >= ${start()}`;
    case 'gt':
      return `a.recorded > ${end()}`;
    case 'le':
      return `a.recorded <= ${end()}`;
    case 'lt':
      return `a.recorded < ${start()}`;
    default:
      return filter.prefix satisfies never;
  }
}

export class AuditTrail {
  constructor(private readonly db: Database) {}

  async read(org: OrganisationKey, id: string): Promise<AuditEvent> {
    const { rows } = await this.db.query<{ content: AuditEvent }>(
      `SELECT a.content FROM audit_event a WHERE a.id = $1 AND ${visibleSql('$2')}`,
      [id, organisationKey(org)],
    );
    const found = rows[0];
    if (!found) throw new OperationOutcomeError(notFound(`AuditEvent/${id} does not exist.`), 404);
    return found.content;
  }

  /** Oldest first, like the log itself is written. */
  async search(org: OrganisationKey, query: AuditSearch): Promise<AuditPage> {
    const p = new SqlParams();
    const where = [visibleSql(p.add(organisationKey(org)))];
    if (query.patients) {
      // No patient matched: nothing to show, and `IN ()` is not SQL.
      if (query.patients.length === 0) return { events: [], ...(query.total ? { total: 0 } : {}) };
      where.push(`a.patient IN (${query.patients.map((x) => p.add(x)).join(', ')})`);
    }
    for (const f of query.recorded) where.push(recordedSql(f, p));
    const sql = where.join(' AND ');
    const page: AuditPage = { events: [] };
    if (query.count > 0) {
      const { rows } = await this.db.query<{ content: AuditEvent }>(
        `SELECT a.content FROM audit_event a WHERE ${sql} ORDER BY a.recorded, a.id LIMIT ${String(query.count + 1)} OFFSET ${String(query.offset)}`,
        p.values,
      );
      page.events = rows.slice(0, query.count).map((r) => r.content);
      if (rows.length > query.count) page.nextOffset = query.offset + query.count;
    }
    if (query.total) {
      const { rows } = await this.db.query<{ total: number }>(
        `SELECT count(*)::integer AS total FROM audit_event a WHERE ${sql}`,
        p.values,
      );
      page.total = rows[0]?.total ?? 0;
    }
    return page;
  }
}
