/**
 * One search per declared search parameter of the readable types, over the referrals that
 * access.test.ts sends: the query and the ids it must find, as the GGZ institution unless said
 * otherwise. A test there compares the keys with the CapabilityStatement, so a declared parameter
 * without a case here fails the suite.
 */
import { SYSTEMS } from '../../src/fhir/codes.js';
import { INSURER_UZOVI } from '../support/referral.js';

const AGB = SYSTEMS.agb;

/** What a referral stored, by id. */
export interface Stored {
  task: string;
  serviceRequest: string;
  patient: string;
  composition: string;
  consent: string;
  owner: string;
  requester: string;
  practitionerRole: string;
}

/** The ids the cases refer to, filled in once the referrals are stored. */
export interface Fixture {
  r: Readonly<Record<1 | 2 | 3, Stored>>;
  /** The insurance and allergy the first referral carried, and the insurer it named. */
  extra: Readonly<{ coverage: string; allergy: string; insurer: string }>;
  /** The gateway's FHIR base. */
  endpoint(): string;
}

export interface ParamCase {
  query: () => string;
  expected: () => string[];
  client?: string;
}

export const today = new Date().toISOString().slice(0, 10);
export const tokenValue = (system: string, value: string): string =>
  `${encodeURIComponent(system)}|${encodeURIComponent(value)}`;

