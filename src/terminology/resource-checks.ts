/**
 * Rules for terminology resources themselves, beyond their structure: a CodeSystem's count,
 * supplements and property definitions; the systems, codes and filter values a ValueSet's compose
 * names; the source and target codes of a ConceptMap. Codes are checked with the terminology
 * service, so only what can be decided offline is reported.
 *
 * Spec: https://hl7.org/fhir/R4/codesystem.html, https://hl7.org/fhir/R4/valueset.html#compositions,
 * https://hl7.org/fhir/R4/conceptmap.html, https://hl7.org/fhir/R4/codesystem-concept-properties.html
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue, type IssueInput } from '../fhir/outcomes.js';
import { eclParseError, SNOMED_SYSTEM } from './code-syntax.js';
import { asArray, findConcept, indexCodeSystem, isRecord } from './codesystem.js';
import type { CodeCheck, TerminologyService } from './service.js';

type Json = Record<string, unknown>;

/** What the checks need from the terminology service. */
export type ResourceCheckTerminology = Pick<
  TerminologyService,
  'validateCode' | 'validateCodeInSystem' | 'hasValueSet' | 'getCodeSystem'
>;

const CONCEPT_PROPERTIES = 'http://hl7.org/fhir/concept-properties#';

/** The properties defined by FHIR for every code system, with their types. */
const KNOWN_PROPERTIES: Record<string, string> = {
  status: 'code',
  inactive: 'boolean',
  effectiveDate: 'dateTime',
  deprecationDate: 'dateTime',
  retirementDate: 'dateTime',
  notSelectable: 'boolean',
  parent: 'code',
  child: 'code',
  partOf: 'code',
  synonym: 'code',
  comment: 'string',
  itemWeight: 'decimal',
};

const HIERARCHY_OPS = new Set(['is-a', 'descendent-of', 'is-not-a', 'generalizes', '=', 'in', 'not-in']);

/** Issues for a CodeSystem, ValueSet or ConceptMap at `basePath`; none for other resources. */
export function validateTerminologyResource(
  resource: unknown,
  basePath: string,
  terminology: ResourceCheckTerminology,
): OperationOutcomeIssue[] {
  if (!isRecord(resource)) return [];
  const out: OperationOutcomeIssue[] = [];
  const report: Report = (input) => {
    out.push(issue({ ...input, code: input.code ?? 'business-rule' }));
  };
  switch (resource['resourceType']) {
    case 'CodeSystem':
      checkCodeSystem(resource, basePath, terminology, report);
      break;
    case 'ValueSet':
      checkValueSet(resource, basePath, terminology, report);
      break;
    case 'ConceptMap':
      checkConceptMap(resource, basePath, terminology, report);
      break;
    default:
      break;
  }
  return out;
}

/** An issue whose code defaults to business-rule. */
type Report = (input: Omit<IssueInput, 'code'> & { code?: IssueInput['code'] }) => void;

// --- CodeSystem ----------------------------------------------------------------------------------

function checkCodeSystem(cs: Json, path: string, ts: ResourceCheckTerminology, report: Report): void {
  const base = cs['supplements'];
  if (typeof base === 'string') {
    if (cs['content'] !== 'supplement') {
      report({
        message: "CodeSystem Supplements SHALL have a content value of 'supplement'",
        expression: `${path}.content`,
      });
    }
    forEachConcept(cs, path, (concept, at) => {
      const code = concept['code'];
      if (typeof code !== 'string') return;
      if (ts.validateCodeInSystem(base, code)?.valid === false) {
        report({
          message: `The code '${code}' is not declared in the base CodeSystem ${base} so is not valid in the supplement`,
          expression: at,
        });
      }
    });
  }
  checkCount(cs, path, report);
  const declared = checkPropertyDefinitions(cs, path, report);
  forEachConcept(cs, path, (concept, at) => checkConceptProperties(concept, at, declared, report));
}

