/**
 * Segments of the subset built from FHIR resources, shared by the outbound writers (the referral
 * letter and the feedback to the GP): parties (NAD), the patient (PID), free text (FTX) and
 * diagnoses (DGN), laid out as mappings/edifact/README.md documents them.
 */
import type { Condition, Identifier, Organization, Patient, Practitioner } from '@medplum/fhirtypes';
import { SYSTEMS } from '../../fhir/codes.js';
import { type SegmentOut, textChunks } from './write.js';

/** Code systems of DGN element 1 and their code-list names (component 2). */
export const DIAGNOSIS_LISTS: Readonly<Record<string, string>> = {
  'http://hl7.org/fhir/sid/icpc-1-nl': 'ICPC',
  'http://hl7.org/fhir/sid/icd-10': 'ICD10',
  'http://hl7.org/fhir/sid/dsm5': 'DSM5',
};

/** The identifier a party is known by in NAD element 2: AGB, else URA, else BIG. */
export function partyId(ids: Identifier[] | undefined): [string, string] {
  for (const [system, list] of [
    [SYSTEMS.agb, 'AGB'],
    [SYSTEMS.ura, 'URA'],
    [SYSTEMS.big, 'BIG'],
  ] as const) {
    const value = ids?.find((i) => i.system === system)?.value;
    if (value) return [value, list];
  }
  return ['', ''];
}

/** CCYYMMDD[HHMM] from a FHIR date or dateTime as written (wall-clock digits, offset dropped). */
export function digits(value: string | undefined, length: 8 | 12): string {
  return (value ?? '').slice(0, 16).replace(/[-:T]/g, '').slice(0, length);
}

export function organizationNad(qualifier: string, org: Organization): SegmentOut {
  const a = org.address?.[0];
  const [id, list] = partyId(org.identifier);
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

export function practitionerNad(p: Practitioner): SegmentOut {
  const [id, list] = partyId(p.identifier);
  const name = p.name?.[0];
  return {
    tag: 'NAD',
    elements: ['REF', id ? [id, list] : '', '', [name?.family ?? '', name?.given?.[0] ?? '']],
  };
}

export function patientPid(p: Patient, sexCode: (gender: string) => string | undefined): SegmentOut {
  const bsn = p.identifier?.find((i) => i.system === SYSTEMS.bsn)?.value;
  const name = p.name?.[0];
  return {
    tag: 'PID',
    elements: [
      bsn ? [bsn, 'BSN'] : '',
      [name?.family ?? '', name?.given?.[0] ?? ''],
      digits(p.birthDate, 8),
      sexCode(p.gender ?? '') ?? '',
    ],
  };
}

/** A text as FTX segments: 512 characters per component, five components per segment. */
export function textFtx(qualifier: string, text: string | undefined): SegmentOut[] {
  return text ? textChunks(text).map((chunk) => ({ tag: 'FTX', elements: [qualifier, '', '', chunk] })) : [];
}

/** DGN for a Condition coded in one of DIAGNOSIS_LISTS; none otherwise. */
export function conditionDgn(c: Condition | undefined, lists: readonly string[]): SegmentOut[] {
  const coding = c?.code?.coding?.find((x) => lists.includes(DIAGNOSIS_LISTS[x.system ?? ''] ?? ''));
  if (!c || !coding?.code) return [];
  const onset = typeof c.onsetDateTime === 'string' ? digits(c.onsetDateTime, 8) : '';
  return [
    {
      tag: 'DGN',
      elements: [
        [coding.code, DIAGNOSIS_LISTS[coding.system ?? ''] ?? ''],
        c.code?.text ?? coding.display ?? '',
        onset,
      ],
    },
  ];
}
