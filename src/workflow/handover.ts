/**
 * The warm handover message (R3, R4): a Bundle of type message, event `handover`, profile
 * ov-handover-bundle, focused on the handover Task. It is assembled from its parts - the Task,
 * the ServiceRequest, the previous-treatment summary, the joint conversation(s), the bridging care
 * plan, the sender's EpisodeOfCare, the Consent and the Patient - plus whatever they reference.
 *
 * The builder checks what a profile cannot see across resources (all parts about one client, the
 * joint conversation has client, sender and receiver, the episode is not yet closed, the consent
 * is active, every reference resolves inside the Bundle) and points the Task's inputs at the parts
 * (ov-msg-handover-3). Profile validation stays with the validator.
 */
import type {
  Appointment,
  Bundle,
  BundleEntry,
  CarePlan,
  Composition,
  Consent,
  EpisodeOfCare,
  OperationOutcome,
  OperationOutcomeIssue,
  Organization,
  Patient,
  PractitionerRole,
  Reference,
  Resource,
  ServiceRequest,
  Task,
  TaskInput,
} from '@medplum/fhirtypes';
import { BundleIndex } from '../fhir/bundle.js';
import { PROFILES, SYSTEMS, sd } from '../fhir/codes.js';
import { issue, outcome } from '../fhir/outcomes.js';
import { forEachReference } from '../fhir/references.js';
import { MESSAGE_EVENT_SYSTEM, RESOURCE_TYPES_SYSTEM } from './codes.js';

export interface HandoverParts {
  /** The handover Task, written by the sender; its owner is the receiver. */
  task: Task;
  serviceRequest: ServiceRequest;
  /** The previous-treatment summary (Composition). */
  summary: Composition;
  /** The joint conversation(s) of client, relatives, sender and receiver. */
  jointConversations: readonly Appointment[];
  bridgingCarePlan: CarePlan;
  /** The sender's episode of care, still open. */
  episodeOfCare: EpisodeOfCare;
  consent: Consent;
  patient: Patient;
  /** Everything else the parts reference: organisations, practitioners, relatives, conditions, ... */
  supporting?: readonly Resource[];
}

export interface HandoverMessageOptions {
  /** The sender's FHIR base URL; entries get fullUrl `{base}/{type}/{id}`. */
  base: string;
  /** The sending Organization (a reference that resolves inside the Bundle). */
  sender: Reference<Organization | PractitionerRole>;
  /** The receiving Organization or PractitionerRole (resolves inside the Bundle). */
  receiver: Reference<Organization | PractitionerRole>;
  /** Where the receiver is reached. */
  destinationEndpoint: string;
  /** The sending system. */
  source: { endpoint: string; name?: string };
  now: Date;
  newId: () => string;
}

export type HandoverMessageResult = { ok: true; bundle: Bundle } | { ok: false; outcome: OperationOutcome };

/** The joint conversation roles (v3 ParticipationType) the profile requires. */
const REQUIRED_PARTICIPANTS: readonly { code: string; what: string }[] = [
  { code: 'SBJ', what: 'the client' },
  { code: 'REF', what: 'the sending practitioner' },
  { code: 'REFT', what: 'the receiving practitioner' },
];

export function buildHandoverMessage(
  parts: HandoverParts,
  opts: HandoverMessageOptions,
): HandoverMessageResult {
  const problems = checkParts(parts);
  if (problems.length > 0) return { ok: false, outcome: outcome(problems) };
  const task = withInputs(parts);
  const headerId = opts.newId();
  const resources = unique([
    header(headerId, task, opts),
    task,
    parts.serviceRequest,
    parts.summary,
    ...parts.jointConversations,
    parts.bridgingCarePlan,
    parts.episodeOfCare,
    parts.consent,
    parts.patient,
    ...(parts.supporting ?? []),
  ]);
  const bundle: Bundle = {
    resourceType: 'Bundle',
    id: opts.newId(),
    meta: { profile: [PROFILES.handoverBundle] },
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${opts.newId()}` },
    type: 'message',
    timestamp: opts.now.toISOString(),
    entry: resources.map((r): BundleEntry => ({
      fullUrl: `${opts.base.replace(/\/$/, '')}/${r.resourceType}/${r.id ?? ''}`,
      resource: r,
    })),
  };
  const unresolved = unresolvedReferences(bundle);
  if (unresolved.length > 0) return { ok: false, outcome: outcome(unresolved) };
  return { ok: true, bundle };
}

type Problem = OperationOutcomeIssue;

function unresolved(message: string, expression: string): Problem {
  return issue({ code: 'invalid', message, expression, detailCode: 'reference-unresolved' });
}

function plain(message: string, expression: string): Problem {
  return issue({ code: 'invalid', message, expression });
}

function checkParts(parts: HandoverParts): Problem[] {
  const out: Problem[] = [];
  const all: [string, Resource][] = [
    ['task', parts.task],
    ['serviceRequest', parts.serviceRequest],
    ['summary', parts.summary],
    ...parts.jointConversations.map((a, i): [string, Resource] => [`jointConversations[${i}]`, a]),
    ['bridgingCarePlan', parts.bridgingCarePlan],
    ['episodeOfCare', parts.episodeOfCare],
    ['consent', parts.consent],
    ['patient', parts.patient],
  ];
  for (const [name, r] of all)
    if (!r.id) out.push(plain(`${name} has no id; every entry of the handover needs one`, `${name}.id`));
  if (parts.jointConversations.length === 0)
    out.push(plain('a warm handover has at least one joint conversation (R3, R4)', 'jointConversations'));
  out.push(...sameClient(parts), ...participants(parts.jointConversations));
  if (parts.task.focus?.reference !== `ServiceRequest/${parts.serviceRequest.id ?? ''}`) {
    out.push(plain('the handover Task must focus on the ServiceRequest', 'task.focus'));
  }
  if (parts.episodeOfCare.status === 'finished' || parts.episodeOfCare.status === 'cancelled') {
    out.push(
      plain(
        `the sender's episode of care is ${parts.episodeOfCare.status}; a warm handover happens before closure (R4)`,
        'episodeOfCare.status',
      ),
    );
  }
  if (parts.consent.status !== 'active')
    out.push(plain(`the consent is ${parts.consent.status}, not active`, 'consent.status'));
  return out;
}