/** Spec: CodeSystem.count, "the total number of concepts defined by the code system". */
function checkCount(cs: Json, path: string, report: Report): void {
  const count = cs['count'];
  if (cs['content'] !== 'complete' || typeof count !== 'number') return;
  let n = 0;
  forEachConcept(cs, path, () => n++);
  if (n !== count) {
    report({
      code: 'invalid',
      message: `The code system is complete, but the number of concepts (${n}) does not match the stated total number (${count})`,
      expression: `${path}.count`,
    });
  }
}

/** Returns the declared type of each property code (first declaration wins). */
function checkPropertyDefinitions(cs: Json, path: string, report: Report): Map<string, string> {
  const types = new Map<string, string>();
  const uris = new Set<string>();
  asArray(cs['property']).forEach((p, i) => {
    if (!isRecord(p)) return;
    const at = `${path}.property[${i}]`;
    const code = typeof p['code'] === 'string' ? p['code'] : undefined;
    const uri = typeof p['uri'] === 'string' ? p['uri'] : undefined;
    const type = typeof p['type'] === 'string' ? p['type'] : undefined;
    if (code !== undefined && types.has(code)) {
      report({ message: `A property is already defined with the code '${code}'`, expression: at });
    } else if (uri !== undefined && uris.has(uri)) {
      report({ message: `A property is already defined with the URI '${uri}'`, expression: at });
    } else if (uri?.startsWith(CONCEPT_PROPERTIES)) {
      checkKnownProperty(uri, code, type, at, report);
    }
    if (code !== undefined && !types.has(code) && type !== undefined) types.set(code, type);
    if (uri !== undefined) uris.add(uri);
  });
  return types;
}

function checkKnownProperty(
  uri: string,
  code: string | undefined,
  type: string | undefined,
  at: string,
  report: Report,
): void {
  const name = uri.slice(CONCEPT_PROPERTIES.length);
  const expected = KNOWN_PROPERTIES[name];
  if (expected === undefined) return;
  if (code !== undefined && code !== name) {
    report({
      message: `The URI '${uri}' is normally assigned the code '${name}'. Using the code '${code}' will usually create confusion in ValueSet filters etc`,
      expression: at,
    });
  }
  if (type !== undefined && type !== expected) {
    report({
      message: `Wrong type '${type}': The URI '${uri}' identifies a property that has the type '${expected}'`,
      expression: at,
    });
  }
}

/** A concept's property values must have the type their property is declared with. */
function checkConceptProperties(
  concept: Json,
  at: string,
  declared: Map<string, string>,
  report: Report,
): void {
  asArray(concept['property']).forEach((p, j) => {
    if (!isRecord(p) || typeof p['code'] !== 'string') return;
    const expected = declared.get(p['code']);
    const valueKey = Object.keys(p).find((k) => k.startsWith('value'));
    if (expected === undefined || valueKey === undefined) return;
    const actual = valueKey.charAt(5).toLowerCase() + valueKey.slice(6);
    const sameType = actual.toLowerCase() === expected.toLowerCase();
    if (!sameType) {
      report({
        message: `The property '${p['code']}' has the invalid type '${actual}', when it is defined to have the type '${expected}'`,
        expression: `${at}.property[${j}]`,
      });
    }
  });
}

function forEachConcept(cs: Json, path: string, visit: (concept: Json, at: string) => void): void {
  const walk = (list: unknown, at: string, depth: number): void => {
    if (depth > 50) return;
    asArray(list).forEach((c, i) => {
      if (!isRecord(c)) return;
      const here = `${at}.concept[${i}]`;
      visit(c, here);
      walk(c['concept'], here, depth + 1);
    });
  };
  walk(cs['concept'], path, 0);
}

// --- ValueSet ------------------------------------------------------------------------------------

