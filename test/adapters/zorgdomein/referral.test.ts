import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  Bundle,
  Composition,
  Condition,
  OperationOutcomeIssue,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { SUMMARY_SECTIONS } from '../../../src/fhir/codes.js';
import { checkGate } from '../../../src/intake/gate.js';
import { checkMessageShape } from '../../../src/intake/message.js';
import { createValidator, type Validator } from '../../../src/validation/index.js';
import { convertOne, edited, fixture, GOLDEN, issuesAt, resources, run, setup } from './support.js';

const P76 = 'zd-verwijsbrief-p76.json';
const P72 = 'zd-verwijsbrief-p72-crisis.xml';

/** Golden files: output and report; regenerate with UPDATE_GOLDEN=1 after a deliberate change. */
async function matchesGolden(name: string, bytes: Uint8Array): Promise<void> {
  const { bundle, issues } = convertOne(bytes);
  const actual = { output: bundle, report: { resourceType: 'OperationOutcome', issue: issues } };
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

function section(bundle: Bundle, code: string): NonNullable<Composition['section']>[number] | undefined {
  return resources(bundle, 'Composition')[0]?.section?.find((s) => s.code?.coding?.[0]?.code === code);
}

describe('ZorgDomein document adapter: golden outputs', () => {
  it.each([P76, P72])('when %s is converted, then output and report equal the golden file', async (name) => {
    await matchesGolden(name.replace(/\.(json|xml)$/, ''), fixture(name));
  });

  it('when a document is converted twice, then the ids are the same (derived from the document identifier)', () => {
    const a = convertOne(fixture(P76)).bundle;
    const b = convertOne(fixture(P76)).bundle;
    expect(a.entry?.map((e) => e.fullUrl)).toEqual(b.entry?.map((e) => e.fullUrl));
    expect(a.entry?.[0]?.fullUrl).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('ZorgDomein document adapter: a Dutch GP referral letter', () => {
  const { bundle, issues } = convertOne(fixture(P76));
  const referral = resources(bundle, 'ServiceRequest')[0] as ServiceRequest;

  it('when the document is a referral letter, then the message has the shape the gateway accepts and passes the R1 gate', () => {
    expect(checkMessageShape(bundle).ok).toBe(true);
    const gate = checkGate(bundle);
    expect(gate.issues).toEqual([]);
    expect(gate.passed).toBe(true);
    expect(bundle.entry?.map((e) => e.resource?.resourceType).slice(0, 4)).toEqual([
      'MessageHeader',
      'ServiceRequest',
      'Composition',
      'Patient',
    ]);
  });

  it('when the reason section lists a Condition and has text, then the referral carries both as its reason', () => {
    expect(referral.reasonReference?.map((r) => r.reference)).toHaveLength(1);
    expect(referral.reasonCode?.[0]?.text).toMatch(/^Somberheid en slaapproblemen/);
  });

  it("when the document has a client's request and a question, then they become ov-client-request and a note", () => {
    expect(referral.extension?.[0]?.valueString).toBe(
      'Ik wil weer grip krijgen op mijn leven & beter slapen.',
    );
    expect(referral.note?.map((n) => n.text)).toEqual([
      'Vraagstelling: Graag diagnostiek en behandeling in de basis-GGZ.',
      'Allergieën: Geen allergieën bekend.',
    ]);
  });

  it("when the document's category is a ZorgDomein code, then the referral-category is added through the ConceptMap", () => {
    expect(referral.category?.[0]?.coding?.map((c) => c.code)).toEqual(['ggz-basis', 'ggz-basic']);
  });

  it("when a section has only the referrer's text, then the summary section keeps it with reason unavailable", () => {
    const history = section(bundle, 'treatment-history');
    expect(history?.emptyReason?.coding?.[0]?.code).toBe('unavailable');
    expect(history?.text?.div).toContain('2019: depressieve episode');
    expect(section(bundle, 'outcome-measurements')?.entry).toHaveLength(1);
    expect(section(bundle, 'diagnoses-problems')?.entry).toHaveLength(2);
    expect(resources(bundle, 'Composition')[0]?.section?.map((s) => s.code?.coding?.[0]?.code)).toEqual([
      ...SUMMARY_SECTIONS,
    ]);
  });

  it('when an entry has no home in the message (Encounter), then it is reported once at its FHIRPath', () => {
    expect(issuesAt(issues, 'Bundle.entry[12].resource')).toHaveLength(1);
    expect(issuesAt(issues, 'Bundle.entry[1].resource.extension')[0]?.details?.coding?.[0]?.code).toBe(
      'source-field-unmapped',
    );
    expect(issuesAt(issues, 'Bundle.entry[7].resource.encounter')).toHaveLength(1);
  });

  it('when the report is written, then it names locations, never a BSN or a name', () => {
    const text = JSON.stringify(issues);
    for (const value of ['999911120', 'Jong', 'Anna', 'Vries', 'Pieter']) expect(text).not.toContain(value);
  });

  it('when a category code is not in the ConceptMap, then the category is reported as untranslatable and the channel decides', () => {
    const bytes = edited(P76, (doc) => {
      const sr = doc.entry[6]?.resource ?? {};
      sr.category = [
        { coding: [{ system: 'https://fhir.zorgdomein.nl/CodeSystem/referral-category', code: 'onbekend' }] },
      ];
    });
    const { bundle: out, issues: report } = convertOne(bytes);
    const warning = issuesAt(report, 'Bundle.entry[6].resource.category')[0];
    expect(warning?.severity).toBe('warning');
    expect(warning?.details?.coding?.[0]?.code).toBe('source-value-untranslatable');
    expect(resources(out, 'ServiceRequest')[0]?.category?.at(-1)?.coding?.[0]?.code).toBe('crisis');
  });

  it('when a copied reference does not resolve inside the document, then it is left out and reported at its location', () => {
    const bytes = edited(P76, (doc) => {
      const med = doc.entry[9]?.resource ?? {};
      med.informationSource = { reference: 'Practitioner/elders' };
    });
    const report = convertOne(bytes).issues;
    expect(issuesAt(report, 'Bundle.entry[9].resource.informationSource.reference')[0]?.severity).toBe(
      'warning',
    );
  });
});

describe('ZorgDomein document adapter: XML, LOINC sections, receiver from the channel', () => {
  const { bundle } = convertOne(fixture(P72));

  it('when the document is XML with LOINC codes, then it converts like JSON and ICPC P72 gains ICD-10 F20', () => {
    const condition = resources(bundle, 'Condition')[0] as Condition;
    expect(condition.code?.coding?.map((c) => c.code)).toEqual(['P72', 'F20']);
  });

  it('when the document says the medication section is empty (nilknown), then the summary keeps that reason', () => {
    expect(section(bundle, 'medication')?.emptyReason?.coding?.[0]?.code).toBe('nilknown');
  });

  it('when the document has no ServiceRequest, then the receiver comes from the channel and the category too', () => {
    const referral = resources(bundle, 'ServiceRequest')[0] as ServiceRequest;
    const receiver = bundle.entry?.find((e) => e.fullUrl === referral.performer?.[0]?.reference)?.resource;
    expect(receiver?.resourceType).toBe('Organization');
    expect(referral.category?.[0]?.coding?.[0]?.code).toBe('crisis');
    expect(referral.authoredOn).toBe('2026-03-05T16:35:00+01:00');
  });
});

describe('ZorgDomein document adapter output against the overdracht profiles', () => {
  let validator: Validator;
  beforeAll(() => {
    validator = createValidator();
  });

  it.each([P76, P72])(
    'when %s is converted, then the message is valid against ov-referral-message',
    (name) => {
      const result = run(fixture(name), {
        validate: (resource, profiles) => validator.validate(resource, { profiles }),
      });
      const errors = (result.report.issue ?? []).filter(
        (i: OperationOutcomeIssue) => i.severity === 'error' || i.severity === 'fatal',
      );
      expect(errors).toEqual([]);
    },
  );
});

describe('ZorgDomein document adapter: coverage', () => {
  it.each([P76, P72])(
    'when %s is converted, then every populated element is in the output or in the report',
    (name) => {
      const { adapter, ctx } = setup();
      const parsed = adapter.parse(fixture(name));
      const record = parsed.records[0];
      if (!record?.ok) throw new Error('not parsed');
      const result = adapter.convertDetailed(record.input, ctx);
      const coverage = result.coverage;
      if (!coverage) throw new Error('no coverage');
      const named = (result.report.issue ?? []).flatMap((i) => i.location ?? []);
      const unaccounted = coverage
        .allLeaves()
        .filter((l) => coverage.state(l.key) === 'unmapped')
        .filter(
          (l) =>
            !named.some((loc) => l.key === loc || l.key.startsWith(`${loc}.`) || l.key.startsWith(`${loc}[`)),
        );
      expect(unaccounted).toEqual([]);
      const stats = coverage.stats();
      expect((stats.mapped + stats.structural) / stats.populated).toBeGreaterThan(0.85);
    },
  );
});
