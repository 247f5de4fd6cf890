/**
 * Receiving a referral message ($process-message, event `referral`), in the order the gateway
 * promises: the message shape; the sender is the caller's organisation; the base FHIR
 * definitions; the R1 gate; the project's profiles; then, in one transaction, the client, the referral, the summary and the
 * other entries are stored (references rewritten to stored ids), the gateway creates the Task,
 * writes the audit, and remembers its answer under the idempotency key (sender + MessageHeader.id).
 */
import type {
  AuditEvent,
  Bundle,
  Identifier,
  OperationOutcome,
  OperationOutcomeIssue,
  Organization,
  Reference,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import type { Principal } from '../auth/smart.js';
import { auditEvent } from '../audit/events.js';
import type { OrganisationConfig } from '../config/types.js';
import { type BundleIndex, type IndexedEntry } from '../fhir/bundle.js';
import { CANONICAL_BASE, PROFILES, SYSTEMS } from '../fhir/codes.js';
import { conflict, errorIssues, invalid, issue, outcome, OVERDRACHT_ISSUE_SYSTEM } from '../fhir/outcomes.js';
import { ISSUE_SOURCE_URL, issueSourceOf } from '../validation/index.js';
import { checkGate, type GateResult } from './gate.js';
import { storeEntries, type StoredEntries } from './entries.js';
import { checkMessageShape, type ShapedMessage } from './message.js';
import type { AccessGrant, OrganisationKey, OutboxEntry, ReferralRepository } from './ports.js';

export type Stage = 'shape' | 'sender' | 'base' | 'gate' | 'profile' | 'receiver' | 'idempotency';

/** The checks whose time is observed; `validation` is one pass over base definitions and profiles. */
export type Check = 'shape' | 'validation' | 'gate';

export interface IntakeDeps {
  /** Validates against the given profiles (and whatever the resource claims). */
  validate(resource: unknown, profiles: readonly string[]): OperationOutcome;
  repo: ReferralRepository;
  organisations: readonly OrganisationConfig[];
  now(): Date;
  newId(): string;
  /** This gateway's FHIR base, the source of its response messages. */
  endpoint: string;
  /** Observes the time of each check (metrics). */
  onCheck?(check: Check, seconds: number): void;
  /** Whether the repository keeps resources of this type; a message with others is refused before anything is stored. */
  keeps?(resourceType: string): boolean;
  /**
   * Completes a summary that lacks sections from what the gateway holds for the client (a
   * separate document of its own; the sender's is never changed). Its `remaining` issues replace
   * the gate's; its resources are stored with the referral and named in the Task's input.
   */
  complete?(message: Bundle, gate: GateResult, sender: OrganisationKey): Promise<Completion | undefined>;
}

/** What `complete` gives back (src/assembly/complete.ts implements it). */
export interface Completion {
  remaining: OperationOutcomeIssue[];
  /** Information issues for the response message: what was added, what was withheld. */
  notes: OperationOutcomeIssue[];
  resources(patient: Reference | undefined): (Resource & { id: string })[];
  input?: Reference;
}

export type IntakeResult =
  | { kind: 'accepted'; status: 200; response: Bundle; replay: boolean }
  | { kind: 'refused'; status: number; stage: Stage; outcome: OperationOutcome };

const IDENTIFYING_SYSTEMS: readonly string[] = [SYSTEMS.agb, SYSTEMS.ura];

export async function receiveReferral(
  body: unknown,
  requestHash: string,
  principal: Principal,
  deps: IntakeDeps,
): Promise<IntakeResult> {
  const shape = timed(deps, 'shape', () => checkMessageShape(body));
  if (!shape.ok) return refuse('shape', 422, outcome(shape.issues));
  const msg = shape.message;
  if (msg.event !== 'referral') {
    return refuse(
      'shape',
      422,
      invalid(
        `This endpoint receives event 'referral' here; '${msg.event}' is not handled`,
        'Bundle.entry[0].resource.eventCoding',
      ),
    );
  }
  const key = idempotencyKey(principal, msg.headerId);
  // A first look without waiting: a retry of a stored referral is answered before any checking.
  const earlier = await deps.repo.answer(key);
  if (earlier) {
    const result = replay(earlier, requestHash);
    if (result.kind === 'accepted')
      await deps.repo.transaction((tx) => tx.audit(replayAudit(result, principal, deps)));
    return result;
  }

  const senderProblem = checkSender(msg, principal);
  if (senderProblem) return refuse('sender', 403, senderProblem);
  const serviceRequest = msg.focus.find((f) => f.resource.resourceType === 'ServiceRequest');
  if (!serviceRequest) {
    return refuse(
      'shape',
      422,
      invalid(
        'MessageHeader.focus must point to the referral ServiceRequest',
        'Bundle.entry[0].resource.focus',
      ),
    );
  }
  const foreign = msg.index.entries.find(
    (e) => e.index > 0 && deps.keeps && !deps.keeps(e.resource.resourceType),
  );
  if (foreign) {
    return refuse(
      'shape',
      422,
      invalid(
        `This gateway does not keep resources of type ${foreign.resource.resourceType}`,
        `Bundle.entry[${foreign.index}].resource.resourceType`,
      ),
    );
  }
  // The validator checks base definitions and profiles in one pass; its findings are reported in
  // the promised order: base errors first, then the gate (its codes name R1), then the profiles.
  const validation = timed(deps, 'validation', () => deps.validate(msg.bundle, [PROFILES.referralMessage]));
  const errors = errorIssues(validation).map(withoutSource);
  const baseErrors = errorIssues(validation)
    .filter((i) => !isProjectRule(i))
    .map(withoutSource);
  if (baseErrors.length > 0) return refuse('base', 422, outcome(baseErrors));
  const gate = timed(deps, 'gate', () => checkGate(msg.bundle));
  const completion = deps.complete
    ? await deps.complete(msg.bundle, gate, principal.organisation.identifier)
    : undefined;
  const gateIssues = completion ? completion.remaining : gate.issues;
  if (gateIssues.length > 0) return refuse('gate', 422, outcome(gateIssues));
  if (errors.length > 0) return refuse('profile', 422, outcome(errors));
  const receiver = receiverOf(serviceRequest, msg.index, deps.organisations);
  if ('problem' in receiver) return refuse('receiver', 422, receiver.problem);
  const parties = partiesOf(msg, serviceRequest, receiver);

  return deps.repo.transaction(async (tx) => {
    const again = await tx.findAnswer(key);
    if (again) {
      const result = replay(again, requestHash);
      if (result.kind === 'accepted') await tx.audit(replayAudit(result, principal, deps));
      return result;
    }
    const stored = await storeEntries(msg, tx, deps.newId);
    const assembled = completion?.resources(stored.patient) ?? [];
    for (const r of assembled) await tx.create(r);
    const built = buildTask(stored, serviceRequest, principal, receiver.organisation, parties, msg, deps);
    if (completion?.input) built.input = [...(built.input ?? []), assembledInput(completion.input)];
    const task = await tx.create(built);
    await tx.grantAccess(
      grantsFor(
        [
          ...stored.refs.values(),
          ...assembled.map((r) => ({ reference: `${r.resourceType}/${r.id}` })),
          { reference: `Task/${task.id ?? ''}` },
        ],
        [principal.organisation.identifier, ...parties.performers],
      ),
    );
    await tx.enqueue(referralReceived(task, stored.refs.get(serviceRequest.index), receiver.organisation));
    const response = responseMessage(msg, task, validation, deps, completion?.notes ?? []);
    await tx.audit(
      auditEvent({
        principal,
        action: 'C',
        interaction: '$process-message',
        outcome: '0',
        ...(stored.patient ? { patient: stored.patient } : {}),
        what: [{ reference: `Task/${task.id ?? ''}` }, stored.refs.get(serviceRequest.index) ?? {}].filter(
          (r) => r.reference,
        ),
        legalBasis: 'implied-consent-referral',
        sourceSystem: deps.endpoint,
        recorded: deps.now(),
      }),
    );
    await tx.saveAnswer(key, { requestHash, status: 200, body: response });
    return { kind: 'accepted', status: 200, response, replay: false } as const;
  });
}

function refuse(stage: Stage, status: number, o: OperationOutcome): IntakeResult {
  return { kind: 'refused', status, stage, outcome: o };
}

function timed<T>(deps: IntakeDeps, check: Check, fn: () => T): T {
  const start = performance.now();
  const result = fn();
  deps.onCheck?.(check, (performance.now() - start) / 1000);
  return result;
}

/**
 * An issue that comes from the project's profiles rather than the base FHIR definitions: it names
 * a project canonical (`... (from https://overdracht.dev/fhir/StructureDefinition/ov-...)`, a
 * referenced resource not matching an ov- profile), an `ov-` invariant, or a project rule code.
 */
/**
 * Whether an issue comes from the project's own rules rather than from FHIR itself: the validator
 * names the definition whose rule raised it (`issueSource`); issues without a source (answers to a
 * Questionnaire, terminology resources) are judged by their issue code.
 */
function isProjectRule(i: OperationOutcomeIssue): boolean {
  const source = issueSourceOf(i);
  if (source) return source.definition.startsWith(CANONICAL_BASE);
  if (i.details?.coding?.some((c) => c.system === OVERDRACHT_ISSUE_SYSTEM)) return true;
  const text = i.diagnostics ?? '';
  return text.includes(CANONICAL_BASE) || /\bov-[a-z0-9-]+:/.test(text);
}

/** The answer names the element and the rule; which definition holds the rule stays internal. */
function withoutSource(i: OperationOutcomeIssue): OperationOutcomeIssue {
  const extension = i.extension?.filter((e) => e.url !== ISSUE_SOURCE_URL);
  const { extension: _dropped, ...rest } = i;
  return extension && extension.length > 0 ? { ...rest, extension } : rest;
}

function idempotencyKey(principal: Principal, headerId: string): string {
  const id = principal.organisation.identifier;
  return `${id.system}|${id.value}|${headerId}`;
}

function replay(
  earlier: { requestHash: string; status: number; body: unknown },
  requestHash: string,
): IntakeResult {
  if (earlier.requestHash !== requestHash) {
    return refuse(
      'idempotency',
      409,
      conflict(
        'This MessageHeader.id was received before from this sender with different content',
        'Bundle.entry[0].resource.id',
      ),
    );
  }
  return { kind: 'accepted', status: 200, response: earlier.body as Bundle, replay: true };
}

/** A replayed answer discloses the stored referral's Task again: the caller read it (NEN 7513). */
function replayAudit(result: { response: Bundle }, principal: Principal, deps: IntakeDeps): AuditEvent {
  const task = result.response.entry?.find((e) => e.resource?.resourceType === 'Task')?.resource as
    Task | undefined;
  const what = [
    ...(task?.id ? [{ reference: `Task/${task.id}` }] : []),
    ...(task?.focus?.reference ? [{ reference: task.focus.reference }] : []),
  ];
  return auditEvent({
    principal,
    action: 'R',
    interaction: '$process-message',
    outcome: '0',
    ...(task?.for?.reference ? { patient: { reference: task.for.reference } } : {}),
    what,
    legalBasis: 'implied-consent-referral',
    sourceSystem: deps.endpoint,
    recorded: deps.now(),
  });
}

/** The outbox entry that tells the receiving organisation a referral arrived (references only). */
function referralReceived(
  task: Task,
  focus: Reference | undefined,
  receiver: OrganisationConfig,
): OutboxEntry {
  return {
    receiver: receiver.id,
    payload: {
      type: 'task-event',
      event: 'referral-received',
      task: `Task/${task.id ?? ''}`,
      taskVersion: task.meta?.versionId ?? '1',
      ...(focus?.reference ? { focus: focus.reference } : {}),
    },
  };
}

/** The organisation a sender, requester or performer stands for: itself, or a PractitionerRole's organization. */
function organisationOf(
  ref: Reference | undefined,
  index: BundleIndex,
  from?: IndexedEntry,
): Organization | undefined {
  const target = index.resolve(ref?.reference, from);
  if (!target) return undefined;
  if (target.resource.resourceType === 'Organization') return target.resource;
  if (target.resource.resourceType === 'PractitionerRole') {
    const org = index.resolve(target.resource.organization?.reference, target);
    return org?.resource.resourceType === 'Organization' ? org.resource : undefined;
  }
  return undefined;
}

/** Read before validation, so `identifier` and its items may be of any JSON type. */
function identifyingId(org: Organization | undefined): Identifier | undefined {
  const ids: unknown = org?.identifier;
  if (!Array.isArray(ids)) return undefined;
  return ids.find(
    (i: Identifier | null): i is Identifier =>
      !!i &&
      typeof i.system === 'string' &&
      IDENTIFYING_SYSTEMS.includes(i.system) &&
      typeof i.value === 'string' &&
      !!i.value,
  );
}

function sameId(a: Identifier | undefined, b: Identifier): boolean {
  return !!a && a.system === b.system && a.value === b.value;
}

/** The message must come from the caller's own organisation. */
function checkSender(msg: ShapedMessage, principal: Principal): OperationOutcome | undefined {
  const headerEntry = msg.index.entries[0];
  const senderOrg = organisationOf(msg.header.sender, msg.index, headerEntry);
  const claimed = identifyingId(senderOrg);
  if (!claimed)
    return senderRefused(
      'MessageHeader.sender must resolve to the sending Organization (or a PractitionerRole of it) with its AGB or URA',
    );
  if (!sameId(claimed, principal.organisation.identifier))
    return senderRefused(
      'MessageHeader.sender names another organisation than the one this client belongs to',
    );
  return undefined;
}

function senderRefused(message: string): OperationOutcome {
  return outcome([issue({ code: 'forbidden', expression: 'Bundle.entry[0].resource.sender', message })]);
}

function receiverOf(
  sr: IndexedEntry,
  index: BundleIndex,
  organisations: readonly OrganisationConfig[],
): { organisation: OrganisationConfig; resource: Organization } | { problem: OperationOutcome } {
  if (sr.resource.resourceType !== 'ServiceRequest') return { problem: invalid('not a ServiceRequest') };
  const path = `Bundle.entry[${sr.index}].resource.performer[0]`;
  const performer = organisationOf(sr.resource.performer?.[0], index, sr);
  const id = identifyingId(performer);
  if (!id)
    return {
      problem: invalid(
        'ServiceRequest.performer must resolve to the receiving Organization with its AGB or URA',
        path,
      ),
    };
  const organisation = organisations.find((o) => sameId(id, o.identifier));
  if (!organisation || !performer)
    return { problem: invalid('The receiving organisation is not connected to this gateway', path) };
  return { organisation, resource: performer };
}

/** The organisations of a referral, as entries of the message and by identifier. */
interface Parties {
  /** The entry of the sending Organization (MessageHeader.sender). */
  sender: IndexedEntry | undefined;
  /** The entry of the receiving Organization (the first performer), the Task's owner. */
  owner: IndexedEntry | undefined;
  /** Every performer organisation with an AGB or URA (a referral may fan out). */
  performers: OrganisationKey[];
}

function partiesOf(msg: ShapedMessage, sr: IndexedEntry, receiver: { resource: Organization }): Parties {
  const entryOf = (org: Organization | undefined): IndexedEntry | undefined =>
    msg.index.entries.find((e) => e.resource === org);
  const performerIds = (
    sr.resource.resourceType === 'ServiceRequest' ? (sr.resource.performer ?? []) : []
  ).flatMap((p) => {
    const id = identifyingId(organisationOf(p, msg.index, sr));
    return id?.system && id.value ? [{ system: id.system, value: id.value }] : [];
  });
  return {
    sender: entryOf(organisationOf(msg.header.sender, msg.index, msg.index.entries[0])),
    owner: entryOf(receiver.resource),
    performers: performerIds,
  };
}

/**
 * Who may see what was stored: the requester (the sender), the owner and every performer
 * organisation, each for every resource of the referral and for its Task.
 */
function grantsFor(
  references: readonly Reference[],
  organisations: readonly OrganisationKey[],
): AccessGrant[] {
  const unique = new Map(
    organisations.map((o) => [`${o.system}|${o.value}`, { system: o.system, value: o.value }]),
  );
  return references.flatMap((r) =>
    r.reference
      ? [...unique.values()].map((organisation) => ({ reference: r.reference ?? '', organisation }))
      : [],
  );
}

/** The Task input that names the gateway's assembled summary. */
function assembledInput(reference: Reference): NonNullable<Task['input']>[number] {
  return {
    type: { coding: [{ system: SYSTEMS.documentType, code: 'assembled-summary' }] },
    valueReference: reference,
  };
}

function buildTask(
  refs: StoredEntries,
  sr: IndexedEntry,
  principal: Principal,
  receiver: OrganisationConfig,
  parties: Parties,
  msg: ShapedMessage,
  deps: IntakeDeps,
): Task & { id: string } {
  // The stored Organizations, so that `owner=Organization/..` and `owner.identifier=..` searches work.
  const stored = (e: IndexedEntry | undefined): { reference?: string } => {
    const reference = e ? refs.refs.get(e.index)?.reference : undefined;
    return reference ? { reference } : {};
  };
  const now = deps.now().toISOString();
  const srRef = refs.refs.get(sr.index);
  const summaryEntry = msg.index.entries.find(
    (e) =>
      e.resource.resourceType === 'Composition' &&
      (e.resource.type?.coding ?? []).some((c) => c.code === 'previous-treatment-summary'),
  );
  const summaryRef = summaryEntry && refs.refs.get(summaryEntry.index);
  return {
    resourceType: 'Task',
    id: deps.newId(),
    meta: { profile: [PROFILES.referralTask] },
    identifier: [{ system: `${deps.endpoint}/message-id`, value: idempotencyKey(principal, msg.headerId) }],
    status: 'requested',
    intent: 'order',
    code: { coding: [{ system: 'http://snomed.info/sct', code: '3457005', display: 'Patient referral' }] },
    focus: srRef ?? {},
    ...(refs.patient ? { for: refs.patient } : {}),
    authoredOn: now,
    lastModified: now,
    requester: {
      ...stored(parties.sender),
      identifier: principal.organisation.identifier,
      display: principal.organisation.name,
    },
    owner: { ...stored(parties.owner), identifier: receiver.identifier, display: receiver.name },
    ...(summaryRef
      ? {
          input: [
            {
              type: { coding: [{ system: SYSTEMS.documentType, code: 'previous-treatment-summary' }] },
              valueReference: summaryRef,
            },
          ],
        }
      : {}),
  };
}

function responseMessage(
  msg: ShapedMessage,
  task: Task,
  validation: OperationOutcome,
  deps: IntakeDeps,
  notes: readonly OperationOutcomeIssue[],
): Bundle {
  const warnings = [...(validation.issue ?? []).filter((i) => i.severity === 'warning'), ...notes];
  const headerId = deps.newId();
  const outcomeId = deps.newId();
  return {
    resourceType: 'Bundle',
    id: deps.newId(),
    type: 'message',
    timestamp: deps.now().toISOString(),
    entry: [
      {
        fullUrl: `urn:uuid:${headerId}`,
        resource: {
          resourceType: 'MessageHeader',
          id: headerId,
          eventCoding: msg.header.eventCoding ?? {},
          source: { endpoint: deps.endpoint, name: 'overdracht' },
          ...(msg.header.source?.endpoint ? { destination: [{ endpoint: msg.header.source.endpoint }] } : {}),
          response: {
            identifier: msg.headerId,
            code: 'ok',
            ...(warnings.length ? { details: { reference: `urn:uuid:${outcomeId}` } } : {}),
          },
          focus: [{ reference: `${deps.endpoint}/Task/${task.id ?? ''}` }],
        },
      },
      { fullUrl: `${deps.endpoint}/Task/${task.id ?? ''}`, resource: task },
      ...(warnings.length
        ? [
            {
              fullUrl: `urn:uuid:${outcomeId}`,
              resource: { resourceType: 'OperationOutcome' as const, id: outcomeId, issue: warnings },
            },
          ]
        : []),
    ],
  };
}
