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
  Identifier,
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
import { type SegmentOut, textChunks, writeInterchange } from './write.js';

const CM = 'https://overdracht.dev/fhir/ConceptMap/';
const CODE_LISTS: Readonly<Record<string, string>> = {
  'http://hl7.org/fhir/sid/icpc-1-nl': 'ICPC',
  'http://hl7.org/fhir/sid/icd-10': 'ICD10',
};
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
    { tag: 'DTM', elements: [['137', local(referral.authoredOn ?? bundle.timestamp ?? ''), '203']] },
    nad('SND', sender),
    ...com(sender.telecom),
    ...(practitioner ? [referrer(practitioner)] : []),
    nad('RCV', receiver),
    ...com(receiver.telecom),
    pid(patient, sex),
    ...(patient.address?.[0] ? [patientAddress(patient.address[0])] : []),
    ...com(patient.telecom),
    ...(categoryCode && category.has(categoryCode)
      ? [{ tag: 'CAT', elements: [category.get(categoryCode) ?? ''] }]
      : []),
    ...(referral.priority && priority.has(referral.priority)
      ? [{ tag: 'PRI', elements: [priority.get(referral.priority) ?? ''] }]
      : []),
    ...(referral.reasonCode ?? []).flatMap((r) => ftx('RFR', r.text)),
    ...ftx('HLP', referral.extension?.find((e) => e.url === CLIENT_REQUEST)?.valueString),
    ...(referral.note ?? []).flatMap((n) => ftx('QST', n.text)),
    ...(referral.reasonReference ?? []).flatMap((r) => dgn(get<Condition>(r.reference, 'Condition'))),
    ...index.ofType('MedicationStatement').map((e) => med(e.resource as MedicationStatement)),
    ...index.ofType('Observation').flatMap((e) => mea(e.resource as Observation)),
  ];
  const endpoint = (url: string | undefined): string =>
    decodeURIComponent((url ?? '').replace(/^urn:edifact:/, ''));
  const stamp = local(bundle.timestamp ?? '');
  const written = writeInterchange({
    syntax: options.syntax ?? 'UNOC',
    sender: { id: endpoint(header.source.endpoint), qualifier: idOf(sender.identifier)[1] },
    recipient: { id: endpoint(header.destination?.[0]?.endpoint), qualifier: idOf(receiver.identifier)[1] },
    date: stamp.slice(2, 8),
    time: stamp.slice(8, 12),
    controlReference: options.controlReference,
    messageReference: bundle.identifier?.value ?? '1',
    messageType: { id: 'MEDVRI', version: '1', release: '0', agency: 'NHG' },
    body,
  });
  return { ok: true, ...written };
}

/** The wall-clock digits of a FHIR date or dateTime as written (CCYYMMDDHHMM), offset dropped. */
function local(value: string): string {
  return value.slice(0, 16).replace(/[-:T]/g, '');
}

function idOf(ids: Identifier[] | undefined): [string, string] {
  const agb = ids?.find((i) => i.system === SYSTEMS.agb)?.value;
  if (agb) return [agb, 'AGB'];
  const ura = ids?.find((i) => i.system === SYSTEMS.ura)?.value;
  if (ura) return [ura, 'URA'];
  const big = ids?.find((i) => i.system === SYSTEMS.big)?.value;
  return big ? [big, 'BIG'] : ['', ''];
}

function nad(qualifier: string, org: Organization): SegmentOut {
  const a = org.address?.[0];
  const [id, list] = idOf(org.identifier);
  return {
    tag: 'NAD',
    elements: [
      qualifier,
      id ? [id, list] : '',
      '',
      org.name ?? '',
      a?.line?.[0] ?? '',
      a?.city ?? '',
      '',
      a?.postalCode ?? '',
      a?.country ?? '',
    ],
  };
}

function referrer(p: Practitioner): SegmentOut {
  const [id, list] = idOf(p.identifier);
  return {
    tag: 'NAD',
    elements: ['REF', id ? [id, list] : '', '', [p.name?.[0]?.family ?? '', p.name?.[0]?.given?.[0] ?? '']],
  };
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

function pid(p: Patient, sex: Map<string, string>): SegmentOut {
  const bsn = p.identifier?.find((i) => i.system === SYSTEMS.bsn)?.value;
  return {
    tag: 'PID',
    elements: [
      bsn ? [bsn, 'BSN'] : '',
      [p.name?.[0]?.family ?? '', p.name?.[0]?.given?.[0] ?? ''],
      (p.birthDate ?? '').replace(/-/g, ''),
      sex.get(p.gender ?? '') ?? '',
    ],
  };
}

function ftx(qualifier: string, text: string | undefined): SegmentOut[] {
  return text ? textChunks(text).map((chunk) => ({ tag: 'FTX', elements: [qualifier, '', '', chunk] })) : [];
}

function dgn(c: Condition | undefined): SegmentOut[] {
  const coding = c?.code?.coding?.find((x) => CODE_LISTS[x.system ?? '']);
  if (!c || !coding?.code) return [];
  const onset = typeof c.onsetDateTime === 'string' ? c.onsetDateTime.slice(0, 10).replace(/-/g, '') : '';
  return [
    {
      tag: 'DGN',
      elements: [[coding.code, CODE_LISTS[coding.system ?? ''] ?? ''], c.code?.text ?? '', onset],
    },
  ];
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
      (m.effectivePeriod?.start ?? '').slice(0, 10).replace(/-/g, ''),
    ],
  };
}

function mea(o: Observation): SegmentOut[] {
  const loinc = o.code.coding?.find((x) => x.system === 'http://loinc.org')?.code;
  if (!loinc || o.valueInteger === undefined) return [];
  const date = (o.effectiveDateTime ?? '').slice(0, 10).replace(/-/g, '');
  return [{ tag: 'MEA', elements: [[loinc, 'LN'], String(o.valueInteger), date] }];
}
