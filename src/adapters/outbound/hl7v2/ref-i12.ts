/**
 * The REF^I12 writer: a referral message of ours as an HL7 v2.5 REF^I12 (REF^I14 for a
 * cancellation), segment by segment the mirror of mappings/hl7v2/referral.yaml, so that the
 * hl7v2 adapter reads back what was written: MSH, RF1, PRD for the referrer (RP) and each
 * receiver (RT), PID, NTE for the referral's notes, DG1 for the reasons. Resources a REF^I12 of
 * this writer does not carry (the summary's medication, outcome scores, ...) are reported by
 * FHIRPath.
 */
import type {
  Bundle,
  Condition,
  MessageHeader,
  Organization,
  Patient,
  Practitioner,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { SYSTEMS } from '../../../fhir/codes.js';
import { issue, outcome } from '../../../fhir/outcomes.js';
import { EntryIndex } from '../bundle-index.js';
import type { OutboundWriter, WriteResult } from '../types.js';
import { cwe, cx, xad, xon, xpn, xtn } from './datatypes.js';
import { dtm, EMPTY, f, type Field, message, msh, segment } from './er7.js';
import { Hl7Vocabulary } from './vocabulary.js';

export const REF_I12_FORMAT = 'hl7v2';

export function createRefI12Writer(vocabulary: Hl7Vocabulary = Hl7Vocabulary.load()): OutboundWriter {
  return {
    format: REF_I12_FORMAT,
    describe: 'HL7 v2.5 REF^I12 referral (REF^I14 for a cancellation), from a referral message',
    mediaType: 'x-application/hl7-v2+er7',
    write: (input) => writeReferral(input, vocabulary),
  };
}

interface Written {
  segments: string[];
  used: Set<Resource>;
}

function writeReferral(input: Bundle | Resource, v: Hl7Vocabulary): WriteResult {
  if (input.resourceType !== 'Bundle' || input.type !== 'message')
    return refused('The input must be a referral message (a Bundle of type message)', 'Bundle.type');
  const index = new EntryIndex(input);
  const header = index.first('MessageHeader');
  const sr = (header?.focus ?? [])
    .map((r) => index.resolve(r))
    .find((r) => r?.resourceType === 'ServiceRequest') as ServiceRequest | undefined;
  const patient = sr ? index.resolve(sr.subject) : undefined;
  if (!header || !sr)
    return refused(
      'The message has no MessageHeader focusing on a ServiceRequest',
      'Bundle.entry[0].resource.focus',
    );
  if (patient?.resourceType !== 'Patient')
    return refused('The referral has no Patient as its subject', 'ServiceRequest.subject');
  const out: Written = { segments: [], used: new Set<Resource>([header, sr, patient]) };
  const lost: string[] = [];
  out.segments.push(mshSegment(input, header));
  if (header.source?.software)
    out.segments.push(segment('SFT', [EMPTY, f(header.source.version), f(header.source.software)]));
  out.segments.push(rf1(sr, v));
  prd(out, 'RP', 'Verwijzer', index.resolve(sr.requester), index, v);
  for (const p of sr.performer ?? []) prd(out, 'RT', 'Verwezen naar', index.resolve(p), index, v);
  out.segments.push(pid(patient, v));
  (sr.note ?? [])
    .slice(1)
    .forEach((n, i) => out.segments.push(segment('NTE', [f(String(i + 1)), EMPTY, f(n.text)])));
  const conditions = (sr.reasonReference ?? [])
    .map((r) => index.resolve(r))
    .filter((r): r is Condition => r?.resourceType === 'Condition');
  conditions.forEach((c, i) => {
    out.used.add(c);
    out.segments.push(
      segment('DG1', [f(String(i + 1)), EMPTY, [cwe(c.code, v)], f(c.code?.text), f(dtm(c.recordedDate))]),
    );
  });
  const composition = sr.supportingInfo
    ?.map((s) => index.resolve(s))
    .find((r) => r?.resourceType === 'Composition');
  if (composition) out.used.add(composition);
  const report = [
    ...notWritten(index, out.used),
    ...unwritten(index, patient, PATIENT_ELEMENTS),
    ...unwritten(index, sr, SERVICE_REQUEST_ELEMENTS),
    ...lost.map((expression) =>
      issue({
        severity: 'information',
        code: 'informational',
        message: 'This value has no HL7 v2 code it equals and is not written',
        expression,
      }),
    ),
  ];
  return { output: message(out.segments), report: outcome(report) };
}

function mshSegment(bundle: Bundle, header: MessageHeader): string {
  const cancel = header.eventCoding?.code === 'cancellation';
  const fields: Field[] = [
    hd(header.source?.name, header.source?.endpoint), // MSH-3
    EMPTY,
    hd(header.destination?.[0]?.name, header.destination?.[0]?.endpoint), // MSH-5
    EMPTY,
    f(dtm(bundle.timestamp)), // MSH-7
    EMPTY,
    f('REF', cancel ? 'I14' : 'I12', 'REF_I12'), // MSH-9
    f(bundle.identifier?.value ?? header.id ?? bundle.id), // MSH-10
    f('P'),
    f('2.5'),
    EMPTY,
    EMPTY,
    f('AL'),
    f('NE'),
    f('NLD'),
    f('UNICODE UTF-8'), // MSH-18
    header.language ? f(header.language, '', 'ISO639') : EMPTY,
  ];
  return msh(fields);
}

/** HD: namespace and, when the endpoint is an OID, UUID or URI, the universal id the adapter reads back. */
function hd(name: string | undefined, endpoint: string | undefined): Field {
  if (!endpoint || endpoint === `urn:hl7v2:${encodeURIComponent(name ?? '')}`) return f(name);
  if (endpoint.startsWith('urn:oid:')) return f(name, endpoint.slice(8), 'ISO');
  if (endpoint.startsWith('urn:uuid:')) return f(name, endpoint.slice(9), 'UUID');
  return f(name, endpoint, 'URI');
}

function rf1(sr: ServiceRequest, v: Hl7Vocabulary): string {
  const v2Category = sr.category
    ?.flatMap((c) => c.coding ?? [])
    .find((c) => c.system === 'http://terminology.hl7.org/CodeSystem/v2-0281');
  const referralCategory = sr.category
    ?.flatMap((c) => c.coding ?? [])
    .find((c) => c.system === SYSTEMS.referralCategory);
  const category = v2Category?.code ?? v.v2Code('hl7v2-0281-referral-category', referralCategory?.code);
  const ident = (use: string): Field => {
    const id = sr.identifier?.find((i) => (i.use ?? 'usual') === use);
    return id ? f(id.value, id.assigner?.display ?? v.authority(id.system)?.namespace ?? '') : EMPTY;
  };
  const coded = (system: string, map: string, fhirCode: string | undefined, table: string): Field => {
    const own = sr.category
      ?.concat(sr.orderDetail ?? [])
      .flatMap((c) => c.coding ?? [])
      .find((c) => c.system === system);
    const code = own?.code ?? v.v2Code(map, fhirCode);
    return code ? f(code, own?.display ?? '', table) : EMPTY;
  };
  const fields: Field[] = [
    f(v.v2Code('hl7v2-0283-request-status', sr.status), '', 'HL70283'),
    sr.priority ? f(v.v2Code('hl7v2-0280-request-priority', sr.priority), '', 'HL70280') : EMPTY,
    category ? f(category, v2Category?.display ?? '', 'HL70281') : EMPTY,
    EMPTY,
    sr.locationCode?.[0] ? [cwe(sr.locationCode[0], v)] : EMPTY,
    ident('usual'),
    f(dtm(sr.occurrencePeriod?.start)),
    f(dtm(sr.occurrencePeriod?.end)),
    f(dtm(sr.authoredOn)),
    coded('http://terminology.hl7.org/CodeSystem/v2-0336', '', undefined, 'HL70336'),
    ident('secondary'),
    EMPTY,
    EMPTY,
    f(sr.reasonCode?.find((r) => r.text)?.text),
  ];
  while (fields.length < 23) fields.push(EMPTY);
  fields.push(f(sr.note?.[0]?.text)); // RF1-24
  return segment('RF1', fields);
}

function prd(
  out: Written,
  role: string,
  label: string,
  party: Resource | undefined,
  index: EntryIndex,
  v: Hl7Vocabulary,
): void {
  if (!party) return;
  out.used.add(party);
  let practitioner: Practitioner | undefined;
  let org: Organization | undefined;
  if (party.resourceType === 'PractitionerRole') {
    const p = index.resolve(party.practitioner);
    const o = index.resolve(party.organization);
    practitioner = p?.resourceType === 'Practitioner' ? p : undefined;
    org = o?.resourceType === 'Organization' ? o : undefined;
  } else if (party.resourceType === 'Practitioner') practitioner = party;
  else if (party.resourceType === 'Organization') org = party;
  if (practitioner) out.used.add(practitioner);
  if (org) out.used.add(org);
  const id = practitioner?.identifier?.[0];
  const fields: Field[] = [
    f(role, label, 'HL70286'),
    practitioner?.name?.[0] ? [xpn(practitioner.name[0])] : EMPTY,
    practitioner?.address?.[0] ? [xad(practitioner.address[0])] : EMPTY,
    EMPTY,
    (practitioner?.telecom ?? []).map(xtn),
    EMPTY,
    id ? f(id.value, v.authority(id.system)?.typeCode ?? '') : EMPTY,
    EMPTY,
    EMPTY,
    org ? [xon(org, v)] : EMPTY,
    org?.address?.[0] ? [xad(org.address[0])] : EMPTY,
    EMPTY,
    (org?.telecom ?? []).map(xtn),
  ];
  out.segments.push(segment('PRD', fields));
}

function pid(patient: Patient, v: Hl7Vocabulary): string {
  const fields: Field[] = [
    f('1'),
    EMPTY,
    (patient.identifier ?? []).map((i) => cx(i, v)),
    EMPTY,
    (patient.name ?? []).map(xpn),
    EMPTY,
    f(dtm(patient.birthDate)),
    f(v.v2Code('hl7v2-0001-administrative-gender', patient.gender)),
    EMPTY,
    EMPTY,
    (patient.address ?? []).map(xad),
    EMPTY,
    (patient.telecom ?? []).map(xtn),
    EMPTY,
    patient.communication?.[0] ? [cwe(patient.communication[0].language, v)] : EMPTY,
    patient.maritalStatus ? [cwe(patient.maritalStatus, v)] : EMPTY,
  ];
  return segment('PID', fields);
}

const PATIENT_ELEMENTS = [
  'resourceType',
  'id',
  'meta',
  'identifier',
  'name',
  'birthDate',
  'gender',
  'address',
  'telecom',
  'communication',
  'maritalStatus',
];
const SERVICE_REQUEST_ELEMENTS = [
  'resourceType',
  'id',
  'meta',
  'status',
  'intent',
  'code',
  'priority',
  'category',
  'locationCode',
  'identifier',
  'occurrencePeriod',
  'authoredOn',
  'orderDetail',
  'reasonCode',
  'note',
  'subject',
  'requester',
  'performer',
  'reasonReference',
  'supportingInfo',
];

/** Elements of a resource the writer has no field for, each reported by FHIRPath. */
function unwritten(
  index: EntryIndex,
  resource: Resource,
  written: readonly string[],
): OperationOutcomeIssue[] {
  return Object.keys(resource)
    .filter((k) => !written.includes(k.replace(/^_/, '')))
    .map((k) =>
      issue({
        severity: 'information',
        code: 'informational',
        message: `${resource.resourceType}.${k.replace(/^_/, '')} is not written in the REF^I12`,
        expression: `${index.pathOf(resource)}.${k.replace(/^_/, '')}`,
      }),
    );
}

function notWritten(index: EntryIndex, used: Set<Resource>): OperationOutcomeIssue[] {
  return index.resources
    .filter((r) => !used.has(r))
    .map((r) =>
      issue({
        severity: 'information',
        code: 'informational',
        message: `This ${r.resourceType} is not written in the REF^I12`,
        expression: index.pathOf(r),
      }),
    );
}

function refused(message: string, expression: string): WriteResult {
  return {
    output: undefined,
    report: outcome([issue({ severity: 'error', code: 'invalid', message, expression })]),
  };
}
