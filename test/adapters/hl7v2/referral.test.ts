import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  Composition,
  Condition,
  Observation,
  OperationOutcomeIssue,
  Organization,
  Patient,
  Practitioner,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { SUMMARY_SECTIONS, SYSTEMS } from '../../../src/fhir/codes.js';
import { checkGate } from '../../../src/intake/gate.js';
import { checkMessageShape } from '../../../src/intake/message.js';
import { samplePairs } from '../../../scripts/adapters/hl7v2-coverage.js';
import { byReference, convertOne, fixture, GOLDEN, issuesAt, resources } from './support.js';

const ICPC = 'http://hl7.org/fhir/sid/icpc-1-nl';
const EXT = 'http://hl7.org/fhir/StructureDefinition/';

/**
 * Golden files: the whole output and report; regenerate with UPDATE_GOLDEN=1 after a deliberate
 * change (written as prettier formats them, so that regenerating does not churn the diff).
 */
async function matchesGolden(name: string, bytes: Uint8Array): Promise<void> {
  const { bundle, report } = convertOne(bytes);
  const actual = { output: bundle, report };
  const file = join(GOLDEN, `${name}.json`);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    writeFileSync(
      file,
      await prettier.format(JSON.stringify(actual, null, 2), { ...options, parser: 'json' }),
    );
  }
  expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

