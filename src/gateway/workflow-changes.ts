/**
 * Storing what the workflow decided, inside one database transaction: the new Task version
 * (refused with 409 when it changed meanwhile), its Provenance, the access grants a new owner
 * needs, the feedback report, one outbox row per receiving organisation of each event, and the
 * AuditEvent. A Task of a fan-out that closes makes the gateway look at its parent
 * (`completeParentIfDone`) in the same transaction.
 */
import type {
  Composition,
  EpisodeOfCare,
  OperationOutcome,
  Provenance,
  Reference,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import { AccessGrants } from '../access/grants.js';
import { enqueueTaskEvents } from '../delivery/enqueue.js';
import { auditEvent } from '../audit/events.js';
import type { Principal } from '../auth/smart.js';
import type { OrganisationConfig } from '../config/types.js';
import { forEachReference } from '../fhir/references.js';
import { conflict, invalid, notFound, OperationOutcomeError } from '../fhir/outcomes.js';
import type { OrganisationKey } from '../intake/ports.js';
import type { AuditLog } from '../store/audit-log.js';
import type { Database } from '../store/database.js';
import { DatabaseError } from '../store/errors.js';
import type { Outbox } from '../store/outbox.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { WorkflowEvent } from '../workflow/events.js';
import { completeParentIfDone } from '../workflow/fanout.js';
import { describeParty, sameParty, type Party } from '../workflow/party.js';
import type { TransitionResult } from '../workflow/transitions.js';

/** What the Task operations need; built once by the composition root. */
export interface WorkflowDeps {
  db: Database;
  store: ResourceStore;
  auditLog: AuditLog;
  outbox: Outbox;
  organisations: readonly OrganisationConfig[];
  /** Validates against the given profiles (and whatever the resource claims). */
  validate(resource: unknown, profiles: readonly string[]): OperationOutcome;
  now(): Date;
  newId(): string;
  /** This gateway's FHIR base (the audit's source system). */
  endpoint: string;
}

/** The same parts inside one transaction. */
export interface WorkflowTx {
  deps: WorkflowDeps;
  db: Database;
  store: ResourceStore;
  grants: AccessGrants;
  outbox: Outbox;
  auditLog: AuditLog;
}

export function within(deps: WorkflowDeps, tx: Database): WorkflowTx {
  return {
    deps,
    db: tx,
    store: deps.store.withDb(tx),
    grants: new AccessGrants(tx),
    outbox: deps.outbox.withDb(tx),
    auditLog: deps.auditLog.withDb(tx),
  };
}

/** The caller of the operation, for the audit trail. */
export interface CallContext {
  principal: Principal;
  requestId?: string;
}

/** A stored resource the caller may see, else 404 exactly as if it did not exist. */
export async function readGranted<T extends Resource>(
  w: WorkflowTx,
  principal: Principal,
  type: T['resourceType'],
  id: string,
): Promise<T> {
  if (!(await w.grants.has(principal.organisation.identifier, type, id)))
    throw new OperationOutcomeError(notFound(`${type}/${id} does not exist.`), 404);
  return w.store.read<T>(type, id);
}

/** A connected organisation as the workflow knows it, with its stored Organization when there is one. */
export async function partyOf(w: WorkflowTx, org: OrganisationConfig): Promise<Party> {
  const stored = await w.store.findByIdentifier<Resource>('Organization', org.identifier);
  return {
    identifier: { ...org.identifier },
    display: org.name,
    type: org.type,
    ...(stored?.id ? { reference: `Organization/${stored.id}` } : {}),
  };
}

export function organisationByIdentifier(
  organisations: readonly OrganisationConfig[],
  id: { system?: string; value?: string } | undefined,
): OrganisationConfig | undefined {
  return organisations.find((o) => o.identifier.system === id?.system && o.identifier.value === id.value);
}

/** Two changes at once: the one that comes second finds another version and is told so (409). */
export async function updateOrConflict(
  store: ResourceStore,
  task: Task,
  versionId: string | undefined,
): Promise<Task> {
  try {
    return (await store.update(task, versionId ? { ifMatch: versionId } : {})).resource;
  } catch (err) {
    if (err instanceof OperationOutcomeError && !(err instanceof DatabaseError) && err.status === 412) {
      throw new OperationOutcomeError(
        conflict('The Task changed meanwhile; read it again and retry', 'Task'),
        409,
      );
    }
    throw err;
  }
}

/** The most resources one referral is taken to consist of (a guard against runaway graphs). */
const MAX_REFERRAL_RESOURCES = 1000;

const REFERENCE = /^([A-Za-z]+)\/([A-Za-z0-9.-]{1,64})$/;

/**
 * The stored resources reachable from `roots` by references that `holder` holds a grant for,
 * each once; `known` are resources at hand (not read again, not returned), `skip` types not followed.
 */
export async function reachableResources(
  w: WorkflowTx,
  roots: readonly Resource[],
  holder: OrganisationKey,
  opts: { skip?: readonly string[]; known?: ReadonlyMap<string, Resource> } = {},
): Promise<Resource[]> {
  const seen = new Set<string>(opts.known?.keys() ?? []);
  const queue: string[] = [];
  const visit = (ref: string): void => {
    if (REFERENCE.test(ref) && !seen.has(ref) && seen.size < MAX_REFERRAL_RESOURCES) {
      seen.add(ref);
      queue.push(ref);
    }
  };
  for (const root of [...roots, ...(opts.known?.values() ?? [])])
    forEachReference(root, (r) => visit(r.reference));
  const found: Resource[] = [];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const [, type = '', id = ''] = REFERENCE.exec(next) ?? [];
    if (opts.skip?.includes(type) || !w.deps.store.types().includes(type)) continue;
    if (!(await w.grants.has(holder, type, id))) continue;
    const resource = await w.store.read<Resource>(type, id);
    found.push(resource);
    forEachReference(resource, (r) => visit(r.reference));
  }
  return found;
}