/** The cases by `Type.parameter`; the ids are read when a case runs, after the fixture is filled. */
export function searchCases(f: Fixture): Record<string, ParamCase[]> {
  const { r, extra } = f;
  return {
    'Task._id': [{ query: () => `_id=${r[1].task}`, expected: () => [r[1].task] }],
    'Task._lastUpdated': [
      { query: () => `_lastUpdated=ge${today}`, expected: () => [r[1].task, r[3].task] },
      { query: () => '_lastUpdated=lt2000-01-01', expected: () => [] },
    ],
    'Task.identifier': [
      {
        // The value holds `|`, escaped as the search syntax asks.
        query: () =>
          `identifier=${encodeURIComponent(`${f.endpoint()}/message-id|${AGB.replaceAll('|', '\\|')}\\|01004567\\|acc-1`)}`,
        expected: () => [r[1].task],
      },
    ],
    'Task.status': [{ query: () => 'status=requested', expected: () => [r[1].task, r[3].task] }],
    'Task.business-status': [
      {
        query: () => `business-status=${tokenValue(SYSTEMS.taskBusinessStatus, 'rejected')}`,
        expected: () => [],
        client: 'demo-ggz',
      },
      {
        query: () => 'business-status=rejected&_count=5',
        expected: () => ['rejected'],
        client: 'demo-youth-ggz',
      },
    ],
    'Task.owner': [
      { query: () => `owner=Organization/${r[1].owner}`, expected: () => [r[1].task, r[3].task] },
      {
        query: () => `owner.identifier=${tokenValue(AGB, '06001234')}`,
        expected: () => [r[1].task, r[3].task],
      },
    ],
    'Task.requester': [
      { query: () => `requester.identifier=${tokenValue(AGB, '01004567')}`, expected: () => [r[1].task] },
      { query: () => `requester=Organization/${r[3].requester}`, expected: () => [r[3].task] },
    ],
    'Task.patient': [
      { query: () => `patient=Patient/${r[1].patient}`, expected: () => [r[1].task] },
      {
        query: () => `patient.identifier=${tokenValue(SYSTEMS.bsn, '999911132')}`,
        expected: () => [r[3].task],
      },
    ],
    'Task.focus': [
      { query: () => `focus=ServiceRequest/${r[3].serviceRequest}`, expected: () => [r[3].task] },
    ],
    'Task.authored-on': [
      { query: () => `authored-on=ge${today}`, expected: () => [r[1].task, r[3].task] },
      { query: () => 'authored-on=lt2000-01-01', expected: () => [] },
    ],
    'Task.modified': [{ query: () => `modified=ge${today}`, expected: () => [r[1].task, r[3].task] }],
    'ServiceRequest._id': [
      { query: () => `_id=${r[3].serviceRequest}`, expected: () => [r[3].serviceRequest] },
    ],
    'ServiceRequest._lastUpdated': [
      { query: () => `_lastUpdated=ge${today}`, expected: () => [r[1].serviceRequest, r[3].serviceRequest] },
    ],
    'ServiceRequest.identifier': [
      {
        query: () =>
          `identifier=${tokenValue('https://his.example.nl/fhir/NamingSystem/verwijzing', 'VW-acc-3')}`,
        expected: () => [r[3].serviceRequest],
      },
    ],
    'ServiceRequest.status': [
      { query: () => 'status=active', expected: () => [r[1].serviceRequest, r[3].serviceRequest] },
    ],
    'ServiceRequest.category': [
      {
        query: () => `category=${tokenValue(SYSTEMS.referralCategory, 'social-domain')}`,
        expected: () => [r[3].serviceRequest],
      },
    ],
    'ServiceRequest.patient': [
      { query: () => `patient=Patient/${r[1].patient}`, expected: () => [r[1].serviceRequest] },
      {
        query: () => `patient.identifier=${tokenValue(SYSTEMS.bsn, '999911120')}`,
        expected: () => [r[1].serviceRequest],
      },
    ],
    'ServiceRequest.requester': [
      {
        query: () => `requester=PractitionerRole/${r[3].practitionerRole}`,
        expected: () => [r[3].serviceRequest],
      },
    ],
    'ServiceRequest.performer': [
      {
        query: () => `performer.identifier=${tokenValue(AGB, '06001234')}`,
        expected: () => [r[1].serviceRequest, r[3].serviceRequest],
      },
      {
        query: () => `performer=Organization/${r[1].owner}`,
        expected: () => [r[1].serviceRequest, r[3].serviceRequest],
      },
    ],
    'ServiceRequest.authored': [
      { query: () => 'authored=lt2026-04-01', expected: () => [r[1].serviceRequest] },
      { query: () => 'authored=2026-05-20', expected: () => [r[3].serviceRequest] },
    ],
    'Composition._id': [{ query: () => `_id=${r[1].composition}`, expected: () => [r[1].composition] }],
    'Composition._lastUpdated': [{ query: () => '_lastUpdated=lt2000-01-01', expected: () => [] }],
    'Composition.identifier': [
      {
        query: () =>
          `identifier=${tokenValue('https://his.example.nl/fhir/NamingSystem/document', 'SAM-acc-1')}`,
        expected: () => [r[1].composition],
      },
    ],
    'Composition.status': [
      { query: () => 'status=final', expected: () => [r[1].composition, r[3].composition] },
    ],
    'Composition.type': [
      {
        query: () => `type=${tokenValue(SYSTEMS.documentType, 'previous-treatment-summary')}`,
        expected: () => [r[1].composition, r[3].composition],
      },
    ],
    'Composition.patient': [
      { query: () => `patient=Patient/${r[3].patient}`, expected: () => [r[3].composition] },
    ],
    'Composition.date': [{ query: () => 'date=ge2026-05-01', expected: () => [r[3].composition] }],
    'Patient._id': [{ query: () => `_id=${r[1].patient}`, expected: () => [r[1].patient] }],
    'Patient._lastUpdated': [
      { query: () => `_lastUpdated=ge${today}`, expected: () => [r[1].patient, r[3].patient] },
    ],
    'Patient.identifier': [
      { query: () => `identifier=${tokenValue(SYSTEMS.bsn, '999911120')}`, expected: () => [r[1].patient] },
      { query: () => `identifier=${tokenValue(SYSTEMS.bsn, '999999990')}`, expected: () => [] },
    ],
    'Patient.birthdate': [{ query: () => 'birthdate=lt1980', expected: () => [r[3].patient] }],
    'Consent._id': [{ query: () => `_id=${r[3].consent}`, expected: () => [r[3].consent] }],
    'Consent._lastUpdated': [
      { query: () => `_lastUpdated=ge${today}`, expected: () => [r[1].consent, r[3].consent] },
    ],
    'Consent.identifier': [
      {
        query: () =>
          `identifier=${tokenValue('https://his.example.nl/fhir/NamingSystem/toestemming', 'TS-acc-3')}`,
        expected: () => [r[3].consent],
      },
    ],
    'Consent.status': [{ query: () => 'status=active', expected: () => [r[1].consent, r[3].consent] }],
    'Consent.patient': [{ query: () => `patient=Patient/${r[1].patient}`, expected: () => [r[1].consent] }],
    'Consent.date': [{ query: () => 'date=2026-03-01', expected: () => [r[1].consent, r[3].consent] }],
    'Coverage._id': [{ query: () => `_id=${extra.coverage}`, expected: () => [extra.coverage] }],
    'Coverage._lastUpdated': [
      { query: () => `_lastUpdated=ge${today}`, expected: () => [extra.coverage] },
      { query: () => '_lastUpdated=lt2000-01-01', expected: () => [] },
    ],
    'Coverage.identifier': [
      {
        query: () =>
          `identifier=${tokenValue('https://his.example.nl/fhir/NamingSystem/polis', 'POL-acc-1')}`,
        expected: () => [extra.coverage],
      },
    ],
    'Coverage.status': [
      { query: () => 'status=active', expected: () => [extra.coverage] },
      { query: () => 'status=cancelled', expected: () => [] },
    ],
    'Coverage.patient': [
      { query: () => `patient=Patient/${r[1].patient}`, expected: () => [extra.coverage] },
      {
        query: () => `patient.identifier=${tokenValue(SYSTEMS.bsn, '999911120')}`,
        expected: () => [extra.coverage],
        client: 'demo-gp',
      },
      { query: () => `patient=Patient/${r[3].patient}`, expected: () => [] },
    ],
    'Coverage.beneficiary': [
      { query: () => `beneficiary=Patient/${r[1].patient}`, expected: () => [extra.coverage] },
    ],
    'Coverage.payor': [
      { query: () => `payor=Organization/${extra.insurer}`, expected: () => [extra.coverage] },
      {
        query: () => `payor.identifier=${tokenValue(INSURER_UZOVI.system, INSURER_UZOVI.value)}`,
        expected: () => [extra.coverage],
      },
    ],
    'AllergyIntolerance._id': [{ query: () => `_id=${extra.allergy}`, expected: () => [extra.allergy] }],
    'AllergyIntolerance._lastUpdated': [
      { query: () => `_lastUpdated=ge${today}`, expected: () => [extra.allergy] },
    ],
    'AllergyIntolerance.identifier': [
      {
        query: () =>
          `identifier=${tokenValue('https://his.example.nl/fhir/NamingSystem/allergie', 'AL-acc-1')}`,
        expected: () => [extra.allergy],
      },
    ],
    'AllergyIntolerance.clinical-status': [
      {
        query: () =>
          `clinical-status=${tokenValue('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active')}`,
        expected: () => [extra.allergy],
      },
      { query: () => 'clinical-status=resolved', expected: () => [] },
    ],
    'AllergyIntolerance.verification-status': [
      { query: () => 'verification-status=confirmed', expected: () => [extra.allergy] },
      { query: () => 'verification-status=refuted', expected: () => [] },
    ],
    'AllergyIntolerance.patient': [
      { query: () => `patient=Patient/${r[1].patient}`, expected: () => [extra.allergy] },
      {
        query: () => `patient.identifier=${tokenValue(SYSTEMS.bsn, '999911120')}`,
        expected: () => [extra.allergy],
        client: 'demo-gp',
      },
    ],
    'AllergyIntolerance.code': [
      {
        query: () => `code=${tokenValue('http://snomed.info/sct', '764146007')}`,
        expected: () => [extra.allergy],
      },
      { query: () => `code=${tokenValue('http://snomed.info/sct', '91936005')}`, expected: () => [] },
    ],
    'AllergyIntolerance.date': [
      { query: () => 'date=2024-06-12', expected: () => [extra.allergy] },
      { query: () => 'date=ge2025-01-01', expected: () => [] },
    ],
  };
}
