/**
 * The indicators' I/O: what they are computed from (read from the resource table page by page)
 * and where the MeasureReports go (`indicator_report`, migration 0006: one row per measure,
 * municipality and month, replaced on every run so a run is idempotent).
 */
import type {
  EpisodeOfCare,
  MeasureReport,
  Organization,
  Patient,
  Provenance,
  QuestionnaireResponse,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import type { Database } from '../store/database.js';
import type { IndicatorInputs } from './compute.js';

const PAGE = 1000;

async function* all<T extends Resource>(db: Database, type: T['resourceType']): AsyncGenerator<T> {
  let after = '';
  for (;;) {
    const { rows } = await db.query<{ id: string; content: T | string }>(
      `SELECT id, content FROM resource WHERE resource_type = $1 AND NOT deleted AND id > $2 ORDER BY id LIMIT ${String(PAGE)}`,
      [type, after],
    );
    for (const row of rows)
      yield typeof row.content === 'string' ? (JSON.parse(row.content) as T) : row.content;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]?.id ?? after;
  }
}

async function list<T extends Resource>(db: Database, type: T['resourceType']): Promise<T[]> {
  const out: T[] = [];
  for await (const r of all<T>(db, type)) out.push(r);
  return out;
}

/** Everything the indicators are computed from. Only the fields they use are kept in memory. */
export async function loadIndicatorInputs(db: Database): Promise<IndicatorInputs> {
  const history = new Map<string, Provenance[]>();
  for await (const p of all<Provenance>(db, 'Provenance')) {
    for (const target of p.target) {
      if (!target.reference?.startsWith('Task/')) continue;
      const step: Provenance = {
        resourceType: 'Provenance',
        target: [target],
        recorded: p.recorded,
        agent: p.agent,
        ...(p.occurredDateTime ? { occurredDateTime: p.occurredDateTime } : {}),
        ...(p.activity ? { activity: p.activity } : {}),
      };
      const steps = history.get(target.reference) ?? [];
      steps.push(step);
      history.set(target.reference, steps);
    }
  }
  const tasks = (await list<Task>(db, 'Task')).map((task) => ({
    task,
    history: history.get(`Task/${task.id ?? ''}`) ?? [],
  }));
  return {
    tasks,
    serviceRequests: await list<ServiceRequest>(db, 'ServiceRequest'),
    patients: (await list<Patient>(db, 'Patient')).map((p) => ({
      resourceType: 'Patient',
      ...(p.id ? { id: p.id } : {}),
      ...(p.birthDate ? { birthDate: p.birthDate } : {}),
      ...(p.address
        ? {
            address: p.address.map((a) => ({
              ...(a.use ? { use: a.use } : {}),
              ...(a.extension ? { extension: a.extension } : {}),
            })),
          }
        : {}),
    })),
    organizations: await list<Organization>(db, 'Organization'),
    questionnaireResponses: await list<QuestionnaireResponse>(db, 'QuestionnaireResponse'),
    episodes: await list<EpisodeOfCare>(db, 'EpisodeOfCare'),
  };
}

export interface ReportQuery {
  measure?: string;
  /** YYYY-MM */
  period?: string;
  municipality?: string;
  count: number;
  offset: number;
}

interface ReportRow {
  content: MeasureReport | string;
}

export class IndicatorReports {
  constructor(private readonly db: Database) {}

  /** Stores reports, replacing those of the same measure, municipality and month. */
  async save(reports: readonly MeasureReport[]): Promise<number> {
    await this.db.transaction(async (tx) => {
      for (const r of reports) {
        await tx.query(
          `INSERT INTO indicator_report (id, measure, municipality, period, generated, content)
           VALUES ($1, $2, $3, $4, $5::timestamptz, $6::jsonb)
           ON CONFLICT (measure, municipality, period) DO UPDATE SET id = EXCLUDED.id, generated = EXCLUDED.generated, content = EXCLUDED.content`,
          [
            r.id ?? '',
            r.measure,
            r.subject?.identifier?.value ?? 'unknown',
            r.period?.start?.slice(0, 7) ?? '',
            r.date ?? new Date(0).toISOString(),
            JSON.stringify(r),
          ],
        );
      }
    });
    return reports.length;
  }

  async read(id: string): Promise<MeasureReport | undefined> {
    const { rows } = await this.db.query<ReportRow>('SELECT content FROM indicator_report WHERE id = $1', [
      id,
    ]);
    const content = rows[0]?.content;
    return typeof content === 'string' ? (JSON.parse(content) as MeasureReport) : content;
  }

  async search(q: ReportQuery): Promise<{ reports: MeasureReport[]; total: number }> {
    const where: string[] = [];
    const params: string[] = [];
    const add = (sql: string, value: string | undefined) => {
      if (value === undefined) return;
      params.push(value);
      where.push(`${sql} = $${String(params.length)}`);
    };
    add('measure', q.measure);
    add('period', q.period);
    add('municipality', q.municipality);
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const { rows } = await this.db.query<ReportRow>(
      `SELECT content FROM indicator_report ${filter} ORDER BY period, measure, municipality LIMIT ${String(q.count)} OFFSET ${String(q.offset)}`,
      params,
    );
    const total = await this.db.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM indicator_report ${filter}`,
      params,
    );
    return {
      reports: rows.map((r) =>
        typeof r.content === 'string' ? (JSON.parse(r.content) as MeasureReport) : r.content,
      ),
      total: total.rows[0]?.n ?? 0,
    };
  }
}

/** The job's ports on the database (see job.ts). */
export function indicatorPorts(db: Database): {
  load(): Promise<IndicatorInputs>;
  save(reports: readonly MeasureReport[]): Promise<number>;
} {
  const reports = new IndicatorReports(db);
  return { load: () => loadIndicatorInputs(db), save: (r) => reports.save(r) };
}
