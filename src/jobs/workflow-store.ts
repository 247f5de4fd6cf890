/**
 * The workflow jobs' ports (src/workflow/ports.ts) on the database: Tasks, EpisodeOfCare and
 * Patients read through the ResourceStore, changes written with their Provenance, access grants
 * and outbox rows in one transaction, reports kept in `job_report`. A Task change made by a job
 * fails when the Task changed since it was read (If-Match), so a job never overwrites an owner.
 */
import type { EpisodeOfCare, Provenance, Reference, Resource, Task } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { AccessGrants } from '../access/grants.js';
import type { OrganisationConfig } from '../config/types.js';
import { configuredOrganisation, enqueueTaskEvents } from '../delivery/enqueue.js';
import type { AccessGrant } from '../intake/ports.js';
import type { Database } from '../store/database.js';
import { JobReports } from '../store/jobs.js';
import { Outbox } from '../store/outbox.js';
import type { ResourceStore, SearchResult } from '../store/resource-store.js';
import type { SearchInput } from '../store/search.js';
import { BUSINESS_STATUS_SYSTEM, OPEN_STATUSES, type TaskStatus } from '../workflow/codes.js';
import type { TaskChange, WaitingTimePorts, WatchdogPorts, YouthCarePorts } from '../workflow/ports.js';
import type { TaskRecord, WaitingTimeReport } from '../workflow/waiting-times.js';
import { idleSince } from '../workflow/watchdog.js';
import type { InterruptionReport, YouthClient } from '../workflow/youth-transition.js';
import { isYouthGgz } from '../workflow/youth-transition.js';

export const WAITING_TIMES_REPORT = 'waiting-times';
export const INTERRUPTIONS_REPORT = 'youth-interruptions';

const PAGE = 200;

export interface WorkflowStoreDeps {
  db: Database;
  store: ResourceStore;
  organisations: readonly OrganisationConfig[];
  now: () => Date;
  newId?: () => string;
}

export type WorkflowStorePorts = WatchdogPorts & YouthCarePorts & WaitingTimePorts;

export class WorkflowStore implements WorkflowStorePorts {
  private readonly reports: JobReports;
  private readonly newIdFn: () => string;
  /** Outbox rows for receivers that are not configured organisations, since this store was made. */
  unknownReceivers = 0;

  constructor(private readonly deps: WorkflowStoreDeps) {
    this.reports = new JobReports(deps.db, deps.now);
    this.newIdFn = deps.newId ?? randomUUID;
  }

  /** Every resource a search finds, page after page. */
  private async all<T extends Resource>(
    type: string,
    query: Record<string, string | string[]>,
  ): Promise<T[]> {
    const out: T[] = [];
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const input: SearchInput = { ...query, _count: String(PAGE), _offset: String(offset) };
      const page: SearchResult<T> = await this.deps.store.search<T>(type, input);
      out.push(...page.resources);
      offset = page.nextOffset;
    }
    return out;
  }

  async findIdleTasks(statuses: readonly TaskStatus[], before: Date): Promise<Task[]> {
    const tasks = await this.all<Task>('Task', { status: statuses.join(',') });
    return tasks.filter((t) => {
      const since = idleSince(t);
      return since !== undefined && since <= before;
    });
  }

  async saveTaskChange(change: TaskChange): Promise<void> {
    const { db, store, organisations } = this.deps;
    await db.transaction(async (tx) => {
      const txStore = store.withDb(tx);
      const grants = new AccessGrants(tx);
      const id = change.task.id;
      const exists = id
        ? await txStore.read<Task>('Task', id).then(
            () => true,
            () => false,
          )
        : false;
      const saved = exists
        ? (await txStore.update(change.task, { ifMatch: change.task.meta?.versionId ?? '0' })).resource
        : (await txStore.create(change.task)).resource;
      const taskId = saved.id ?? '';
      const provenance = (await txStore.create<Provenance>(change.provenance)).resource;
      if (!exists) await grants.add(this.grantsFor(saved));
      await grants.copy({ type: 'Task', id: taskId }, { type: 'Provenance', id: provenance.id ?? '' });
      const queued = await enqueueTaskEvents(
        new Outbox(tx, this.deps.now),
        organisations,
        change.events,
        new Map([[`Task/${taskId}`, saved]]),
      );
      this.unknownReceivers += queued.unknown.length;
    });
  }

  /** A Task made by a job is seen by its owner and requester. */
  private grantsFor(task: Task): AccessGrant[] {
    const reference = `Task/${task.id ?? ''}`;
    return [task.owner, task.requester].flatMap((ref): AccessGrant[] => {
      const org = ref ? configuredOrganisation(this.deps.organisations, ref) : undefined;
      return org ? [{ organisation: org.identifier, reference }] : [];
    });
  }

  async findYouthClients(bornFrom: string, bornTo: string): Promise<YouthClient[]> {
    const patients = await this.all<Resource & { birthDate?: string }>('Patient', {
      birthdate: [`ge${bornFrom}`, `le${bornTo}`],
    });
    const clients: YouthClient[] = [];
    for (const patient of patients) {
      if (!patient.birthDate || !patient.id) continue;
      const ref = `Patient/${patient.id}`;
      const episodes = (await this.all<EpisodeOfCare>('EpisodeOfCare', { patient: ref })).map((episode) => {
        const org = episode.managingOrganization
          ? configuredOrganisation(this.deps.organisations, episode.managingOrganization)
          : undefined;
        return { episode, ...(org ? { organisationType: org.type } : {}) };
      });
      if (!episodes.some(isYouthGgz)) continue;
      const tasks = await this.all<Task>('Task', { patient: ref });
      clients.push({ patient: { reference: ref }, birthDate: patient.birthDate, episodes, tasks });
    }
    return clients;
  }

  async hasTransitionPreparation(episode: Reference): Promise<boolean> {
    if (!episode.reference) return false;
    const found = await this.deps.store.search('Task', {
      focus: episode.reference,
      code: `${BUSINESS_STATUS_SYSTEM}|transition-preparation`,
      _count: '1',
    });
    return found.resources.length > 0;
  }

  newId(): string {
    return this.newIdFn();
  }

  async saveInterruptionReport(report: InterruptionReport): Promise<void> {
    await this.reports.save(INTERRUPTIONS_REPORT, report);
  }

  async findTaskRecords(registeredSince: Date): Promise<TaskRecord[]> {
    const recent = await this.all<Task>('Task', { 'authored-on': `ge${registeredSince.toISOString()}` });
    const open = await this.all<Task>('Task', { status: OPEN_STATUSES.join(',') });
    const byId = new Map<string, Task>();
    for (const t of [...recent, ...open]) if (t.id) byId.set(t.id, t);
    const records: TaskRecord[] = [];
    for (const [id, task] of byId) {
      const history = await this.all<Provenance>('Provenance', { target: `Task/${id}` });
      records.push({ task, history });
    }
    return records;
  }

  async saveWaitingTimeReport(report: WaitingTimeReport): Promise<void> {
    await this.reports.save(WAITING_TIMES_REPORT, report);
  }
}
