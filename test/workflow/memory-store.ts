/** In-memory implementations of the workflow ports, for the job tests (the real one is the store). */
import type { Provenance, Reference, Task } from '@medplum/fhirtypes';
import type { TaskStatus } from '../../src/workflow/codes.js';
import { businessStatusOf, isOpen } from '../../src/workflow/codes.js';
import type { WorkflowEvent } from '../../src/workflow/events.js';
import type {
  TaskChange,
  WaitingTimePorts,
  WatchdogPorts,
  YouthCarePorts,
} from '../../src/workflow/ports.js';
import type { TaskRecord, WaitingTimeReport } from '../../src/workflow/waiting-times.js';
import type { InterruptionReport, YouthClient } from '../../src/workflow/youth-transition.js';

export class MemoryWorkflowStore implements WatchdogPorts, YouthCarePorts, WaitingTimePorts {
  readonly tasks = new Map<string, Task>();
  readonly provenance: Provenance[] = [];
  readonly outbox: WorkflowEvent[] = [];
  clients: YouthClient[] = [];
  interruptionReports: InterruptionReport[] = [];
  waitingTimeReports: WaitingTimeReport[] = [];
  /** Ids whose next save fails, as if another change came first. */
  readonly conflictOn = new Set<string>();
  private ids = 0;

  put(task: Task, history: Provenance[] = []): void {
    this.tasks.set(task.id ?? '', { ...task, meta: { ...task.meta, versionId: '1' } });
    this.provenance.push(...history);
  }

  async findIdleTasks(statuses: readonly TaskStatus[], before: Date): Promise<Task[]> {
    return [...this.tasks.values()].filter(
      (t) => statuses.includes(t.status) && new Date(t.lastModified ?? t.authoredOn ?? 0) <= before,
    );
  }

  async saveTaskChange(change: TaskChange): Promise<void> {
    const id = change.task.id ?? '';
    const stored = this.tasks.get(id);
    if (this.conflictOn.has(id) || (stored && stored.meta?.versionId !== change.task.meta?.versionId)) {
      throw new Error(`Task/${id} was changed meanwhile`);
    }
    const version = String(Number(stored?.meta?.versionId ?? '0') + 1);
    this.tasks.set(id, { ...change.task, meta: { ...change.task.meta, versionId: version } });
    this.provenance.push(change.provenance);
    this.outbox.push(...change.events);
  }

  async findYouthClients(bornFrom: string, bornTo: string): Promise<YouthClient[]> {
    return this.clients.filter((c) => c.birthDate >= bornFrom && c.birthDate <= bornTo);
  }

  async hasTransitionPreparation(episode: Reference): Promise<boolean> {
    return [...this.tasks.values()].some(
      (t) =>
        t.focus?.reference === episode.reference &&
        t.code?.coding?.some((c) => c.code === 'transition-preparation'),
    );
  }

  newId(): string {
    return `new-${++this.ids}`;
  }

  async saveInterruptionReport(report: InterruptionReport): Promise<void> {
    this.interruptionReports.push(report);
  }

  async findTaskRecords(registeredSince: Date): Promise<TaskRecord[]> {
    return [...this.tasks.values()]
      .filter((t) => isOpen(t.status) || new Date(t.authoredOn ?? 0) >= registeredSince)
      .map((task) => ({
        task,
        history: this.provenance.filter((p) => p.target[0]?.reference === `Task/${task.id ?? ''}`),
      }));
  }

  async saveWaitingTimeReport(report: WaitingTimeReport): Promise<void> {
    this.waitingTimeReports.push(report);
  }

  escalated(): string[] {
    return [...this.tasks.values()].filter((t) => businessStatusOf(t) === 'escalated').map((t) => t.id ?? '');
  }
}
