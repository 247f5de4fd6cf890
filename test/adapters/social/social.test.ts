import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, OperationOutcomeIssue, ServiceRequest } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAdapter } from '../../../src/adapters/framework.js';
import { createValidator, type Validator } from '../../../src/validation/index.js';
import { edited, fixture, FIXTURE_NAMES, GOLDEN, run, setup } from './support.js';

const at = (issues: OperationOutcomeIssue[] | undefined, location: string): OperationOutcomeIssue[] =>
  (issues ?? []).filter((i) => i.location?.includes(location));

function only(bytes: Uint8Array): { bundle: Bundle; issues: OperationOutcomeIssue[] } {
  const result = run(bytes);
  const output = result.records[0]?.output;
  if (!output || Array.isArray(output)) throw new Error('no Bundle');
  return { bundle: output, issues: result.report.issue ?? [] };
}

describe('iWmo / iJw adapter: golden outputs', () => {
  it.each(FIXTURE_NAMES)('when %s is converted, then the output equals the golden file', (name) => {
    const result = run(fixture(name));
    const actual = { output: result.records.map((r) => r.output), report: result.report };
    const file = join(GOLDEN, name.replace(/\.xml$/, '.json'));
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
    expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
  });

  it('when a JW315 asks for youth GGZ (category 54), then the referral category is youth-ggz', () => {
    const { bundle } = only(fixture('jw315-youth-ggz.xml'));
    const sr = bundle.entry?.find((e) => e.resource?.resourceType === 'ServiceRequest')
      ?.resource as ServiceRequest;
    const codes = sr.category?.flatMap((c) => c.coding ?? []).map((c) => `${c.system}|${c.code}`);
    expect(codes).toContain('https://overdracht.dev/fhir/CodeSystem/referral-category|youth-ggz');
    expect(codes).toContain('https://overdracht.dev/fhir/CodeSystem/ijw-product-category|54');
    expect(codes).toContain('https://overdracht.dev/fhir/CodeSystem/verwijzer|02');
  });
});

describe('iWmo / iJw adapter: nothing lost silently', () => {
  it.each(FIXTURE_NAMES)(
    'when %s is converted, then every populated element is mapped, structural or reported',
    (name) => {
      const { adapter, ctx } = setup();
      const parsed = adapter.parse(fixture(name));
      for (const record of parsed.records) {
        if (!record.ok) throw new Error('record did not parse');
        const { coverage, report } = adapter.convertDetailed(record.input, ctx);
        const reported = new Set((report.issue ?? []).flatMap((i) => i.location ?? []));
        for (const leaf of coverage.allLeaves()) {
          const state = coverage.state(leaf.key);
          if (state === 'unmapped') expect(leaf.path.some((p) => reported.has(p))).toBe(true);
        }
      }
    },
  );

  it('when the client has initials beside first names, then Voorletters is reported by its XPath', () => {
    const { issues } = only(fixture('jw315-youth-ggz.xml'));
    const [issue] = at(issues, '/Bericht/Client/Naam/Voorletters');
    expect(issue?.severity).toBe('information');
    expect(issue?.details?.coding?.[0]?.code).toBe('source-field-unmapped');
  });

  it('when an element is not in the 3.2 structure, then it is reported by its XPath and the rest converts', () => {
    const bytes = edited('jw305-start.xml', '<StatusAanlevering>', '<Extra>x</Extra><StatusAanlevering>');
    const { issues } = only(bytes);
    expect(at(issues, '/Bericht/Client/StartProduct/Extra')).toHaveLength(1);
  });

  it('when the BSN fails the 11-check, then it is reported as untranslatable at its XPath, never its value', () => {
    const { bundle, issues } = only(edited('jw315-youth-ggz.xml', '999911120', '999911121'));
    const [issue] = at(issues, '/Bericht/Client/Bsn');
    expect(issue?.details?.coding?.[0]?.code).toBe('source-value-untranslatable');
    expect(JSON.stringify(issues)).not.toContain('999911121');
    expect(JSON.stringify(bundle)).not.toContain('999911121');
  });

  it('when a product category has no referral category, then it is reported and the channel setting is named', () => {
    const { issues } = only(
      edited('jw315-youth-ggz.xml', '<Categorie>54</Categorie>', '<Categorie>31</Categorie>'),
    );
    expect(
      at(issues, '/Bericht/Client/AangevraagdProduct/Product/Categorie')
        .map((i) => i.diagnostics)
        .join(),
    ).toMatch(/referralCategory/);
  });

  it('when one product of a WMO315 has a bad date, then that one is reported and both still convert', () => {
    const bytes = edited(
      'wmo315-begeleiding.xml',
      /<ToewijzingIngangsdatum>2026-04-15<\/ToewijzingIngangsdatum>\s*<Verwijzer>/,
      '<ToewijzingIngangsdatum>2026-02-30</ToewijzingIngangsdatum><Verwijzer>',
    );
    const result = run(bytes);
    expect(result.records).toHaveLength(2);
    expect(result.records.every((r) => r.output !== undefined)).toBe(true);
    expect(
      at(result.report.issue, '/Bericht/Client/AangevraagdProduct[2]/ToewijzingIngangsdatum'),
    ).toHaveLength(1);
  });
});

describe('iWmo / iJw adapter: outputs against the profiles', () => {
  let validator: Validator;
  beforeAll(() => {
    validator = createValidator();
  });

  it.each(FIXTURE_NAMES)('when %s is converted, then the output has no validation error', (name) => {
    const { adapter, ctx } = setup();
    const result = runAdapter(adapter, fixture(name), ctx, {
      validate: (resource, profiles) => validator.validate(resource, { profiles }),
    });
    const errors = (result.report.issue ?? []).filter(
      (i) => i.severity === 'error' || i.severity === 'fatal',
    );
    expect(errors.map((i) => i.diagnostics)).toEqual([]);
  });
});
