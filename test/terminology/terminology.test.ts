/**
 * Checks terminology/ as a whole: every file a well-formed resource on the canonical base, every
 * code system complete with Dutch designations, every reference between value sets, code systems
 * and concept maps resolvable, and the project code systems equal to the contract in
 * docs/artefacts.md. Each check returns problems with the FHIRPath of the element, so a failure
 * names the file and the element at once.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeSystem, CodeSystemConcept, ConceptMap, NamingSystem, ValueSet } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TERMINOLOGY = join(ROOT, 'terminology');
const BASE = 'https://overdracht.dev/fhir';
const NS_URL_EXT = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-NamingSystem.url';
const ROLECODE_NL = 'urn:oid:2.16.840.1.113883.2.4.15.1060';

/** External code systems a value set or map may name without our shipping them. */
const EXTERNAL_SYSTEMS = new Set([
  'http://hl7.org/fhir/sid/icpc-1-nl',
  'http://hl7.org/fhir/sid/dsm5',
  'http://hl7.org/fhir/sid/icd-10',
  'http://loinc.org',
  'http://snomed.info/sct',
  'http://www.whocc.no/atc',
  'http://terminology.hl7.org/CodeSystem/list-empty-reason',
  ROLECODE_NL,
]);

/** The form of codes of external systems we enumerate. */
const CODE_FORM: Record<string, RegExp> = {
  'http://hl7.org/fhir/sid/icpc-1-nl': /^[A-Z]\d{2}$/,
  'http://hl7.org/fhir/sid/icd-10': /^[A-Z]\d{2}(\.\d)?$/,
  'http://hl7.org/fhir/sid/dsm5': /^[A-Z]\d{2}(\.\d{1,2})?$/,
  'http://terminology.hl7.org/CodeSystem/list-empty-reason':
    /^(nilknown|notasked|withheld|unavailable|notstarted|closed)$/,
};

const FOLDER: Record<string, string> = {
  CodeSystem: 'codesystems',
  ValueSet: 'valuesets',
  ConceptMap: 'conceptmaps',
  NamingSystem: 'namingsystems',
};

// https://hl7.org/fhir/R4/valueset-concept-map-equivalence.html
const EQUIVALENCES = new Set([
  'relatedto',
  'equivalent',
  'equal',
  'wider',
  'subsumes',
  'narrower',
  'specializes',
  'inexact',
  'unmatched',
  'disjoint',
]);

type TerminologyResource = CodeSystem | ValueSet | ConceptMap | NamingSystem;

interface Problem {
  /** FHIRPath of the element, e.g. `CodeSystem.concept[2].designation`. */
  path: string;
  message: string;
}

interface Loaded {
  file: string;
  text: string;
  resource: TerminologyResource;
}

/** What the shipped terminology offers for resolving references. */
interface Registry {
  codeSystems: Map<string, CodeSystem>;
  valueSets: Map<string, ValueSet>;
}

// ------------------------------------------------------------------------------------------------
// Loading
// ------------------------------------------------------------------------------------------------

function listJson(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return listJson(full);
    return name.endsWith('.json') ? [full] : [];
  });
}

const loaded: Loaded[] = listJson(TERMINOLOGY).map((file) => {
  const text = readFileSync(file, 'utf8');
  return { file: relative(ROOT, file), text, resource: JSON.parse(text) as TerminologyResource };
});

const codeSystems = loaded.flatMap((l) => (l.resource.resourceType === 'CodeSystem' ? [l.resource] : []));
const valueSets = loaded.flatMap((l) => (l.resource.resourceType === 'ValueSet' ? [l.resource] : []));
const conceptMaps = loaded.flatMap((l) => (l.resource.resourceType === 'ConceptMap' ? [l.resource] : []));
const namingSystems = loaded.flatMap((l) => (l.resource.resourceType === 'NamingSystem' ? [l.resource] : []));
const registry: Registry = {
  codeSystems: new Map(codeSystems.map((cs) => [cs.url ?? '', cs])),
  valueSets: new Map(valueSets.map((vs) => [vs.url ?? '', vs])),
};

// ------------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------------

function flatten(concepts: CodeSystemConcept[] | undefined): CodeSystemConcept[] {
  return (concepts ?? []).flatMap((c) => [c, ...flatten(c.concept)]);
}