/** Every part that names a client must name this patient. */
function sameClient(parts: HandoverParts): Problem[] {
  const patient = `Patient/${parts.patient.id ?? ''}`;
  const subjects: [string, Reference | undefined][] = [
    ['task.for', parts.task.for],
    ['serviceRequest.subject', parts.serviceRequest.subject],
    ['summary.subject', parts.summary.subject],
    ['bridgingCarePlan.subject', parts.bridgingCarePlan.subject],
    ['episodeOfCare.patient', parts.episodeOfCare.patient],
    ['consent.patient', parts.consent.patient],
  ];
  return subjects
    .filter(([, ref]) => ref?.reference !== patient)
    .map(([path]) => plain(`${path} must be ${patient}, the client of this handover`, path));
}

function participants(appointments: readonly Appointment[]): Problem[] {
  return appointments.flatMap((a, i) =>
    REQUIRED_PARTICIPANTS.filter(
      (p) =>
        !(a.participant ?? []).some(
          (x) => x.actor && (x.type ?? []).some((t) => (t.coding ?? []).some((c) => c.code === p.code)),
        ),
    ).map((p) =>
      plain(
        `the joint conversation has no participant for ${p.what} (${p.code})`,
        `jointConversations[${i}].participant`,
      ),
    ),
  );
}

const typed = (system: string, code: string) => ({ coding: [{ system, code }] });

/** The Task with its inputs pointing at the parts; other inputs are kept. */
function withInputs(parts: HandoverParts): Task {
  const mine = (i: TaskInput): boolean =>
    (i.type.coding ?? []).some(
      (c) =>
        (c.system === SYSTEMS.documentType && c.code === 'previous-treatment-summary') ||
        (c.system === RESOURCE_TYPES_SYSTEM &&
          ['Appointment', 'CarePlan', 'EpisodeOfCare', 'Consent'].includes(c.code ?? '')),
    );
  const ref = (r: Resource): Reference => ({ reference: `${r.resourceType}/${r.id ?? ''}` });
  const inputs: TaskInput[] = [
    { type: typed(SYSTEMS.documentType, 'previous-treatment-summary'), valueReference: ref(parts.summary) },
    ...parts.jointConversations.map((a) => ({
      type: typed(RESOURCE_TYPES_SYSTEM, 'Appointment'),
      valueReference: ref(a),
    })),
    { type: typed(RESOURCE_TYPES_SYSTEM, 'CarePlan'), valueReference: ref(parts.bridgingCarePlan) },
    { type: typed(RESOURCE_TYPES_SYSTEM, 'EpisodeOfCare'), valueReference: ref(parts.episodeOfCare) },
    { type: typed(RESOURCE_TYPES_SYSTEM, 'Consent'), valueReference: ref(parts.consent) },
  ];
  return {
    ...structuredClone(parts.task),
    input: [...(parts.task.input ?? []).filter((i) => !mine(i)), ...inputs],
  };
}

function header(id: string, task: Task, opts: HandoverMessageOptions): Resource {
  return {
    resourceType: 'MessageHeader',
    id,
    meta: { profile: [sd('ov-messageheader')] },
    eventCoding: { system: MESSAGE_EVENT_SYSTEM, code: 'handover' },
    destination: [{ endpoint: opts.destinationEndpoint, receiver: opts.receiver }],
    sender: opts.sender,
    source: { endpoint: opts.source.endpoint, ...(opts.source.name ? { name: opts.source.name } : {}) },
    focus: [{ reference: `Task/${task.id ?? ''}` }],
  };
}

/** One entry per resource: a resource given twice (e.g. the patient among the supporting ones) is kept once. */
function unique(resources: readonly Resource[]): Resource[] {
  const seen = new Set<string>();
  return resources.filter((r) => {
    const key = `${r.resourceType}/${r.id ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** ov-bdl-ref-1: every reference resolves inside the Bundle (local `#` references excepted). */
function unresolvedReferences(bundle: Bundle): Problem[] {
  const index = new BundleIndex(bundle);
  const out: Problem[] = [];
  for (const e of index.entries) {
    forEachReference(e.resource, (ref) => {
      if (ref.reference.startsWith('#') || index.resolve(ref.reference, e)) return;
      out.push(
        unresolved(
          `${ref.reference} does not resolve inside the handover message; add it to the supporting resources`,
          `Bundle.entry[${e.index}].resource`,
        ),
      );
    });
  }
  return out;
}