describe('HL7 v2 referral adapter: golden outputs', () => {
  it.each(['nl-his-referral-p76', 'nl-his-referral-p72-crisis', 'nl-his-cancel', 'nl-extra-fields'])(
    'when %s.hl7 is converted, then output and report equal the golden file',
    async (name) => {
      await matchesGolden(name, fixture(`${name}.hl7`));
    },
  );

  const samples = samplePairs();
  it.skipIf(samples.length === 0).each(samples.map((s) => s.message))(
    'when the FHIR-Converter sample %s is converted, then output and report equal the golden file',
    async (file) => {
      await matchesGolden(
        file
          .split('/')
          .pop()
          ?.replace(/\.hl7$/, '') ?? '',
        readFileSync(file),
      );
    },
  );

  it('when a message is converted twice, then the ids are the same (derived from control id and segment position)', () => {
    const a = convertOne(fixture('nl-his-referral-p76.hl7')).bundle;
    const b = convertOne(fixture('nl-his-referral-p76.hl7')).bundle;
    expect(a.entry?.map((e) => e.fullUrl)).toEqual(b.entry?.map((e) => e.fullUrl));
    expect(a.entry?.[0]?.fullUrl).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('HL7 v2 referral adapter: a Dutch GP referral', () => {
  const { bundle, report } = convertOne(fixture('nl-his-referral-p76.hl7'));
  const patient = resources(bundle, 'Patient')[0] as Patient;
  const referral = resources(bundle, 'ServiceRequest')[0] as ServiceRequest;
  const summary = resources(bundle, 'Composition')[0] as Composition;

  it('when PID-3 carries a BSN (NNNLD, NLMINBIZA), then it is the BSN identifier and the type is carried by the system', () => {
    expect(patient.identifier?.[0]).toEqual({ system: SYSTEMS.bsn, value: '999911120' });
  });

  it('when a name has a Dutch prefix (FN.2, FN.3), then family keeps it whole and the parts go into the name-part extensions', () => {
    expect(patient.name?.[0]).toMatchObject({
      family: 'de Jong',
      given: ['Anna', 'A.'],
      use: 'official',
      _family: {
        extension: [
          { url: `${EXT}humanname-own-prefix`, valueString: 'de' },
          { url: `${EXT}humanname-own-name`, valueString: 'Jong' },
        ],
      },
    });
  });

  it('when an address has street name and house number (SAD.2, SAD.3), then they are kept beside the line', () => {
    expect(patient.address?.[0]).toMatchObject({
      line: ['Hoofdstraat 1'],
      city: 'Groningen',
      postalCode: '9712 AB',
      country: 'NL',
      use: 'home',
    });
    const line = (
      patient.address?.[0] as { _line?: { extension?: { valueString?: string }[] }[] } | undefined
    )?._line;
    expect(line?.[0]?.extension?.map((e) => e.valueString)).toEqual(['Hoofdstraat', '1']);
  });

  it('when the referrer is identified by AGB (PLN "AGB", XON.10 with the AGB OID), then practitioner and practice carry agb-z', () => {
    const role = byReference(bundle, referral.requester?.reference);
    expect(role?.resourceType).toBe('PractitionerRole');
    if (role?.resourceType !== 'PractitionerRole') return;
    const gp = byReference(bundle, role.practitioner?.reference) as Practitioner;
    const practice = byReference(bundle, role.organization?.reference) as Organization;
    expect(gp.identifier).toEqual([{ system: SYSTEMS.agb, value: '01012345' }]);
    expect(practice).toMatchObject({
      name: 'Huisartsenpraktijk De Linde',
      identifier: [{ system: SYSTEMS.agb, value: '01004567' }],
    });
    expect(practice.type?.[0]?.coding?.[0]).toEqual({
      system: SYSTEMS.organizationType,
      code: 'gp-practice',
    });
  });

  it('when DG1-3 is ICPC P76, then the diagnosis is coded in ICPC-1-NL and is the referral reason', () => {
    const diagnosis = byReference(bundle, referral.reasonReference?.[0]?.reference) as Condition;
    expect(diagnosis.code?.coding).toEqual([{ system: ICPC, code: 'P76', display: 'Depressie' }]);
    expect(diagnosis.verificationStatus?.coding?.[0]?.code).toBe('provisional');
  });

  it('when the message is a referral, then the Bundle has the shape the gateway accepts and passes the R1 gate', () => {
    expect(checkMessageShape(bundle).ok).toBe(true);
    const gate = checkGate(bundle);
    expect(gate.issues).toEqual([]);
    expect(gate.passed).toBe(true);
  });

  it('when sections have content in the message, then they list it; the others are empty with reason unavailable and a text', () => {
    expect(summary.section?.map((s) => s.code?.coding?.[0]?.code)).toEqual([...SUMMARY_SECTIONS]);
    const state = Object.fromEntries(
      (summary.section ?? []).map((s) => [
        s.code?.coding?.[0]?.code,
        s.entry?.length ?? s.emptyReason?.coding?.[0]?.code,
      ]),
    );
    expect(state).toEqual({
      'diagnoses-problems': 2,
      'treatment-history': 'unavailable',
      medication: 1,
      'outcome-measurements': 1,
      'risks-crisis-plan': 'unavailable',
      'legal-status': 'unavailable',
      'social-situation': 'unavailable',
      'relatives-household': 2,
      'care-team': 'unavailable',
      'intake-answers': 'unavailable',
    });
    expect(summary.section?.find((s) => s.emptyReason)?.text?.div).toContain('REF^I12');
  });

  it('when OBX holds a PHQ-9 total, then it is a survey Observation with the referrer as performer and its note', () => {
    const phq9 = resources(bundle, 'Observation').find(
      (o) => o.code?.coding?.[0]?.code === '44261-6',
    ) as Observation;
    expect(phq9).toMatchObject({
      status: 'final',
      valueInteger: 16,
      effectiveDateTime: '2026-02-20',
      category: [{ coding: [{ code: 'survey' }] }],
    });
    expect(phq9.note).toEqual([{ text: 'Score past bij een matig-ernstige depressie.' }]);
    expect(byReference(bundle, phq9.performer?.[0]?.reference)?.resourceType).toBe('Organization');
  });

  it('when a note follows PV1 at the end of the message, then it is a note on the referral', () => {
    expect(referral.note?.map((n) => n.text)).toEqual([
      'Graag beoordeling voor basis-GGZ',
      'Hulpvraag: ik wil weer grip krijgen op mijn leven en beter slapen.',
    ]);
  });

  it('when the report is written, then it names fields by location and never carries a BSN or a name', () => {
    const text = JSON.stringify(report);
    for (const secret of ['999911120', 'Jong', 'Anna', 'Kees', 'Vries']) expect(text).not.toContain(secret);
    expect(report.issue?.every((i) => (i.location ?? []).length === 1)).toBe(true);
  });
});

describe('HL7 v2 referral adapter: other messages', () => {
  it('when ICPC P72 is sent, then the equivalent ICD-10 code (F20) is added through the ConceptMap', () => {
    const { bundle } = convertOne(fixture('nl-his-referral-p72-crisis.hl7'));
    const condition = resources(bundle, 'Condition')[0];
    expect(condition?.code?.coding?.map((c) => `${c.system}|${c.code}`)).toEqual([
      `${ICPC}|P72`,
      'http://hl7.org/fhir/sid/icd-10|F20',
    ]);
    expect(condition?.code?.text).toBe('Eerste psychotische episode ^ verdenking');
  });

  it('when a crisis referral is sent with escapes, then priority is stat and the text is decoded', () => {
    const { bundle } = convertOne(fixture('nl-his-referral-p72-crisis.hl7'));
    const referral = resources(bundle, 'ServiceRequest')[0];
    expect(referral?.priority).toBe('stat');
    expect(referral?.note?.[0]?.text).toBe('Crisisdienst gebeld om 22:30\nTerugbellen via 06|huisartsenpost');
    expect(resources(bundle, 'Observation')[0]?.valueString).toBe('Onrustig\\verward A~ niet aanspreekbaar');
  });

  it('when the BSN comes with only the BSN OID as assigning authority, then it is still the BSN', () => {
    const { bundle } = convertOne(fixture('nl-his-referral-p72-crisis.hl7'));
    expect(resources(bundle, 'Patient')[0]?.identifier?.[0]).toEqual({
      system: SYSTEMS.bsn,
      value: '999999990',
    });
  });

  it.each([
    ['999911121', 'fails the 11-check'],
    ['000000000', 'is all zeros'],
  ])('when the BSN %s %s, then it is kept without the BSN system and a warning names its location', (bsn) => {
    const text = `MSH|^~\\&|HIS|P|EPD|G|20260301||REF^I12^REF_I12|C9|P|2.5\rPID|1||${bsn}^^^NLMINBIZA^NNNLD||Jansen^Anna`;
    const { bundle, report } = convertOne(new TextEncoder().encode(text));
    expect(resources(bundle, 'Patient')[0]?.identifier).toEqual([{ value: bsn }]);
    expect(issuesAt(report.issue, 'PID-3.1')[0]).toMatchObject({
      severity: 'warning',
      diagnostics: expect.stringContaining('not a valid BSN'),
    });
  });

  it('when REF^I14 cancels a referral, then the event is cancellation, the referral is revoked and RF1-1 is reported', () => {
    const { bundle, report } = convertOne(fixture('nl-his-cancel.hl7'));
    const header = bundle.entry?.[0]?.resource;
    expect(header?.resourceType === 'MessageHeader' && header.eventCoding).toEqual({
      system: SYSTEMS.messageEvent,
      code: 'cancellation',
    });
    expect(resources(bundle, 'ServiceRequest')[0]?.status).toBe('revoked');
    expect(issuesAt(report.issue, 'RF1-1')[0]?.severity).toBe('information');
    expect(bundle.meta?.profile).toBeUndefined();
  });
});

describe('HL7 v2 referral adapter: the unmapped report', () => {
  const { bundle, report } = convertOne(fixture('nl-extra-fields.hl7'));
  const at = (location: string): OperationOutcomeIssue | undefined => issuesAt(report.issue, location)[0];

  it.each([
    ['ZBS[1]', 'segment ZBS (not in the HL7 v2 referral structure): not mapped'],
    ['ACC', 'segment ACC (Accident): not mapped'],
    ['PID-42', 'field 42: not mapped'],
    ['PID-19', 'SSN Number - Patient: not mapped'],
    ['PID-10', 'Race: not mapped'],
    ['PID-5.15', 'Patient Name, Called By: not mapped'],
    ['PID-11.20', 'Patient Address, Comment: not mapped'],
    ['PID[2]-5', 'Patient Name: not mapped'],
    ['NK1[1]-13', 'Organization Name - NK1: not mapped'],
    ['NK1[1]-37', 'Contact Person Social Security Number: not mapped'],
    ['RF1-18', 'Remaining Benefit Amount: not mapped'],
    ['RF1-25', 'Action Code: not mapped'],
    ['PRD[1]-4', 'Provider Location: not mapped'],
    ['DG1[1]-15', 'Diagnosis Priority: not mapped'],
    ['NTE[1]-2', 'Source of Comment: not mapped'],
    ['NTE[1]-4', 'Comment Type: not mapped'],
  ])('when %s is sent but no rule reads it, then the report names it there', (location, text) => {
    expect(at(location)).toMatchObject({
      severity: 'information',
      code: 'informational',
      diagnostics: `${location}: ${text}`,
    });
  });

  it('when one diagnosis of the message has no code, then it alone is reported as an error and the rest converts', () => {
    expect(at('DG1[2]')).toMatchObject({ severity: 'error', code: 'required' });
    expect(resources(bundle, 'Condition')).toHaveLength(1);
  });

  it('when extra fields are reported, then nothing else is: every other issue is one of the expected', () => {
    expect(report.issue?.map((i) => i.location?.[0]).sort()).toEqual(
      [
        'ACC',
        'DG1[1]-15',
        'DG1[1]-21',
        'DG1[2]',
        'MSH-11',
        'MSH-4',
        'MSH-6',
        'NK1[1]-13',
        'NK1[1]-37',
        'NTE[1]-2',
        'NTE[1]-4',
        'PID-10',
        'PID-11.20',
        'PID-19',
        'PID-42',
        'PID-5.15',
        'PID[2]-5',
        'PRD[1]-4',
        'RF1-18',
        'RF1-25',
        'ZBS[1]',
      ].sort(),
    );
  });
});