function codesOf(cs: CodeSystem): string[] {
  return flatten(cs.concept).map((c) => c.code ?? '');
}

function canonicalOf(r: TerminologyResource): string | undefined {
  // R4 NamingSystem has no url; ours carries it as the R5 cross-version extension.
  if (r.resourceType === 'NamingSystem') return r.extension?.find((e) => e.url === NS_URL_EXT)?.valueUri;
  return r.url;
}

function isKnownSystem(system: string, reg: Registry): boolean {
  return reg.codeSystems.has(system) || EXTERNAL_SYSTEMS.has(system);
}

/**
 * The codes a value set holds for `system`, when they can be known offline: a shipped code system
 * included whole, enumerated concepts, or included value sets (recursively). `undefined` means
 * "any code of an external system" (e.g. all of SNOMED CT).
 */
function valueSetCodes(
  vs: ValueSet,
  system: string,
  reg: Registry,
  seen = new Set<string>(),
): Set<string> | undefined {
  const out = new Set<string>();
  if (seen.has(vs.url ?? '')) return out;
  seen.add(vs.url ?? '');
  for (const inc of vs.compose?.include ?? []) {
    for (const ref of inc.valueSet ?? []) {
      const inner = reg.valueSets.get(ref);
      if (!inner) continue;
      const codes = valueSetCodes(inner, system, reg, seen);
      if (!codes) return undefined;
      codes.forEach((c) => out.add(c));
    }
    if (inc.system !== system) continue;
    const cs = reg.codeSystems.get(system);
    if (inc.concept) inc.concept.forEach((c) => out.add(c.code ?? ''));
    else if (cs) codesOf(cs).forEach((c) => out.add(c));
    else return undefined;
  }
  return out;
}

/** The codes of `system` we can check against: the shipped code system, or the value set named. */
function knownCodes(
  system: string | undefined,
  valueSetUrl: string | undefined,
  reg: Registry,
): Set<string> | undefined {
  const cs = system ? reg.codeSystems.get(system) : undefined;
  if (cs) return new Set(codesOf(cs));
  const vs = valueSetUrl ? reg.valueSets.get(valueSetUrl) : undefined;
  return vs && system ? valueSetCodes(vs, system, reg) : undefined;
}

/** LOINC's mod-10 check digit (https://loinc.org/kb/users-guide/calculating-mod-10-check-digits/). */
function loincCheckDigitOk(code: string): boolean {
  const m = /^(\d+)-(\d)$/.exec(code);
  if (!m) return false;
  const digits = (m[1] ?? '').split('').reverse().map(Number);
  const sum = digits.reduce((acc, d, i) => {
    if (i % 2 === 1) return acc + d;
    const doubled = d * 2;
    return acc + Math.floor(doubled / 10) + (doubled % 10);
  }, 0);
  return (10 - (sum % 10)) % 10 === Number(m[2]);
}

// ------------------------------------------------------------------------------------------------
// Checks: each returns the problems of one resource
// ------------------------------------------------------------------------------------------------

function checkMetadata(r: TerminologyResource): Problem[] {
  const t = r.resourceType;
  const problems: Problem[] = [];
  const need = (ok: boolean, path: string, message: string): void =>
    void (ok || problems.push({ path: `${t}.${path}`, message }));
  need(/^[A-Za-z0-9\-.]{1,64}$/.test(r.id ?? ''), 'id', 'id is missing or not a FHIR id');
  need(canonicalOf(r) === `${BASE}/${t}/${r.id}`, 'url', `canonical URL is not ${BASE}/${t}/${r.id}`);
  need(/^[A-Z][A-Za-z0-9_]{0,254}$/.test(r.name ?? ''), 'name', 'name is missing or not a computable name');
  need(['draft', 'active', 'retired'].includes(r.status ?? ''), 'status', 'status is missing');
  need(r.publisher === 'overdracht', 'publisher', 'publisher is not overdracht');
  need((r.description ?? '').length > 20, 'description', 'description is missing or too short');
  if (r.resourceType !== 'NamingSystem') {
    need(Boolean(r.title), 'title', 'title is missing');
    need(r.version === '0.1.0', 'version', 'version is not 0.1.0');
  }
  return problems;
}