function checkValueSet(vs: Json, path: string, ts: ResourceCheckTerminology, report: Report): void {
  const compose = vs['compose'];
  if (!isRecord(compose)) return;
  const codeCheck = codeCheckWithContained(vs, ts);
  for (const part of ['include', 'exclude'] as const) {
    asArray(compose[part]).forEach((inc, i) => {
      if (!isRecord(inc)) return;
      const at = `${path}.compose.${part}[${i}]`;
      const system = inc['system'];
      if (typeof system !== 'string') return;
      if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(system)) {
        report({
          code: 'invalid',
          message: `URI values in ValueSet.compose.${part}.system must be absolute. To reference a contained code system, use the full CodeSystem URL and reference it using the http://hl7.org/fhir/StructureDefinition/valueset-system extension`,
          expression: at,
        });
        return;
      }
      const version = typeof inc['version'] === 'string' ? inc['version'] : undefined;
      checkIncludeConcepts(inc, system, version, at, codeCheck, report);
      checkFilters(inc, system, at, codeCheck, propertyTypes(ts.getCodeSystem(system)), report);
    });
  }
}

type CodeInSystem = (system: string, code: string, version?: string) => CodeCheck | undefined;

/** Code checks that also know the value set's contained code systems. */
function codeCheckWithContained(vs: Json, ts: ResourceCheckTerminology): CodeInSystem {
  const contained = asArray(vs['contained']).filter(
    (r): r is Json => isRecord(r) && r['resourceType'] === 'CodeSystem' && typeof r['url'] === 'string',
  );
  return (system, code, version) => {
    const local = contained.find((c) => c['url'] === system);
    if (!local) return ts.validateCodeInSystem(system, code, undefined, version);
    const indexed = indexCodeSystem(local);
    if (findConcept(indexed, code)) return { valid: true };
    return indexed.content === 'complete'
      ? { valid: false, message: `Unknown code '${code}' in the code system '${system}'` }
      : undefined;
  };
}

function checkIncludeConcepts(
  inc: Json,
  system: string,
  version: string | undefined,
  at: string,
  check: CodeInSystem,
  report: Report,
): void {
  asArray(inc['concept']).forEach((c, j) => {
    if (!isRecord(c) || typeof c['code'] !== 'string') return;
    const result = check(system, c['code'], version);
    if (result?.valid === false) {
      report({
        message: `The code '${c['code']}' is not valid in the system ${system} (${result.message ?? 'unknown code'})`,
        expression: `${at}.concept[${j}]`,
      });
    }
  });
}

/** Spec: https://hl7.org/fhir/R4/valueset-definitions.html#ValueSet.compose.include.filter.value */
/** The declared type of each property of a code system we hold. */
function propertyTypes(cs: Readonly<Json> | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of asArray(cs?.['property'])) {
    if (
      isRecord(p) &&
      typeof p['code'] === 'string' &&
      typeof p['type'] === 'string' &&
      !out.has(p['code'])
    ) {
      out.set(p['code'], p['type']);
    }
  }
  return out;
}

function checkFilters(
  inc: Json,
  system: string,
  at: string,
  check: CodeInSystem,
  types: Map<string, string>,
  report: Report,
): void {
  asArray(inc['filter']).forEach((f, k) => {
    if (!isRecord(f)) return;
    const property = typeof f['property'] === 'string' ? f['property'] : '';
    const op = typeof f['op'] === 'string' ? f['op'] : '';
    const value = typeof f['value'] === 'string' ? f['value'] : undefined;
    if (value === undefined) return;
    const here = `${at}.filter[${k}]`;
    const message = filterValueProblem(property, op, value, system, check, types.get(property));
    if (message) report({ code: 'invalid', message, expression: here });
  });
}

