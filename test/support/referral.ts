/**
 * A complete referral message from the demo GP practice to the demo GGZ institution, built fresh
 * for each test so that a test can break one field of it.
 */
import type { Bundle, BundleEntry, Composition, Resource } from '@medplum/fhirtypes';
import { PROFILES, SUMMARY_SECTIONS, SYSTEMS } from '../../src/fhir/codes.js';

export interface ReferralOptions {
  messageId?: string;
  bsn?: string;
  senderAgb?: string;
  receiverAgb?: string;
  /** emptyReason per section code; sections not named are filled. */
  emptySections?: Partial<Record<(typeof SUMMARY_SECTIONS)[number], string>>;
}

const u = (name: string): string => `urn:uuid:${name}`;

export function referralMessage(opts: ReferralOptions = {}): Bundle {
  const ids = {
    mh: '3f1c6a2e-0000-4000-8000-000000000001',
    sr: '3f1c6a2e-0000-4000-8000-000000000002',
    patient: '3f1c6a2e-0000-4000-8000-000000000003',
    gp: '3f1c6a2e-0000-4000-8000-000000000004',
    gpRole: '3f1c6a2e-0000-4000-8000-000000000005',
    gpOrg: '3f1c6a2e-0000-4000-8000-000000000006',
    ggzOrg: '3f1c6a2e-0000-4000-8000-000000000007',
    summary: '3f1c6a2e-0000-4000-8000-000000000008',
    condition: '3f1c6a2e-0000-4000-8000-000000000009',
    medication: '3f1c6a2e-0000-4000-8000-00000000000a',
    phq9: '3f1c6a2e-0000-4000-8000-00000000000b',
  };
  const patientRef = { reference: u(ids.patient) };
  const entries: Resource[] = [
    {
      resourceType: 'MessageHeader',
      id: opts.messageId ?? 'msg-0001',
      eventCoding: { system: SYSTEMS.messageEvent, code: 'referral' },
      source: { endpoint: 'https://his.example.nl/fhir', name: 'HIS De Linde' },
      destination: [{ endpoint: 'https://overdracht.example.nl/fhir' }],
      sender: { reference: u(ids.gpOrg) },
      focus: [{ reference: u(ids.sr) }],
    },
    {
      resourceType: 'ServiceRequest',
      id: ids.sr,
      meta: { profile: [PROFILES.referralServiceRequest] },
      status: 'active',
      intent: 'order',
      category: [{ coding: [{ system: SYSTEMS.referralCategory, code: 'ggz-basic' }] }],
      code: { coding: [{ system: 'http://snomed.info/sct', code: '3457005', display: 'Patient referral' }] },
      subject: patientRef,
      requester: { reference: u(ids.gpRole) },
      performer: [{ reference: u(ids.ggzOrg) }],
      reasonCode: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icpc-1-nl', code: 'P76', display: 'Depressie' }] }],
      authoredOn: '2026-03-01T09:30:00+01:00',
      supportingInfo: [{ reference: u(ids.summary) }],
      note: [{ text: 'Ik wil weer grip krijgen op mijn leven en beter slapen.' }],
    },
    {
      resourceType: 'Patient',
      id: ids.patient,
      meta: { profile: [PROFILES.patient] },
      identifier: [{ system: SYSTEMS.bsn, value: opts.bsn ?? '999911120' }],
      name: [{ family: 'Jansen', given: ['Anna'] }],
      gender: 'female',
      birthDate: '1990-04-12',
      address: [{ city: 'Groningen', postalCode: '9712 AB', country: 'NL' }],
    },
    {
      resourceType: 'Practitioner',
      id: ids.gp,
      identifier: [{ system: SYSTEMS.agb, value: '01012345' }],
      name: [{ family: 'de Vries', given: ['Pieter'] }],
    },
    {
      resourceType: 'PractitionerRole',
      id: ids.gpRole,
      practitioner: { reference: u(ids.gp) },
      organization: { reference: u(ids.gpOrg) },
    },
    {
      resourceType: 'Organization',
      id: ids.gpOrg,
      identifier: [{ system: SYSTEMS.agb, value: opts.senderAgb ?? '01004567' }],
      type: [{ coding: [{ system: SYSTEMS.organizationType, code: 'gp-practice' }] }],
      name: 'Huisartsenpraktijk De Linde',
    },
    {
      resourceType: 'Organization',
      id: ids.ggzOrg,
      identifier: [{ system: SYSTEMS.agb, value: opts.receiverAgb ?? '06001234' }],
      type: [{ coding: [{ system: SYSTEMS.organizationType, code: 'ggz-institution' }] }],
      name: 'GGZ Noord-Groningen',
    },
    summaryComposition(ids, patientRef, opts),
    {
      resourceType: 'Condition',
      id: ids.condition,
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icpc-1-nl', code: 'P76', display: 'Depressie' }] },
      subject: patientRef,
      onsetDateTime: '2025-11-01',
    },
    {
      resourceType: 'MedicationStatement',
      id: ids.medication,
      status: 'active',
      medicationCodeableConcept: { coding: [{ system: 'http://www.whocc.no/atc', code: 'N06AB06', display: 'sertraline' }] },
      subject: patientRef,
      effectivePeriod: { start: '2026-01-10' },
    },
    {
      resourceType: 'Observation',
      id: ids.phq9,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '44261-6', display: 'PHQ-9 total score' }] },
      subject: patientRef,
      effectiveDateTime: '2026-02-20',
      valueInteger: 16,
    } as Resource,
  ];
  return {
    resourceType: 'Bundle',
    id: 'referral-message',
    meta: { profile: [PROFILES.referralMessage] },
    type: 'message',
    timestamp: '2026-03-01T09:31:00+01:00',
    entry: entries.map((resource, i): BundleEntry => ({
      fullUrl: i === 0 ? u(ids.mh) : u(resource.id ?? ''),
      resource,
    })),
  };
}

function summaryComposition(
  ids: Record<string, string>,
  patientRef: { reference: string },
  opts: ReferralOptions,
): Composition {
  const filled: Partial<Record<string, string>> = {
    'diagnoses-problems': ids.condition,
    medication: ids.medication,
    'outcome-measurements': ids.phq9,
  };
  return {
    resourceType: 'Composition',
    id: ids.summary,
    meta: { profile: [PROFILES.summary] },
    status: 'final',
    type: { coding: [{ system: SYSTEMS.documentType, code: 'previous-treatment-summary' }] },
    subject: patientRef,
    date: '2026-03-01T09:30:00+01:00',
    author: [{ reference: `urn:uuid:${ids.gpRole}` }],
    title: 'Samenvatting eerdere behandeling',
    custodian: { reference: `urn:uuid:${ids.gpOrg}` },
    section: SUMMARY_SECTIONS.map((code) => {
      const entry = filled[code];
      const reason = opts.emptySections?.[code];
      return {
        title: code,
        code: { coding: [{ system: SYSTEMS.summarySection, code }] },
        ...(entry && !reason
          ? { entry: [{ reference: `urn:uuid:${entry}` }] }
          : {
              // cmp-1: an empty section still has text; emptyReason says why it is empty.
              text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Geen gegevens</div>' },
              emptyReason: { coding: [{ system: SYSTEMS.listEmptyReason, code: reason ?? 'nilknown' }] },
            }),
      };
    }),
  };
}