function checkCodeSystem(cs: CodeSystem, reg: Registry): Problem[] {
  const problems: Problem[] = [];
  if (cs.content !== 'complete')
    problems.push({ path: 'CodeSystem.content', message: 'content is not complete' });
  if (cs.caseSensitive !== true)
    problems.push({ path: 'CodeSystem.caseSensitive', message: 'caseSensitive is not true' });
  if (cs.count !== codesOf(cs).length)
    problems.push({ path: 'CodeSystem.count', message: 'count differs from the concepts' });
  const seen = new Set<string>();
  (cs.concept ?? []).forEach((c, i) => {
    const at = `CodeSystem.concept[${i}]`;
    if (!c.code || !/^\S+( \S+)*$/.test(c.code))
      problems.push({ path: `${at}.code`, message: 'code is missing or has stray spaces' });
    if (c.code && seen.has(c.code))
      problems.push({ path: `${at}.code`, message: `duplicate code ${c.code}` });
    if (c.code) seen.add(c.code);
    if (!c.display) problems.push({ path: `${at}.display`, message: `${c.code}: display is missing` });
    if (!c.definition)
      problems.push({ path: `${at}.definition`, message: `${c.code}: definition is missing` });
    if (!(c.designation ?? []).some((d) => d.language === 'nl' && d.value)) {
      problems.push({ path: `${at}.designation`, message: `${c.code}: no Dutch (nl) designation` });
    }
  });
  // The all-codes value set: same id, includes the whole system.
  const vs = reg.valueSets.get(`${BASE}/ValueSet/${cs.id}`);
  const whole = (vs?.compose?.include ?? []).some(
    (inc) => inc.system === cs.url && !inc.concept && !inc.filter,
  );
  if (!vs || !whole || cs.valueSet !== vs.url) {
    problems.push({
      path: 'CodeSystem.valueSet',
      message: `no ValueSet ${cs.id} that includes the whole system`,
    });
  }
  return problems;
}

function checkValueSet(vs: ValueSet, reg: Registry): Problem[] {
  const problems: Problem[] = [];
  const parts = [
    ...(vs.compose?.include ?? []).map((p, i) => ({ p, at: `ValueSet.compose.include[${i}]` })),
    ...(vs.compose?.exclude ?? []).map((p, i) => ({ p, at: `ValueSet.compose.exclude[${i}]` })),
  ];
  if (parts.length === 0) problems.push({ path: 'ValueSet.compose', message: 'compose includes nothing' });
  for (const { p, at } of parts) {
    if (!p.system && !p.valueSet)
      problems.push({ path: at, message: 'names neither a system nor a value set' });
    if (p.system && !isKnownSystem(p.system, reg))
      problems.push({ path: `${at}.system`, message: `unknown system ${p.system}` });
    (p.valueSet ?? []).forEach((ref, j) => {
      if (!reg.valueSets.has(ref))
        problems.push({ path: `${at}.valueSet[${j}]`, message: `unknown value set ${ref}` });
    });
    problems.push(...checkEnumerated(p.system, p.concept ?? [], at, reg));
  }
  return problems;
}

interface EnumeratedConcept {
  code?: string;
  display?: string;
  designation?: { value?: string }[];
}

function checkEnumerated(
  system: string | undefined,
  concepts: EnumeratedConcept[],
  at: string,
  reg: Registry,
): Problem[] {
  const problems: Problem[] = [];
  const cs = system ? reg.codeSystems.get(system) : undefined;
  const shipped = new Map(flatten(cs?.concept).map((c) => [c.code, c.display]));
  const form = system ? CODE_FORM[system] : undefined;
  const seen = new Set<string>();
  concepts.forEach((c, i) => {
    const path = `${at}.concept[${i}]`;
    const code = c.code ?? '';
    if (seen.has(code)) problems.push({ path: `${path}.code`, message: `duplicate code ${code}` });
    seen.add(code);
    if (!c.display) problems.push({ path: `${path}.display`, message: `${code}: display is missing` });
    if (!c.designation?.[0]?.value)
      problems.push({ path: `${path}.designation`, message: `${code}: no designation` });
    if (cs && shipped.get(code) !== c.display)
      problems.push({ path: `${path}.code`, message: `${code} is not in ${system} with this display` });
    if (form && !form.test(code))
      problems.push({ path: `${path}.code`, message: `${code} is not a ${system} code` });
    if (system === 'http://loinc.org' && !loincCheckDigitOk(code))
      problems.push({ path: `${path}.code`, message: `${code}: LOINC check digit fails` });
  });
  return problems;
}