/**
 * The resources a referral consists of: everything reachable from the Task by references
 * (focus, client, inputs, and what those reference) that `holder` - the requester, who shared
 * them - holds a grant for, other Tasks left out. A new owner gets exactly these.
 */
export async function referralResources(
  w: WorkflowTx,
  task: Task,
  holder: OrganisationKey,
): Promise<string[]> {
  const found = await reachableResources(w, [task], holder, { skip: ['Task'] });
  return found.map((r) => `${r.resourceType}/${r.id ?? ''}`);
}

/** The Provenances of a Task's earlier changes, so that a new owner sees its history. */
async function provenanceOfTask(w: WorkflowTx, taskId: string): Promise<string[]> {
  const found = await w.store.search<Provenance>('Provenance', { target: `Task/${taskId}`, _count: '200' });
  return found.resources.map((p) => `Provenance/${p.id ?? ''}`);
}

/**
 * Grants for a Task's new owner: a regional table sees the Task and the referral request only
 * (R9: it decides on the question, not on the record); any other receiver everything the
 * requester shared, and the Task's history.
 */
async function grantNewOwner(w: WorkflowTx, task: Task): Promise<void> {
  const owner = organisationByIdentifier(w.deps.organisations, task.owner?.identifier);
  // The workflow only names connected organisations as owners; anything else gets nothing.
  if (!owner) return;
  const id = task.id ?? '';
  const requester = task.requester?.identifier;
  const shared =
    owner.type === 'regional-table'
      ? [task.focus?.reference ?? '']
      : requester?.system && requester.value
        ? await referralResources(w, task, { system: requester.system, value: requester.value })
        : [];
  const references = [`Task/${id}`, ...shared, ...(await provenanceOfTask(w, id))].filter(Boolean);
  await w.grants.add(references.map((reference) => ({ reference, organisation: owner.identifier })));
}

/**
 * One outbox row per receiving organisation of each event (src/delivery/enqueue.ts); a receiver
 * that is not connected to this gateway refuses the whole change (422), so nothing is stored that
 * could not be delivered.
 */
export async function enqueueEvents(
  w: WorkflowTx,
  events: readonly WorkflowEvent[],
  tasks: ReadonlyMap<string, Task>,
  feedback?: Reference,
): Promise<void> {
  const { unknown } = await enqueueTaskEvents(
    w.outbox,
    w.deps.organisations,
    events,
    tasks,
    feedback ? { feedback } : {},
  );
  const first = unknown[0];
  if (first)
    throw new OperationOutcomeError(
      invalid(`${describeParty(first)} is not connected to this gateway`, 'Task.owner'),
      422,
    );
}

export interface TaskChangeInput {
  before: Task;
  result: Extract<TransitionResult, { ok: true }>;
  /** The operation, as the audit names it (`$accept`, `$complete-group`, ...). */
  interaction: string;
  /** The feedback report of this change, stored with it. */
  feedback?: Composition;
  /** Further resources the change stored (references), named in the audit. */
  also?: readonly Reference[];
}

