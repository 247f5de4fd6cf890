/**
 * The audit trail: AuditEvents appended, never changed. There is no update or delete here, and a
 * trigger in the database refuses UPDATE, DELETE and TRUNCATE on the table (migration 0002), so
 * not even a bug or a hand-typed statement can rewrite history.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '@medplum/fhirtypes';
import { OperationOutcomeError, invalid } from '../fhir/outcomes.js';
import type { Database, SqlValue } from './database.js';
import { parseReference } from './index-rows.js';
import type { InsertRows } from './version-writes.js';

/** Organisation identifier systems (see docs/artefacts.md), for finding the acting organisation. */
const ORGANISATION_SYSTEMS = new Set([
  'http://fhir.nl/fhir/NamingSystem/agb-z',
  'http://fhir.nl/fhir/NamingSystem/ura',
]);

export interface AuditIndex {
  /** `Patient/<id>` the event is about. */
  patient?: string;
  /** The acting organisation: `Organization/<id>` or `system|value` of its AGB or URA identifier. */
  agentOrganization?: string;
}

export interface AuditQuery extends AuditIndex {
  since?: Date;
  until?: Date;
  /** At most this many, oldest first (default 100, at most 1000). */
  limit?: number;
  offset?: number;
}

const AUDIT_COLUMNS = [
  ['id', 'text'],
  ['recorded', 'timestamptz'],
  ['patient', 'text'],
  ['agent_organization', 'text'],
  ['content', 'jsonb'],
] as const;

function checkRecorded(event: AuditEvent): void {
  if (!event.recorded || Number.isNaN(Date.parse(event.recorded))) {
    throw new OperationOutcomeError(
      invalid('An AuditEvent needs a valid recorded time.', 'AuditEvent.recorded'),
      422,
    );
  }
}

/** The patient an event is about: the first entity that references a Patient. */
export function auditPatient(event: AuditEvent): string | undefined {
  for (const entity of event.entity ?? []) {
    const target = entity.what?.reference ? parseReference(entity.what.reference) : undefined;
    if (target?.type === 'Patient') return `Patient/${target.id}`;
  }
  return undefined;
}

/** The acting organisation: an agent referencing an Organization, else one with an AGB or URA identifier. */
export function auditAgentOrganization(event: AuditEvent): string | undefined {
  const agents = event.agent ?? [];
  for (const agent of agents) {
    const target = agent.who?.reference ? parseReference(agent.who.reference) : undefined;
    if (target?.type === 'Organization') return `Organization/${target.id}`;
  }
  for (const agent of agents) {
    const id = agent.who?.identifier;
    if (id?.system && id.value && ORGANISATION_SYSTEMS.has(id.system)) return `${id.system}|${id.value}`;
  }
  return undefined;
}

export class AuditLog {
  constructor(
    private readonly db: Database,
    private readonly newId: () => string = randomUUID,
  ) {}

  withDb(tx: Database): AuditLog {
    return new AuditLog(tx, this.newId);
  }

  /** Appends `event` (an id is assigned when it has none); `index` overrides what is derived from it. */
  async append(event: AuditEvent, index: AuditIndex = {}): Promise<AuditEvent> {
    checkRecorded(event);
    const stored: AuditEvent = { ...event, id: event.id ?? this.newId() };
    await this.db.query(
      `INSERT INTO audit_event (id, recorded, patient, agent_organization, content) VALUES ($1, $2::timestamptz, $3, $4, $5::jsonb)`,
      [
        stored.id ?? null,
        stored.recorded,
        index.patient ?? auditPatient(stored) ?? null,
        index.agentOrganization ?? auditAgentOrganization(stored) ?? null,
        JSON.stringify(stored),
      ],
    );
    return stored;
  }

  /**
   * Events as rows for a multi-row insert (`ResourceStore.writeVersions`), checked and given ids
   * as `append` does; `stored` are the events as they will be kept.
   */
  rows(events: readonly AuditEvent[]): { stored: AuditEvent[]; insert: InsertRows } {
    const stored = events.map((event) => {
      checkRecorded(event);
      return { ...event, id: event.id ?? this.newId() };
    });
    return {
      stored,
      insert: {
        table: 'audit_event',
        columns: AUDIT_COLUMNS,
        rows: stored.map((e) => ({
          id: e.id,
          recorded: e.recorded ?? null,
          patient: auditPatient(e) ?? null,
          agent_organization: auditAgentOrganization(e) ?? null,
          content: e,
        })),
      },
    };
  }

  /** Events matching every given criterion, oldest first. */
  async list(query: AuditQuery = {}): Promise<AuditEvent[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    const add = (sql: string, value: SqlValue): void => {
      params.push(value);
      where.push(sql.replace('?', `$${String(params.length)}`));
    };
    if (query.patient) add('patient = ?', query.patient);
    if (query.agentOrganization) add('agent_organization = ?', query.agentOrganization);
    if (query.since) add('recorded >= ?::timestamptz', query.since.toISOString());
    if (query.until) add('recorded < ?::timestamptz', query.until.toISOString());
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const offset = Math.max(query.offset ?? 0, 0);
    const { rows } = await this.db.query<{ content: AuditEvent }>(
      `SELECT content FROM audit_event ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY recorded, id LIMIT ${String(limit)} OFFSET ${String(offset)}`,
      params,
    );
    return rows.map((r) => r.content);
  }
}