function checkConceptMap(cm: ConceptMap, reg: Registry): Problem[] {
  const problems: Problem[] = [];
  if (cm.sourceCanonical && !reg.valueSets.has(cm.sourceCanonical))
    problems.push({ path: 'ConceptMap.sourceCanonical', message: 'value set not shipped' });
  if (cm.targetCanonical && !reg.valueSets.has(cm.targetCanonical))
    problems.push({ path: 'ConceptMap.targetCanonical', message: 'value set not shipped' });
  (cm.group ?? []).forEach((g, gi) => {
    const at = `ConceptMap.group[${gi}]`;
    if (!g.source || !isKnownSystem(g.source, reg))
      problems.push({ path: `${at}.source`, message: `unknown system ${g.source}` });
    if (!g.target || !isKnownSystem(g.target, reg))
      problems.push({ path: `${at}.target`, message: `unknown system ${g.target}` });
    const sources = knownCodes(g.source, cm.sourceCanonical, reg);
    const targets = knownCodes(g.target, cm.targetCanonical, reg);
    (g.element ?? []).forEach((el, ei) => {
      const elAt = `${at}.element[${ei}]`;
      if (sources && !sources.has(el.code ?? ''))
        problems.push({ path: `${elAt}.code`, message: `${el.code} is not a code we ship for ${g.source}` });
      if ((el.target ?? []).length === 0)
        problems.push({ path: `${elAt}.target`, message: `${el.code} has no target (use unmatched)` });
      (el.target ?? []).forEach((t, ti) =>
        problems.push(...checkMapTarget(t, `${elAt}.target[${ti}]`, targets, g.target)),
      );
    });
    // Every code of a shipped source value set is mapped, even if only as unmatched.
    const sourceVs = cm.sourceCanonical ? reg.valueSets.get(cm.sourceCanonical) : undefined;
    const expected = sourceVs && g.source ? valueSetCodes(sourceVs, g.source, reg) : undefined;
    const mapped = new Set((g.element ?? []).map((e) => e.code));
    for (const code of expected ?? []) {
      if (!mapped.has(code))
        problems.push({ path: `${at}.element`, message: `${code} of the source value set is not mapped` });
    }
  });
  return problems;
}

interface MapTarget {
  code?: string;
  equivalence?: string;
  comment?: string;
}

function checkMapTarget(
  t: MapTarget,
  at: string,
  targets: Set<string> | undefined,
  system: string | undefined,
): Problem[] {
  const problems: Problem[] = [];
  if (!EQUIVALENCES.has(t.equivalence ?? ''))
    problems.push({ path: `${at}.equivalence`, message: `invalid equivalence ${t.equivalence}` });
  // cmd-1 (https://hl7.org/fhir/R4/conceptmap.html#invs): narrower and inexact say why; we ask it of unmatched too.
  if (['narrower', 'inexact', 'unmatched'].includes(t.equivalence ?? '') && !t.comment) {
    problems.push({ path: `${at}.comment`, message: `${t.equivalence} mapping without a comment` });
  }
  if (t.equivalence === 'unmatched' && t.code)
    problems.push({ path: `${at}.code`, message: 'unmatched mapping with a code' });
  if (t.equivalence !== 'unmatched' && !t.code)
    problems.push({ path: `${at}.code`, message: 'mapping without a target code' });
  if (t.code && targets && !targets.has(t.code))
    problems.push({ path: `${at}.code`, message: `${t.code} is not a code we ship for ${system}` });
  return problems;
}

function checkNamingSystem(ns: NamingSystem): Problem[] {
  const problems: Problem[] = [];
  if (ns.kind !== 'identifier')
    problems.push({ path: 'NamingSystem.kind', message: 'kind is not identifier' });
  const preferred = (ns.uniqueId ?? []).filter((u) => u.preferred === true);
  if (preferred.length !== 1 || preferred[0]?.type !== 'uri') {
    problems.push({
      path: 'NamingSystem.uniqueId',
      message: 'needs exactly one preferred uniqueId, of type uri',
    });
  }
  (ns.uniqueId ?? []).forEach((u, i) => {
    if (u.type === 'oid' && !/^[0-2](\.(0|[1-9]\d*))+$/.test(u.value ?? '')) {
      problems.push({ path: `NamingSystem.uniqueId[${i}].value`, message: `${u.value} is not an OID` });
    }
  });
  return problems;
}