/** Stores one Task change and what follows from it; the stored Task version. */
export async function saveTaskChange(
  w: WorkflowTx,
  call: CallContext,
  change: TaskChangeInput,
): Promise<Task> {
  const { before, result } = change;
  const id = before.id ?? '';
  const updated = await updateOrConflict(w.store, result.task, before.meta?.versionId);
  if (!sameParty(before.owner, updated.owner)) await grantNewOwner(w, updated);
  const provenance = (await w.store.create<Provenance>(result.provenance)).resource;
  await w.grants.copy({ type: 'Task', id }, { type: 'Provenance', id: provenance.id ?? '' });
  let feedback: Reference | undefined;
  if (change.feedback) {
    const stored = (await w.store.create<Composition>(change.feedback)).resource;
    await w.grants.copy({ type: 'Task', id }, { type: 'Composition', id: stored.id ?? '' });
    feedback = { reference: `Composition/${stored.id ?? ''}` };
  }
  await enqueueEvents(w, result.events, new Map([[`Task/${id}`, updated]]), feedback);
  await w.auditLog.append(
    auditEvent({
      principal: call.principal,
      action: 'U',
      interaction: change.interaction,
      outcome: '0',
      ...(updated.for ? { patient: updated.for } : {}),
      what: [
        { reference: `Task/${id}` },
        { reference: `Provenance/${provenance.id ?? ''}` },
        ...(feedback ? [feedback] : []),
        ...(change.also ?? []),
      ],
      legalBasis: 'implied-consent-referral',
      sourceSystem: w.deps.endpoint,
      recorded: w.deps.now(),
      ...(call.requestId ? { requestId: call.requestId } : {}),
    }),
  );
  for (const event of result.events)
    if (event.kind === 'child-closed') await closeParentIfDone(w, call, event.parent, updated);
  return updated;
}

/** The children of a fan-out parent, as stored. */
export async function childrenOf(w: WorkflowTx, parentId: string): Promise<Task[]> {
  return (await w.store.search<Task>('Task', { 'part-of': `Task/${parentId}`, _count: '200' })).resources;
}

/** When the last Task of a fan-out closes, the gateway completes the parent (`complete-group`). */
async function closeParentIfDone(
  w: WorkflowTx,
  call: CallContext,
  parentRef: Reference,
  child: Task,
): Promise<void> {
  const parentId = parentRef.reference?.split('/')[1];
  if (!parentId) return;
  const parent = await w.store.read<Task>('Task', parentId);
  const children = (await childrenOf(w, parentId)).map((c) => (c.id === child.id ? child : c));
  const result = completeParentIfDone(parent, children, w.deps.now());
  if (!result?.ok) return;
  await saveTaskChange(w, call, { before: parent, result, interaction: '$complete-group' });
}

/**
 * Runs an operation on `subject`; when it is refused (409, 422, ...) for a caller who may see the
 * resource, the attempt is audited as a failure (outcome 4) before the refusal goes out: NEN 7513
 * logs attempts, not only changes. Callers who may not see it got a 404 and learn nothing.
 */
export async function auditRefusal<T>(
  deps: WorkflowDeps,
  call: CallContext,
  interaction: string,
  subject: { type: 'Task' | 'EpisodeOfCare'; id: string },
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const status = err instanceof OperationOutcomeError ? (err.status ?? 500) : 500;
    const org = call.principal.organisation.identifier;
    if (
      status >= 400 &&
      status < 500 &&
      status !== 404 &&
      (await new AccessGrants(deps.db).has(org, subject.type, subject.id))
    ) {
      const resource = await deps.store.read<Task | EpisodeOfCare>(subject.type, subject.id);
      const patient = resource.resourceType === 'Task' ? resource.for : resource.patient;
      await deps.auditLog.append(
        auditEvent({
          principal: call.principal,
          action: 'U',
          interaction,
          outcome: '4',
          ...(patient ? { patient } : {}),
          what: [{ reference: `${subject.type}/${subject.id}` }],
          legalBasis: 'implied-consent-referral',
          sourceSystem: deps.endpoint,
          recorded: deps.now(),
          ...(call.requestId ? { requestId: call.requestId } : {}),
        }),
      );
    }
    throw err;
  }
}
