/**
 * `POST /fhir/Task/{id}/$handover` (R3, R4): the sender of a referral - its requester - turns it
 * into a warm handover. It sends the parts the gateway does not hold yet: its own EpisodeOfCare
 * (ov-episodeofcare), the joint conversation(s) with client, relatives, sender and receiver
 * (ov-joint-conversation), the bridging care plan until the receiver starts (ov-bridging-careplan)
 * and any supporting resources they need (the receiving practitioner, a relative). References
 * point at stored resources the sender may see (`Patient/{id}`) or at another part by its id.
 *
 * The gateway checks each part against its profile, assembles the handover message
 * (src/workflow/handover.ts: one client, a complete joint conversation, an open episode, an
 * active consent, every reference inside the Bundle), and stores in one transaction the parts,
 * the Task with its new inputs and a Provenance, the message, grants for sender and receiver,
 * one outbox row for the receiver and the audit. The answer is the handover message.
 */
import type {
  Bundle,
  Composition,
  Consent,
  EpisodeOfCare,
  OperationOutcome,
  OperationOutcomeIssue,
  Organization,
  Patient,
  Provenance,
  Reference,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { auditEvent } from '../audit/events.js';
import type { Principal } from '../auth/smart.js';
import { PROFILES, sd, SYSTEMS } from '../fhir/codes.js';
import { errorIssues, invalid, issue, outcome, OperationOutcomeError } from '../fhir/outcomes.js';
import { forEachReference, rewriteReferences } from '../fhir/references.js';
import { buildHandoverMessage, type HandoverParts } from '../workflow/handover.js';
import { provenanceOf } from '../workflow/history.js';
import { actorFromPrincipal, describeParty, refersTo, sameParty } from '../workflow/party.js';
import { transitionConflict } from '../workflow/transitions.js';
import {
  auditRefusal,
  enqueueEvents,
  reachableResources,
  readGranted,
  updateOrConflict,
  within,
  type WorkflowDeps,
  type WorkflowTx,
} from './workflow-changes.js';

/** One resource of the request, with where it was. */
export interface SentPart {
  resource: unknown;
  path: string;
}

/** The parts of a handover, as read from the Parameters body. */
export interface HandoverRequest {
  episodeOfCare?: SentPart;
  jointConversations: SentPart[];
  bridgingCarePlan?: SentPart;
  supporting: SentPart[];
}

/** The Task statuses in which the sender may still hand over. */
const HANDOVER_FROM: readonly Task['status'][] = ['requested', 'received', 'accepted', 'in-progress'];

const PART_PROFILES: Record<string, string> = {
  episodeOfCare: sd('ov-episodeofcare'),
  jointConversation: sd('ov-joint-conversation'),
  bridgingCarePlan: sd('ov-bridging-careplan'),
};

/** Refuses the handover with the outcome (or the issues) and status. */
function fail(o: OperationOutcome | OperationOutcomeIssue[], status: number): never {
  throw new OperationOutcomeError(Array.isArray(o) ? outcome(o) : o, status);
}

export async function performHandover(
  deps: WorkflowDeps,
  principal: Principal,
  taskId: string,
  request: HandoverRequest,
  requestId?: string,
): Promise<Bundle> {
  const run = () =>
    deps.db.transaction(async (tx) => {
      const w = within(deps, tx);
      const task = await readGranted<Task>(w, principal, 'Task', taskId);
      const actor = actorFromPrincipal(principal);
      if (!refersTo(task.requester, actor))
        fail(transitionConflict(`only the requester (${describeParty(task.requester)}) may hand over`), 409);
      if (!HANDOVER_FROM.includes(task.status))
        fail(
          transitionConflict(
            `a handover is possible while the Task is ${HANDOVER_FROM.join(', ')}; this Task is ${task.status}`,
          ),
          409,
        );
      const sent = checkParts(deps, request);
      await resolveConditional(w, principal, sent);
      if (!sameParty(sent.episode.managingOrganization, task.requester))
        fail(
          invalid(
            `the episode handed over is the sender's: its managingOrganization must be ${task.requester?.reference ?? describeParty(task.requester)}`,
            `${request.episodeOfCare?.path ?? 'Parameters.parameter'}.managingOrganization`,
          ),
          422,
        );
      const parts = await storedParts(w, principal, task, sent);
      const now = deps.now();
      const built = buildHandoverMessage(parts, {
        base: deps.endpoint,
        sender: (task.requester ?? {}) as Reference<Organization>,
        receiver: (task.owner ?? {}) as Reference<Organization>,
        destinationEndpoint: deps.endpoint,
        source: { endpoint: deps.endpoint, name: 'overdracht' },
        now,
        newId: deps.newId,
      });
      if (!built.ok) fail(built.outcome, 422);
      const bundle = built.bundle;
      const profileErrors = errorIssues(deps.validate(bundle, [PROFILES.handoverBundle]));
      if (profileErrors.length > 0) fail(profileErrors, 422);
      return saveHandover(w, { principal, ...(requestId ? { requestId } : {}) }, task, sent, bundle, now);
    });
  return auditRefusal(
    deps,
    { principal, ...(requestId ? { requestId } : {}) },
    '$handover',
    { type: 'Task', id: taskId },
    run,
  );
}

interface SentResources {
  episode: EpisodeOfCare;
  conversations: Resource[];
  plan: Resource;
  supporting: Resource[];
  /** Every new resource, by its new reference. */
  all: Map<string, Resource>;
}

/** Every part present and valid against its profile; new ids, references among the parts rewritten. */
function checkParts(deps: WorkflowDeps, request: HandoverRequest): SentResources {
  const missing: OperationOutcomeIssue[] = [];
  const need = (name: string): void => {
    missing.push(
      issue({
        code: 'required',
        message: `the handover needs '${name}'`,
        expression: `Parameters.parameter`,
      }),
    );
  };
  if (!request.episodeOfCare) need('episodeOfCare');
  if (request.jointConversations.length === 0) need('jointConversation');
  if (!request.bridgingCarePlan) need('bridgingCarePlan');
  if (missing.length > 0) fail(missing, 422);
  const named: [string, SentPart][] = [
    ['episodeOfCare', request.episodeOfCare as SentPart],
    ...request.jointConversations.map((p): [string, SentPart] => ['jointConversation', p]),
    ['bridgingCarePlan', request.bridgingCarePlan as SentPart],
    ...request.supporting.map((p): [string, SentPart] => ['supporting', p]),
  ];
  const problems: OperationOutcomeIssue[] = [];
  const ids = new Map<string, string>();
  for (const [name, part] of named) {
    const r = part.resource as Resource | undefined;
    if (!r || typeof r !== 'object' || typeof r.resourceType !== 'string') {
      problems.push(issue({ code: 'invalid', message: `'${name}' takes a resource`, expression: part.path }));
      continue;
    }
    const profile = PART_PROFILES[name];
    const errors = errorIssues(deps.validate(r, profile ? [profile] : []));
    problems.push(
      ...errors.map((e) => ({ ...e, expression: (e.expression ?? []).map((x) => `${part.path}.${x}`) })),
    );
    if (r.id) ids.set(`${r.resourceType}/${r.id}`, `${r.resourceType}/${deps.newId()}`);
  }
  if (problems.length > 0) fail(problems, 422);
  const all = new Map<string, Resource>();
  const renamed = named.map(([name, part]): [string, Resource] => {
    const r = part.resource as Resource;
    const to = (r.id && ids.get(`${r.resourceType}/${r.id}`)) ?? `${r.resourceType}/${deps.newId()}`;
    const { meta: _meta, ...rest } = rewriteReferences(r, (ref) => ids.get(ref));
    const fresh = {
      ...rest,
      id: to.split('/')[1] ?? '',
      ...(r.meta?.profile ? { meta: { profile: r.meta.profile } } : {}),
    } as Resource;
    all.set(to, fresh);
    return [name, fresh];
  });
  const pick = (name: string): Resource[] => renamed.filter(([n]) => n === name).map(([, r]) => r);
  return {
    episode: pick('episodeOfCare')[0] as EpisodeOfCare,
    conversations: pick('jointConversation'),
    plan: pick('bridgingCarePlan')[0] as Resource,
    supporting: pick('supporting'),
    all,
  };
}

/** The stored side of the handover: the referral request, summary, consent and client, and what all parts reference. */
async function storedParts(
  w: WorkflowTx,
  principal: Principal,
  task: Task,
  sent: SentResources,
): Promise<HandoverParts> {
  const org = principal.organisation.identifier;
  const idOf = (ref: string | undefined): string => ref?.split('/')[1] ?? '';
  const serviceRequest = await readGranted<ServiceRequest>(
    w,
    principal,
    'ServiceRequest',
    idOf(task.focus?.reference),
  );
  const summaryRef = (task.input ?? []).find((i) =>
    (i.type.coding ?? []).some(
      (c) => c.system === SYSTEMS.documentType && c.code === 'previous-treatment-summary',
    ),
  )?.valueReference?.reference;
  if (!summaryRef)
    fail(invalid('the Task has no previous-treatment summary to hand over', 'Task.input'), 422);
  const summary = await readGranted<Composition>(w, principal, 'Composition', idOf(summaryRef));
  const consentRef = (serviceRequest.supportingInfo ?? []).find((s) =>
    s.reference?.startsWith('Consent/'),
  )?.reference;
  if (!consentRef)
    fail(
      invalid(
        'the referral names no Consent (ServiceRequest.supportingInfo)',
        'ServiceRequest.supportingInfo',
      ),
      422,
    );
  const consent = await readGranted<Consent>(w, principal, 'Consent', idOf(consentRef));
  const patient = await readGranted<Patient>(w, principal, 'Patient', idOf(task.for?.reference));
  await checkReferences(w, principal, sent);
  const roots = [task, serviceRequest, summary, consent, patient];
  const known = new Map<string, Resource>([
    ...roots.map((r): [string, Resource] => [`${r.resourceType}/${r.id ?? ''}`, r]),
    ...sent.all,
  ]);
  const supporting = await reachableResources(w, [], org, { skip: ['Task'], known });
  return {
    task,
    serviceRequest,
    summary,
    jointConversations: sent.conversations as HandoverParts['jointConversations'],
    bridgingCarePlan: sent.plan as HandoverParts['bridgingCarePlan'],
    episodeOfCare: sent.episode,
    consent,
    patient,
    supporting: [...supporting, ...sent.supporting],
  };
}

/** `Patient?identifier=system|value`: a stored resource named by its identifier, as a sender knows it. */
const CONDITIONAL = /^([A-Za-z]+)\?identifier=([^|]*)\|(.+)$/;

/**
 * Conditional references in the parts (`Organization?identifier=http://fhir.nl/fhir/NamingSystem/agb-z|06001234`)
 * become the stored resource they name, among those the sender may see; none or several is a 422.
 */
async function resolveConditional(w: WorkflowTx, principal: Principal, sent: SentResources): Promise<void> {
  const wanted = new Set<string>();
  for (const resource of sent.all.values())
    forEachReference(resource, (r) => {
      if (CONDITIONAL.test(r.reference)) wanted.add(r.reference);
    });
  const resolved = new Map<string, string>();
  const problems: OperationOutcomeIssue[] = [];
  for (const ref of wanted) {
    const [, type = '', system = '', value = ''] = CONDITIONAL.exec(ref) ?? [];
    const found = w.deps.store.types().includes(type)
      ? (await w.store.search<Resource>(type, { identifier: `${system}|${value}`, _count: '10' })).resources
      : [];
    const visible: string[] = [];
    for (const r of found)
      if (await w.grants.has(principal.organisation.identifier, type, r.id ?? ''))
        visible.push(`${type}/${r.id ?? ''}`);
    const [only, second] = visible;
    if (only && !second) resolved.set(ref, only);
    else
      problems.push(
        issue({
          code: 'invalid',
          message: `${ref} ${only ? 'names more than one stored resource' : 'names no stored resource this organisation may see'}`,
          expression: 'Parameters.parameter',
          detailCode: 'reference-unresolved',
        }),
      );
  }
  if (problems.length > 0) fail(problems, 422);
  for (const [key, resource] of sent.all) {
    const rewritten = rewriteReferences(resource, (r) => resolved.get(r));
    Object.assign(resource, rewritten);
    sent.all.set(key, resource);
  }
}

/** A reference out of the parts must be to a stored resource the sender may see. */
async function checkReferences(w: WorkflowTx, principal: Principal, sent: SentResources): Promise<void> {
  const problems: OperationOutcomeIssue[] = [];
  for (const [ref, resource] of sent.all) {
    const targets: string[] = [];
    forEachReference(resource, (r) => targets.push(r.reference));
    for (const target of targets) {
      if (target.startsWith('#') || sent.all.has(target)) continue;
      const [type = '', id = ''] = target.split('/');
      if (
        /^[A-Za-z]+\/[A-Za-z0-9.-]{1,64}$/.test(target) &&
        (await w.grants.has(principal.organisation.identifier, type, id))
      )
        continue;
      problems.push(
        issue({
          code: 'invalid',
          message: `${target} is neither a part of this handover nor a stored resource this organisation may see`,
          expression: `${ref.split('/')[0] ?? ''}.reference`,
          detailCode: 'reference-unresolved',
        }),
      );
    }
  }
  if (problems.length > 0) fail(problems, 422);
}

async function saveHandover(
  w: WorkflowTx,
  call: { principal: Principal; requestId?: string },
  before: Task,
  sent: SentResources,
  bundle: Bundle,
  now: Date,
): Promise<Bundle> {
  const taskId = before.id ?? '';
  const withInputs = bundle.entry?.find((e) => e.resource?.resourceType === 'Task')?.resource as Task;
  for (const resource of sent.all.values()) {
    await w.store.create(resource);
    await w.grants.copy({ type: 'Task', id: taskId }, { type: resource.resourceType, id: resource.id ?? '' });
  }
  const updated = await updateOrConflict(w.store, withInputs, before.meta?.versionId);
  const provenance = (
    await w.store.create<Provenance>(
      provenanceOf(updated, 'handover', actorFromPrincipal(call.principal), now),
    )
  ).resource;
  await w.grants.copy({ type: 'Task', id: taskId }, { type: 'Provenance', id: provenance.id ?? '' });
  const message = (await w.store.create<Bundle>(bundle)).resource;
  await w.grants.copy({ type: 'Task', id: taskId }, { type: 'Bundle', id: message.id ?? '' });
  const task: Reference = { reference: `Task/${taskId}` };
  await enqueueEvents(
    w,
    [{ kind: 'delivery-needed', task, to: updated.owner ?? {}, cause: 'created' }],
    new Map([[`Task/${taskId}`, updated]]),
  );
  await w.auditLog.append(
    auditEvent({
      principal: call.principal,
      action: 'C',
      interaction: '$handover',
      outcome: '0',
      ...(updated.for ? { patient: updated.for } : {}),
      what: [
        task,
        { reference: `Bundle/${message.id ?? ''}` },
        ...[...sent.all.keys()].map((reference) => ({ reference })),
      ],
      legalBasis: 'implied-consent-referral',
      sourceSystem: w.deps.endpoint,
      recorded: now,
      ...(call.requestId ? { requestId: call.requestId } : {}),
    }),
  );
  return message;
}