function problemsOf(r: TerminologyResource, reg: Registry): Problem[] {
  const specific = ((): Problem[] => {
    switch (r.resourceType) {
      case 'CodeSystem':
        return checkCodeSystem(r, reg);
      case 'ValueSet':
        return checkValueSet(r, reg);
      case 'ConceptMap':
        return checkConceptMap(r, reg);
      case 'NamingSystem':
        return checkNamingSystem(r);
      default:
        return r satisfies never;
    }
  })();
  return [...checkMetadata(r), ...specific];
}

/** A deep copy of a shipped resource, to break one field of. */
function copyOf<T extends TerminologyResource>(type: T['resourceType'], id: string): T {
  const found = loaded.find((l) => l.resource.resourceType === type && l.resource.id === id);
  if (!found) throw new Error(`${type}/${id} is not shipped`);
  return structuredClone(found.resource) as T;
}

const paths = (problems: Problem[]): string[] => problems.map((p) => p.path);

// ------------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------------

describe('terminology files', () => {
  it('when the folder is read, then it holds code systems, value sets, concept maps and naming systems', () => {
    expect(codeSystems.length).toBeGreaterThan(0);
    expect(valueSets.length).toBeGreaterThan(0);
    expect(conceptMaps.length).toBeGreaterThan(0);
    expect(namingSystems.length).toBeGreaterThan(0);
  });

  it('when a file is read, then its type, folder and id match its name <ResourceType>-<id>.json', () => {
    for (const { file, resource } of loaded) {
      expect(Object.keys(FOLDER), file).toContain(resource.resourceType);
      expect(basename(dirname(file)), file).toBe(FOLDER[resource.resourceType]);
      expect(basename(file), file).toBe(`${resource.resourceType}-${resource.id}.json`);
    }
  });

  it('when a file is read, then it is pretty-printed with two spaces and ends in a newline', () => {
    for (const { file, text, resource } of loaded)
      expect(text, file).toBe(JSON.stringify(resource, null, 2) + '\n');
  });

  it('when canonical URLs are collected, then no two are equal', () => {
    const urls = loaded.map(({ resource }) => canonicalOf(resource));
    expect(new Set(urls).size).toBe(urls.length);
  });

  it('when every shipped resource is checked, then none has a problem', () => {
    const all = loaded.flatMap(({ file, resource }) =>
      problemsOf(resource, registry).map((p) => `${file}: ${p.path}: ${p.message}`),
    );
    expect(all).toEqual([]);
  });
});

