/**
 * A referral message Bundle back to the EDIFACT subset (mappings/edifact/README.md): the inverse
 * of medvri.yaml for every element it maps, so that EDIFACT -> FHIR -> EDIFACT -> FHIR gives the
 * same FHIR (the round-trip test). Codes go back through the same ConceptMaps, read in reverse.
 * For systems that still take EDIFACT letters from a FHIR-based referrer.
 */
import type {
  Address,
  Bundle,
  Condition,
  ContactPoint,
  MedicationStatement,
  MessageHeader,
  Observation,
  OperationOutcome,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { SYSTEMS } from '../../fhir/codes.js';
import { BundleIndex } from '../../fhir/bundle.js';
import { issue, outcome } from '../../fhir/outcomes.js';
import type { ConceptMapResource } from '../translator.js';
import {
  conditionDgn,
  digits,
  organizationNad,
  partyId,
  patientPid,
  practitionerNad,
  textFtx,
} from './segments.js';
import { type SegmentOut, writeInterchange } from './write.js';

const CM = 'https://overdracht.dev/fhir/ConceptMap/';
const CHANNELS: Readonly<Record<string, string>> = { mobile: 'MO', phone: 'TE', email: 'EM', fax: 'FX' };
const CLIENT_REQUEST = 'https://overdracht.dev/fhir/StructureDefinition/ov-client-request';

export type ReferralWriteResult =
  { ok: true; text: string; bytes: Uint8Array } | { ok: false; report: OperationOutcome };

/** target code -> source code of a ConceptMap (the first source that maps to it). */
function reverse(maps: readonly ConceptMapResource[], id: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const group of maps.find((m) => m.url === `${CM}${id}`)?.group ?? [])
    for (const e of group.element)
      for (const t of e.target ?? []) if (t.code && !out.has(t.code)) out.set(t.code, e.code);
  return out;
}

export function writeReferralEdifact(
  bundle: Bundle,
  maps: readonly ConceptMapResource[],
  options: { controlReference: string; syntax?: 'UNOC' | 'UNOW' },
): ReferralWriteResult {
  const index = new BundleIndex(bundle);
  const get = <T extends Resource>(ref: string | undefined, type: T['resourceType']): T | undefined => {
    const r = index.resolve(ref)?.resource;
    return r?.resourceType === type ? (r as T) : undefined;
  };
  const header = index.ofType('MessageHeader')[0]?.resource as MessageHeader | undefined;
  const referral = index.ofType('ServiceRequest')[0]?.resource as ServiceRequest | undefined;
  const patient = get<Patient>(referral?.subject?.reference, 'Patient');
  const sender = get<Organization>(header?.sender?.reference, 'Organization');
  const receiver = get<Organization>(header?.destination?.[0]?.receiver?.reference, 'Organization');
  if (!header || !referral || !patient || !sender || !receiver) {
    return {
      ok: false,
      report: outcome([
        issue({
          code: 'required',
          message:
            'A referral message needs its MessageHeader with sender and receiver, the ServiceRequest and its Patient',
          expression: 'Bundle.entry',
        }),
      ]),
    };
  }
  const role = get<PractitionerRole>(referral.requester?.reference, 'PractitionerRole');
  const practitioner = get<Practitioner>(role?.practitioner?.reference, 'Practitioner');
  const category = reverse(maps, 'medvri-referral-category');
  const priority = reverse(maps, 'medvri-priority');
  const sex = reverse(maps, 'medvri-gender');
  const categoryCode = referral.category
    ?.flatMap((c) => c.coding ?? [])
    .find((c) => c.system === SYSTEMS.referralCategory)?.code;
  const body: SegmentOut[] = [
    { tag: 'BGM', elements: ['VRB', referral.identifier?.find((i) => i.use === 'usual')?.value ?? '', '9'] },
    { tag: 'DTM', elements: [['137', digits(referral.authoredOn ?? bundle.timestamp, 12), '203']] },
    organizationNad('SND', sender),
    ...com(sender.telecom),
    ...(practitioner ? [practitionerNad(practitioner)] : []),
    organizationNad('RCV', receiver),
    ...com(receiver.telecom),
    patientPid(patient, (g) => sex.get(g)),
    ...(patient.address?.[0] ? [patientAddress(patient.address[0])] : []),
    ...com(patient.telecom),
    ...(categoryCode && category.has(categoryCode)
      ? [{ tag: 'CAT', elements: [category.get(categoryCode) ?? ''] }]
      : []),
    ...(referral.priority && priority.has(referral.priority)
      ? [{ tag: 'PRI', elements: [priority.get(referral.priority) ?? ''] }]
      : []),
    ...(referral.reasonCode ?? []).flatMap((r) => textFtx('RFR', r.text)),
    ...textFtx('HLP', referral.extension?.find((e) => e.url === CLIENT_REQUEST)?.valueString),
    ...(referral.note ?? []).flatMap((n) => textFtx('QST', n.text)),
    ...(referral.reasonReference ?? []).flatMap((r) =>
      conditionDgn(get<Condition>(r.reference, 'Condition'), ['ICPC', 'ICD10']),
    ),
    ...index.ofType('MedicationStatement').map((e) => med(e.resource as MedicationStatement)),
    ...index.ofType('Observation').flatMap((e) => mea(e.resource as Observation)),
  ];
  const endpoint = (url: string | undefined): string =>
    decodeURIComponent((url ?? '').replace(/^urn:edifact:/, ''));
  const stamp = digits(bundle.timestamp, 12);
  const written = writeInterchange({
    syntax: options.syntax ?? 'UNOC',
    sender: { id: endpoint(header.source.endpoint), qualifier: partyId(sender.identifier)[1] },
    recipient: {
      id: endpoint(header.destination?.[0]?.endpoint),
      qualifier: partyId(receiver.identifier)[1],
    },
    date: stamp.slice(2, 8),
    time: stamp.slice(8, 12),
    controlReference: options.controlReference,
    messageReference: bundle.identifier?.value ?? '1',
    messageType: { id: 'MEDVRI', version: '1', release: '0', agency: 'NHG' },
    body,
  });
  return { ok: true, ...written };
}

function patientAddress(a: Address): SegmentOut {
  return {
    tag: 'NAD',
    elements: ['PAT', '', '', '', a.line?.[0] ?? '', a.city ?? '', '', a.postalCode ?? '', a.country ?? ''],
  };
}

function com(telecom: ContactPoint[] | undefined): SegmentOut[] {
  return (telecom ?? []).flatMap((t) => {
    const channel = CHANNELS[t.use === 'mobile' ? 'mobile' : (t.system ?? '')];
    return t.value && channel ? [{ tag: 'COM', elements: [[t.value, channel]] }] : [];
  });
}

function med(m: MedicationStatement): SegmentOut {
  const c = m.medicationCodeableConcept;
  const atc = c?.coding?.find((x) => x.system === 'http://www.whocc.no/atc')?.code;
  return {
    tag: 'MED',
    elements: [
      atc ? [atc, 'ATC'] : '',
      c?.text ?? '',
      m.dosage?.[0]?.text ?? '',
      digits(m.effectivePeriod?.start, 8),
    ],
  };
}

function mea(o: Observation): SegmentOut[] {
  const loinc = o.code.coding?.find((x) => x.system === 'http://loinc.org')?.code;
  if (!loinc || o.valueInteger === undefined) return [];
  const date = digits(o.effectiveDateTime, 8);
  return [{ tag: 'MEA', elements: [[loinc, 'LN'], String(o.valueInteger), date] }];
}
