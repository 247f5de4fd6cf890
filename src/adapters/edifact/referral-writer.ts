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
import { elementsNotWritten, resourcesNotWritten, valueNotWritten } from './unwritten.js';
import { type SegmentOut, writeInterchange } from './write.js';

const WHAT = 'EDIFACT letter';
/** The elements the letter carries, by resource; the rest is reported. */
const PATIENT_WRITTEN = [
  'identifier',
  'name',
  'birthDate',
  'gender',
  'address',
  'telecom',
  'generalPractitioner',
];
const SERVICE_REQUEST_WRITTEN = [
  'status',
  'intent',
  'code',
  'identifier',
  'authoredOn',
  'category',
  'priority',
  'reasonCode',
  'extension',
  'note',
  'subject',
  'requester',
  'performer',
  'reasonReference',
  'supportingInfo',
];

const CM = 'https://overdracht.dev/fhir/ConceptMap/';
const CHANNELS: Readonly<Record<string, string>> = { mobile: 'MO', phone: 'TE', email: 'EM', fax: 'FX' };
const CLIENT_REQUEST = 'https://overdracht.dev/fhir/StructureDefinition/ov-client-request';

export type ReferralWriteResult =
  | { ok: true; text: string; bytes: Uint8Array; report: OperationOutcome }
  | { ok: false; report: OperationOutcome };

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
  const used = new Set<Resource>([header, referral, patient, sender, receiver]);
  for (const r of [role, practitioner]) if (r) used.add(r);
  const at = (r: Resource): string =>
    `Bundle.entry[${index.entries.find((e) => e.resource === r)?.index ?? 0}].resource`;
  const notes = [
    ...(categoryCode && !category.has(categoryCode)
      ? [valueNotWritten('This referral category has no CAT code', `${at(referral)}.category`)]
      : []),
    ...(referral.priority && !priority.has(referral.priority)
      ? [valueNotWritten('This priority has no PRI code', `${at(referral)}.priority`)]
      : []),
  ];
  const dgn = (referral.reasonReference ?? []).flatMap((r, i) => {
    const condition = get<Condition>(r.reference, 'Condition');
    const segments = conditionDgn(condition, ['ICPC', 'ICD10']);
    if (condition && segments.length > 0) used.add(condition);
    else
      notes.push(
        valueNotWritten(
          'A reason that is not a Condition in the Bundle with an ICPC or ICD-10 code is not written',
          `${at(referral)}.reasonReference[${i}]`,
        ),
      );
    return segments;
  });
  const meds = index.ofType('MedicationStatement').map((e) => {
    used.add(e.resource);
    return med(e.resource as MedicationStatement);
  });
  const measurements = index.ofType('Observation').flatMap((e) => {
    const segments = mea(e.resource as Observation);
    if (segments.length > 0) used.add(e.resource);
    return segments;
  });
  const body: SegmentOut[] = [
    {
      tag: 'BGM',
      elements: [
        'VRB',
        (referral.identifier?.find((i) => i.use === 'usual') ?? referral.identifier?.find((i) => i.value))
          ?.value ?? '',
        '9',
      ],
    },
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
    ...(referral.reasonCode ?? []).flatMap((r, i) => {
      // A coded reason goes as its text (or the code's display); the code itself has no segment.
      if (r.coding?.length)
        notes.push(
          valueNotWritten(
            'The code of a reason is not written; its text is',
            `${at(referral)}.reasonCode[${i}].coding`,
          ),
        );
      return textFtx('RFR', r.text ?? r.coding?.find((c) => c.display)?.display);
    }),
    ...textFtx('HLP', referral.extension?.find((e) => e.url === CLIENT_REQUEST)?.valueString),
    ...(referral.note ?? []).flatMap((n) => textFtx('QST', n.text)),
    ...dgn,
    ...meds,
    ...measurements,
  ];
  // An EDIFACT address as it came in (`urn:edifact:...`); otherwise the party's AGB, URA or BIG.
  const endpoint = (url: string | undefined, org: Organization): string =>
    url?.startsWith('urn:edifact:')
      ? decodeURIComponent(url.slice('urn:edifact:'.length))
      : partyId(org.identifier)[0];
  const stamp = digits(bundle.timestamp, 12);
  const written = writeInterchange({
    syntax: options.syntax ?? 'UNOC',
    sender: { id: endpoint(header.source.endpoint, sender), qualifier: partyId(sender.identifier)[1] },
    recipient: {
      id: endpoint(header.destination?.[0]?.endpoint, receiver),
      qualifier: partyId(receiver.identifier)[1],
    },
    date: stamp.slice(2, 8),
    time: stamp.slice(8, 12),
    controlReference: options.controlReference,
    messageReference: bundle.identifier?.value ?? '1',
    messageType: { id: 'MEDVRI', version: '1', release: '0', agency: 'NHG' },
    body,
  });
  notes.push(
    ...elementsNotWritten(index, referral, SERVICE_REQUEST_WRITTEN, WHAT),
    ...elementsNotWritten(index, patient, PATIENT_WRITTEN, WHAT),
    ...resourcesNotWritten(index, used, WHAT),
  );
  return { ok: true, ...written, report: outcome(notes) };
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