describe('checks catch a broken resource', () => {
  it('when a code system concept loses its Dutch designation, then the designation path is named', () => {
    const cs = copyOf<CodeSystem>('CodeSystem', 'referral-category');
    const concept = cs.concept?.[2];
    if (concept) concept.designation = [{ language: 'en', value: 'Youth mental-health care' }];
    expect(paths(problemsOf(cs, registry))).toEqual(['CodeSystem.concept[2].designation']);
  });

  it('when a code system repeats a code, then the second code is named', () => {
    const cs = copyOf<CodeSystem>('CodeSystem', 'zrm-score');
    const concept = cs.concept?.[4];
    if (concept) concept.code = '1';
    expect(paths(problemsOf(cs, registry))).toEqual(['CodeSystem.concept[4].code']);
  });

  it('when a code system moves off the canonical base, then url is named', () => {
    const cs = copyOf<CodeSystem>('CodeSystem', 'message-event');
    cs.url = 'http://example.org/fhir/CodeSystem/message-event';
    expect(paths(problemsOf(cs, registry))).toContain('CodeSystem.url');
  });

  it('when a value set includes a value set we do not ship, then that reference is named', () => {
    const vs = copyOf<ValueSet>('ValueSet', 'referral-reason');
    const include = vs.compose?.include?.[1];
    if (include) include.valueSet = [`${BASE}/ValueSet/dsm4-ggz`];
    expect(paths(problemsOf(vs, registry))).toEqual(['ValueSet.compose.include[1].valueSet[0]']);
  });

  it('when a value set enumerates a code its shipped code system lacks, then the code is named', () => {
    const vs = copyOf<ValueSet>('ValueSet', 'rom-instrument');
    vs.compose?.include?.push({
      system: `${BASE}/CodeSystem/rom-instrument`,
      concept: [{ code: 'BDI-II', display: 'BDI-II', designation: [{ value: 'BDI-II' }] }],
    });
    expect(paths(problemsOf(vs, registry))).toEqual(['ValueSet.compose.include[2].concept[0].code']);
  });

  it('when a LOINC code has a wrong check digit, then the code is named', () => {
    const vs = copyOf<ValueSet>('ValueSet', 'rom-instrument');
    const loinc = vs.compose?.include?.[0]?.concept?.[0];
    if (loinc) loinc.code = '44261-5';
    expect(paths(problemsOf(vs, registry))).toEqual(['ValueSet.compose.include[0].concept[0].code']);
  });

  it('when a map targets a code outside the target value set, then the target code is named', () => {
    const cm = copyOf<ConceptMap>('ConceptMap', 'icpc-p-to-icd10');
    const target = cm.group?.[0]?.element?.find((e) => e.code === 'P76')?.target?.[0];
    if (target) target.code = 'F32.8';
    const at = cm.group?.[0]?.element?.findIndex((e) => e.code === 'P76') ?? -1;
    expect(paths(problemsOf(cm, registry))).toEqual([`ConceptMap.group[0].element[${at}].target[0].code`]);
  });

  it('when a narrower mapping loses its comment, then the comment path is named (cmd-1)', () => {
    const cm = copyOf<ConceptMap>('ConceptMap', 'icpc-p-to-icd10');
    const at = cm.group?.[0]?.element?.findIndex((e) => e.target?.[0]?.equivalence === 'narrower') ?? -1;
    const target = cm.group?.[0]?.element?.[at]?.target?.[0];
    if (target) delete target.comment;
    expect(paths(problemsOf(cm, registry))).toEqual([`ConceptMap.group[0].element[${at}].target[0].comment`]);
  });

  it('when a source code of the map has no element, then the group is named', () => {
    const cm = copyOf<ConceptMap>('ConceptMap', 'organization-type-to-rolecodenl');
    cm.group?.[0]?.element?.pop();
    expect(paths(problemsOf(cm, registry))).toEqual(['ConceptMap.group[0].element']);
  });

  it('when a naming system prefers its OID, then uniqueId is named', () => {
    const ns = copyOf<NamingSystem>('NamingSystem', 'bsn');
    for (const u of ns.uniqueId ?? []) u.preferred = u.type === 'oid';
    expect(paths(problemsOf(ns, registry))).toEqual(['NamingSystem.uniqueId']);
  });
});

describe('offline expansion', () => {
  it('when referral-reason is expanded, then it holds the ICPC, DSM-5 and ICD-10 subsets and leaves SNOMED CT open', () => {
    const vs = registry.valueSets.get(`${BASE}/ValueSet/referral-reason`) as ValueSet;
    expect(valueSetCodes(vs, 'http://hl7.org/fhir/sid/icpc-1-nl', registry)).toContain('P76');
    expect(valueSetCodes(vs, 'http://hl7.org/fhir/sid/dsm5', registry)).toContain('F33.1');
    expect(valueSetCodes(vs, 'http://hl7.org/fhir/sid/icd-10', registry)).toContain('F32.1');
    expect(valueSetCodes(vs, 'http://snomed.info/sct', registry)).toBeUndefined();
  });

  it('when rom-instrument is expanded, then it holds PHQ-9, GAD-7 and the project instruments', () => {
    const vs = registry.valueSets.get(`${BASE}/ValueSet/rom-instrument`) as ValueSet;
    expect([...(valueSetCodes(vs, 'http://loinc.org', registry) ?? [])]).toEqual(['44261-6', '70274-6']);
    expect(valueSetCodes(vs, `${BASE}/CodeSystem/rom-instrument`, registry)).toContain('HoNOS');
  });
});

