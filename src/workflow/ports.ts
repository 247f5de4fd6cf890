/**
 * What the workflow jobs need from storage, as narrow ports: the store implements them, tests
 * use in-memory versions. Everything a port returns is the stored FHIR resources (or views of
 * them); nothing here knows SQL.
 */
import type { Provenance, Reference, Task } from '@medplum/fhirtypes';
import type { TaskStatus } from './codes.js';
import type { WorkflowEvent } from './events.js';
import type { TaskRecord, WaitingTimeReport } from './waiting-times.js';
import type { InterruptionReport, YouthClient } from './youth-transition.js';

/** A Task as changed by the workflow, with the history entry and the events of the change. */
export interface TaskChange {
  task: Task;
  provenance: Provenance;
  events: readonly WorkflowEvent[];
}

export interface TaskChangeStore {
  /**
   * Stores the Task (created, or updated if it has an id that exists), its Provenance and its
   * events (into the delivery outbox) in one transaction. An update must fail when the stored
   * Task changed since it was read (meta.versionId), so that a job never overwrites an owner's action.
   */
  saveTaskChange(change: TaskChange): Promise<void>;
}

export interface WatchdogPorts extends TaskChangeStore {
  /** Tasks in one of `statuses` whose lastModified (or authoredOn) is at or before `before`. */
  findIdleTasks(statuses: readonly TaskStatus[], before: Date): Promise<Task[]>;
}

export interface YouthCarePorts extends TaskChangeStore {
  /**
   * Clients born between `bornFrom` and `bornTo` (YYYY-MM-DD, inclusive) who have or had an
   * episode in youth GGZ, with all their episodes (and the managing organisation's type) and
   * Tasks. A wider set is fine: the rules filter precisely.
   */
  findYouthClients(bornFrom: string, bornTo: string): Promise<YouthClient[]>;
  /** Whether a transition-preparation Task already exists for this episode (Task.focus). */
  hasTransitionPreparation(episode: Reference): Promise<boolean>;
  newId(): string;
  saveInterruptionReport(report: InterruptionReport): Promise<void>;
}

export interface WaitingTimePorts {
  /** Tasks registered (authoredOn) since `registeredSince`, and all Tasks still open, each with its Provenance. */
  findTaskRecords(registeredSince: Date): Promise<TaskRecord[]>;
  saveWaitingTimeReport(report: WaitingTimeReport): Promise<void>;
}