function filterValueProblem(
  property: string,
  op: string,
  value: string,
  system: string,
  check: CodeInSystem,
  declaredType: string | undefined,
): string | undefined {
  if ((property === 'concept' || property === 'code') && HIERARCHY_OPS.has(op)) {
    const values = op === 'in' || op === 'not-in' ? value.split(',').map((v) => v.trim()) : [value];
    for (const v of values) {
      const r = check(system, v);
      if (r?.valid === false) {
        return `The value for a filter based on property '${property}' must be a valid code from the system '${system}', and '${v}' is not (${r.message ?? 'unknown code'})`;
      }
    }
    return undefined;
  }
  const type = declaredType ?? KNOWN_PROPERTIES[property];
  if (op !== '=') return undefined;
  if (system === SNOMED_SYSTEM && property === 'constraint') {
    const error = eclParseError(value);
    return error
      ? `The value '${value}' for the filter constraint is invalid: Invalid ECL: ${error}`
      : undefined;
  }
  if (type === 'boolean' && value !== 'true' && value !== 'false') {
    return `The value for a filter based on property '${property}' must be either 'true' or 'false', not '${value}'`;
  }
  if (type === 'Coding') return codingFilterProblem(property, value, check);
  return undefined;
}

/** A filter on a Coding property names the value as `system(|version)#code`. */
function codingFilterProblem(property: string, value: string, check: CodeInSystem): string | undefined {
  const m = /^([^|#]+)(?:\|([^#]+))?#(.+)$/.exec(value);
  if (!m)
    return `The value for a filter based on property '${property}' must be in the format system(|version)#code, not '${value}'`;
  const [, system = '', version, code = ''] = m;
  const r = check(system, code, version);
  if (r?.valid === false) {
    return `The value for a filter based on property '${property}' is '${value}' which is not a valid code (${r.message ?? 'unknown code'})`;
  }
  return undefined;
}

// --- ConceptMap ----------------------------------------------------------------------------------

function checkConceptMap(cm: Json, path: string, ts: ResourceCheckTerminology, report: Report): void {
  // Source codes must come from the source value set; target codes are only checked against their
  // code system, as the HL7 Java validator does (a map may name targets beyond the target scope).
  const sourceVs = canonicalOf(cm, 'source');
  asArray(cm['group']).forEach((g, i) => {
    if (!isRecord(g)) return;
    const at = `${path}.group[${i}]`;
    const source = typeof g['source'] === 'string' ? g['source'] : undefined;
    const target = typeof g['target'] === 'string' ? g['target'] : undefined;
    asArray(g['element']).forEach((e, j) => {
      if (!isRecord(e)) return;
      const elementAt = `${at}.element[${j}]`;
      checkMappedCode(e['code'], source, sourceVs, 'source', `${elementAt}.code`, ts, report);
      asArray(e['target']).forEach((t, k) => {
        if (isRecord(t))
          checkMappedCode(
            t['code'],
            target,
            undefined,
            'target',
            `${elementAt}.target[${k}].code`,
            ts,
            report,
          );
      });
    });
  });
}

function canonicalOf(cm: Json, side: 'source'): string | undefined {
  const v = cm[`${side}Canonical`] ?? cm[`${side}Uri`];
  return typeof v === 'string' ? v : undefined;
}

function checkMappedCode(
  code: unknown,
  system: string | undefined,
  valueSet: string | undefined,
  side: 'source' | 'target',
  at: string,
  ts: ResourceCheckTerminology,
  report: Report,
): void {
  if (typeof code !== 'string' || system === undefined) return;
  const inSystem = ts.validateCodeInSystem(system, code);
  if (inSystem?.valid === false) {
    report({
      code: 'code-invalid',
      message: `The ${side} code '${code}' is not valid in the code system ${system} (${inSystem.message ?? 'unknown code'})`,
      expression: at,
    });
    return;
  }
  if (valueSet === undefined || !ts.hasValueSet(valueSet)) return;
  if (ts.validateCode(valueSet, { system, code })?.valid === false) {
    report({
      code: 'required',
      message: `The ${side} code '${code}' is not valid in the value set ${valueSet}`,
      expression: at,
    });
  }
}