describe('RoleCodeNL', () => {
  it('when map targets are compared with the Nictiz RoleCodeNL code system in ../shared, then each exists there', (ctx) => {
    const nictiz = join(
      ROOT,
      '../shared/external/nictiz-zib2020/resources/zib/terminology/CodeSystem-RoleCodeNLZorgaanbiederType-organization-type.xml',
    );
    if (!existsSync(nictiz)) {
      if (process.env.CI === 'true')
        throw new Error('../shared (Nictiz zib2020 terminology) is required in CI');
      ctx.skip('../shared (Nictiz zib2020 terminology) is absent');
      return;
    }
    const xml = readFileSync(nictiz, 'utf8');
    const rolecodes = new Set([...xml.matchAll(/<concept>\s*<code value="([^"]+)"/g)].map((m) => m[1]));
    const targets = conceptMaps
      .flatMap((cm) => cm.group ?? [])
      .filter((g) => g.target === ROLECODE_NL)
      .flatMap((g) => g.element ?? [])
      .flatMap((el) => el.target ?? [])
      .flatMap((t) => (t.code ? [t.code] : []));
    expect(targets.length).toBeGreaterThan(0);
    for (const code of targets) expect(rolecodes.has(code), `RoleCodeNL ${code}`).toBe(true);
  });
});

/** The parts of docs/artefacts.md this folder must honour. */
describe('the artefact contract', () => {
  const contract = readFileSync(join(ROOT, 'docs/artefacts.md'), 'utf8');
  const section = (title: string): string => contract.split(/^## /m).find((s) => s.startsWith(title)) ?? '';

  it('when the contract lists a project code system with its codes, then we ship exactly those (more where it says "at least" or "e.g.")', () => {
    // One list item per code system; an item may wrap onto indented lines.
    const lines = section('Project CodeSystems')
      .split(/\n(?=- `)/)
      .filter((l) => l.startsWith('- `'))
      .map((l) => l.replace(/\s*\n\s*/g, ' '));
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      const [head, ...rest] = line.split(':');
      const id = /`([^`]+)`/.exec(head ?? '')?.[1] ?? '';
      const cs = registry.codeSystems.get(`${BASE}/CodeSystem/${id}`);
      expect(cs, `CodeSystem ${id}`).toBeDefined();
      const shipped = codesOf(cs as CodeSystem);
      const body = rest.join(':');
      // A range (`01`..`18`) describes an external list rather than naming codes; the source list
      // decides (terminology/README.md), so neither its endpoints nor exactness are checked.
      const listed = [...body.replace(/`[^`]+`\.\.`[^`]+`/g, '').matchAll(/`([^`]+)`/g)].map(
        (m) => m[1] ?? '',
      );
      for (const code of listed) expect(shipped, `${id}#${code}`).toContain(code);
      const open = /at least|e\.g\.|\.\./.test(body);
      if (!open)
        expect([...shipped].sort(), `${id}: exactly the contract's codes`).toEqual([...listed].sort());
    }
  });

  it('when the contract lists value sets and concept maps, then we ship each', () => {
    const text = section('ValueSets the profiles bind to');
    // The ids stand in backticks outside the parentheses that describe them.
    const subsets = (/External subsets:([\s\S]*?)ConceptMaps:/.exec(text)?.[1] ?? '').replace(
      /\([^)]*\)/g,
      '',
    );
    const ids = [...subsets.matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1] ?? '');
    expect(ids).toEqual(
      expect.arrayContaining(['icpc-1-nl-p', 'dsm5-ggz', 'icd10-ggz', 'referral-reason', 'rom-instrument']),
    );
    for (const id of ids)
      expect(registry.valueSets.has(`${BASE}/ValueSet/${id}`), `ValueSet ${id}`).toBe(true);
    const maps = [...(/ConceptMaps:(.*)/.exec(text)?.[1] ?? '').matchAll(/`([a-z0-9-]+)`/g)].map(
      (m) => m[1] ?? '',
    );
    expect(maps.length).toBe(3);
    for (const id of maps)
      expect(
        conceptMaps.some((cm) => cm.id === id),
        `ConceptMap ${id}`,
      ).toBe(true);
  });

  it('when the contract lists identifier systems, then a naming system has each as its preferred URI', () => {
    const uris = [
      ...section('Dutch identifier systems').matchAll(/`(http:\/\/fhir\.nl\/fhir\/NamingSystem\/[a-z-]+)`/g),
    ].map((m) => m[1]);
    expect(uris.length).toBe(5);
    const preferred = namingSystems.map((ns) => ns.uniqueId?.find((u) => u.preferred)?.value);
    for (const uri of uris) expect(preferred, uri).toContain(uri);
  });
});
