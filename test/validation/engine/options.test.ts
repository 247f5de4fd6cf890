/**
 * Validate options that change what is checked (securityChecks, noHtmlInMarkdown,
 * allowExampleUrls, validateContained, referencesMustResolve). Each test breaks one field of a
 * valid resource: without the option the result is as before, with it the issue is at that field.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createValidator, type Validator } from '../../../src/validation/index.js';
import { copy, issues } from './helpers.js';

type Json = Record<string, unknown>;

let v: Validator;
beforeAll(() => {
  v = createValidator({ includeProjectPackage: false });
});

function patient(): Json {
  return {
    resourceType: 'Patient',
    id: 'p1',
    identifier: [{ system: 'https://overdracht.dev/fhir/mrn', value: '42' }],
    name: [{ family: 'Jansen', given: ['Anna'], text: 'Anna Jansen' }],
    birthDate: '1990-05-17',
  };
}

function communication(): Json {
  return {
    resourceType: 'Communication',
    id: 'c1',
    status: 'completed',
    note: [{ text: 'Results are *normal*, see <https://overdracht.dev/help> or call a < b' }],
  };
}

describe('validate options', () => {
  it('when securityChecks is on and a name text carries a script tag, then that text is an error', () => {
    const p = copy(patient());
    p.name = [{ family: 'Jansen', text: 'Anna <script>alert(1)</script>' }];
    expect(issues(v.validate(p))).toEqual([]);
    expect(issues(v.validate(patient(), { securityChecks: true }))).toEqual([]);
    expect(issues(v.validate(p, { securityChecks: true }))).toEqual([
      {
        severity: 'error',
        path: 'Patient.name[0].text',
        message:
          'The string value contains text that looks like embedded HTML tags, which are not allowed for security reasons',
      },
    ]);
  });

  it('when noHtmlInMarkdown is on and a note has an HTML tag, then the note text is an error', () => {
    const c = copy(communication());
    c.note = [{ text: 'See <b>this</b>' }];
    expect(issues(v.validate(c))).toEqual([]);
    expect(issues(v.validate(communication(), { noHtmlInMarkdown: true }))).toEqual([]);
    expect(issues(v.validate(c, { noHtmlInMarkdown: true }))).toEqual([
      {
        severity: 'error',
        path: 'Communication.note[0].text',
        message:
          "The markdown contains what appears to be an embedded HTML tag starting at '<b'; HTML is not allowed in markdown",
      },
    ]);
  });

  it('when allowExampleUrls is off and an extension is on example.org, then its url is an error and it is unknown', () => {
    const p = copy(patient());
    p._birthDate = {
      extension: [{ url: 'http://example.org/fhir/StructureDefinition/x', valueString: 'y' }],
    };
    expect(issues(v.validate(p))).toEqual([]);
    expect(issues(v.validate(patient(), { allowExampleUrls: false }))).toEqual([]);
    expect(issues(v.validate(p, { allowExampleUrls: false }))).toEqual([
      {
        severity: 'error',
        path: 'Patient.birthDate.extension[0].url',
        message:
          'Example URLs are not allowed in this context (http://example.org/fhir/StructureDefinition/x)',
      },
      {
        severity: 'error',
        path: 'Patient.birthDate.extension[0]',
        message:
          'The extension http://example.org/fhir/StructureDefinition/x could not be found so is not allowed here',
      },
    ]);
  });

  it('when allowExampleUrls is off and an identifier system is on a subdomain of example.org, then the system is an error', () => {
    const p = copy(patient());
    p.identifier = [{ system: 'http://hospital.example.org/mrn', value: '42' }];
    expect(issues(v.validate(p))).toEqual([]);
    expect(issues(v.validate(p, { allowExampleUrls: false }))).toEqual([
      {
        severity: 'error',
        path: 'Patient.identifier[0].system',
        message: 'Example URLs are not allowed in this context (http://hospital.example.org/mrn)',
      },
    ]);
  });

  it('when validateContained is off, then a contained resource with a bad id and no reference to it is not an error', () => {
    const c = {
      resourceType: 'Condition',
      id: 'c1',
      subject: { reference: 'Patient/p1' },
      contained: [{ resourceType: 'Practitioner', id: 'x'.repeat(65) }],
    };
    // dom-3 is reported at the contained resource nobody references, as the HL7 validator does.
    expect(issues(v.validate(c)).map((i) => i.path)).toEqual([
      'Condition.contained[0].id',
      'Condition.contained[0]',
    ]);
    expect(issues(v.validate(c, { validateContained: false }))).toEqual([]);
  });

  it('when several contained resources are not referenced, then dom-3 names each of them and not the one that is', () => {
    const c = {
      resourceType: 'Condition',
      id: 'c1',
      subject: { reference: '#p1' },
      contained: [
        { resourceType: 'Patient', id: 'p1' },
        { resourceType: 'Practitioner', id: 'pr1' },
        { resourceType: 'Practitioner', id: 'pr2' },
      ],
    };
    const found = issues(v.validate(c)).filter((i) => /dom-3/.test(i.message));
    expect(found.map((i) => i.path)).toEqual(['Condition.contained[1]', 'Condition.contained[2]']);
    expect(found[0]?.message).toMatch(/'pr1' is not referenced/);
  });

  it('when a coding names a code system supplement as its system, then the error is at the system', () => {
    const local = createValidator({
      includeProjectPackage: false,
      resources: [
        {
          resourceType: 'CodeSystem',
          url: 'http://example.org/CodeSystem/loinc-nl',
          status: 'active',
          content: 'supplement',
          supplements: 'http://loinc.org',
          concept: [{ code: '1234-5', display: 'iets' }],
        },
      ],
    });
    const o = local.validate({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://example.org/CodeSystem/loinc-nl', code: '1234-5' }] },
    });
    const errors = issues(o).filter((i) => i.severity === 'error');
    expect(errors.map((i) => i.path)).toEqual(['Observation.code.coding[0].system']);
    expect(errors[0]?.message).toMatch(/is a supplement/);
  });

  it('when validateContained is off, then references to contained resources are still resolved', () => {
    const c = {
      resourceType: 'Condition',
      id: 'c1',
      subject: { reference: 'Patient/p1' },
      asserter: { reference: '#pr' },
      contained: [{ resourceType: 'Practitioner', id: 'pr' }],
    };
    expect(issues(v.validate(c, { validateContained: false }))).toEqual([]);
    const broken = { ...c, asserter: { reference: '#missing' } };
    expect(issues(v.validate(broken, { validateContained: false })).map((i) => i.path)).toEqual([
      'Condition.asserter',
      'Condition.asserter.reference',
    ]);
  });

  it('when referencesMustResolve is on and a Parameters resource references a missing parameter, then that reference is an error', () => {
    const parameters = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'patient', resource: { resourceType: 'Patient', id: 'p1' } },
        {
          name: 'coverage',
          resource: {
            resourceType: 'Coverage',
            id: 'cov1',
            status: 'active',
            beneficiary: { reference: 'Patient/p1' },
            payor: [{ reference: 'http://example.org/fhir/Organization/o1' }],
          },
        },
      ],
    };
    expect(issues(v.validate(parameters, { referencesMustResolve: true }))).toEqual([]);
    const broken = copy(parameters);
    const coverage = broken.parameter[1]?.resource as Json;
    coverage.beneficiary = { reference: 'Patient/p2' };
    expect(issues(v.validate(broken))).toEqual([]);
    expect(issues(v.validate(broken, { referencesMustResolve: true }))).toEqual([
      {
        severity: 'error',
        path: 'Parameters.parameter[1].resource.beneficiary',
        message: "Unable to resolve resource with reference 'Patient/p2'",
      },
    ]);
    expect(
      issues(v.validate(parameters, { referencesMustResolve: true, allowExampleUrls: false })).map(
        (i) => i.path,
      ),
    ).toEqual(['Parameters.parameter[1].resource.payor[0]']);
  });
});
