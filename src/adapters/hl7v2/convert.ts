/**
 * Converters from HL7 v2 datatypes (v2.8 chapter 2A) to FHIR R4 datatypes. A converter reads
 * through a Cursor (which notes every leaf it uses), returns the FHIR value or undefined, and
 * reports what it read but could not translate. Which converter reads which v2 datatype is
 * declared here (`accepts`) and checked against the mapping spec when it is loaded.
 */
import type { Json } from '../paths.js';
import type { CodeTranslator } from '../translator.js';
import type { Cursor } from './cursor.js';
import { hasTime, parseDtm, toDate, toDateTime, toInstant } from './dtm.js';
import type { IdentifierSystemRule, SourceRule } from './spec.js';

export interface ConvertEnv {
  translator: CodeTranslator;
  /** HL7 table 0396 coding-system name (or an OID) to a FHIR system URI. */
  codingSystem(name: string): string | undefined;
  identifierSystem(query: {
    namespace?: string;
    oid?: string;
    typeCode?: string;
  }): IdentifierSystemRule | undefined;
  /** Adds a resource made from a composite field (an XCN, an XON) and returns a Reference to it. */
  embed(resourceType: 'Practitioner' | 'Organization', resource: Json, cur: Cursor): Json;
  channel: Readonly<Record<string, string>>;
  timeZone: string;
  /** false when the code is known not to be in the system; undefined when it cannot tell. */
  codeInSystem(system: string, code: string): boolean | undefined;
}

/** A value for a choice element: the engine writes it at `value[x]` as `value<type>`. */
export class ChoiceValue {
  constructor(
    readonly type: string,
    readonly value: unknown,
  ) {}
}

export interface ConverterDef {
  /** v2 datatypes the converter reads; `*` for any. */
  accepts: readonly string[];
  needsConceptMap?: boolean;
  convert(cur: Cursor, rule: SourceRule, env: ConvertEnv): unknown;
}

const CODED = ['CWE', 'CNE', 'CE', 'CF', 'CX', 'ID', 'IS', 'ST'];
export const UCUM = 'http://unitsofmeasure.org';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const EXT = 'http://hl7.org/fhir/StructureDefinition/';

export const CONVERTERS = {
  string: { accepts: ['*'], convert: (cur) => cur.get(1) || undefined },
  boolean: { accepts: ['ID', 'IS', 'ST', 'CWE'], convert: convertBoolean },
  integer: { accepts: ['NM', 'SI', 'ST'], convert: (cur) => number(cur, true) },
  decimal: { accepts: ['NM', 'ST'], convert: (cur) => number(cur, false) },
  date: { accepts: ['DT', 'DTM', 'TS', 'ST'], convert: (cur) => dateValue(cur, 'date') },
  dateTime: {
    accepts: ['DT', 'DTM', 'TS', 'ST'],
    convert: (cur, _r, env) => dateValue(cur, 'dateTime', env.timeZone),
  },
  instant: { accepts: ['DTM', 'TS'], convert: (cur, _r, env) => dateValue(cur, 'instant', env.timeZone) },
  code: {
    accepts: CODED,
    needsConceptMap: true,
    convert: (cur, rule, env) => translatedCoding(cur, rule, env)?.code,
  },
  Coding: { accepts: CODED, needsConceptMap: true, convert: translatedCoding },
  CodeableConcept: { accepts: ['CWE', 'CNE', 'CE', 'CF', 'ID', 'IS', 'ST'], convert: codeableConcept },
  Identifier: {
    accepts: ['CX', 'EI', 'PLN', 'XON', 'XCN', 'HD', 'ST', 'NM', 'ID', 'IS'],
    convert: identifier,
  },
  HumanName: { accepts: ['XPN', 'XCN'], convert: humanName },
  Address: { accepts: ['XAD'], convert: address },
  ContactPoint: { accepts: ['XTN'], convert: contactPoint },
  Practitioner: { accepts: ['XCN'], convert: practitioner },
  Organization: { accepts: ['XON'], convert: organization },
  url: { accepts: ['HD'], convert: hdUrl },
  Quantity: { accepts: ['CQ'], convert: quantity },
  unit: { accepts: ['CWE', 'CE'], convert: unit },
  ObservationValue: { accepts: ['varies'], convert: observationValue },
} satisfies Record<string, ConverterDef>;

export type ConverterName = keyof typeof CONVERTERS;

// ---------------------------------------------------------------------------------------------
// Primitives
// ---------------------------------------------------------------------------------------------

function convertBoolean(cur: Cursor): boolean | undefined {
  const v = cur.peek(1).toUpperCase();
  if (v === 'Y' || v === 'N') {
    cur.get(1);
    return v === 'Y';
  }
  if (v) cur.untranslatable('expected Y or N (HL7 table 0136)', 1);
  return undefined;
}

function number(cur: Cursor, integer: boolean): number | undefined {
  const v = cur.peek(1);
  if (!v) return undefined;
  const ok = integer ? /^[+-]?\d{1,15}$/.test(v) : /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(v) && v.length <= 30;
  if (!ok) {
    cur.untranslatable(integer ? 'not a whole number' : 'not a number', 1);
    return undefined;
  }
  cur.get(1);
  return Number(v);
}

function dateValue(cur: Cursor, kind: 'date' | 'dateTime' | 'instant', timeZone = 'UTC'): string | undefined {
  const v = cur.peek(1);
  if (!v) return undefined;
  const d = parseDtm(v);
  if (!d) {
    cur.untranslatable('not a valid HL7 date/time (YYYY[MM[DD[HH[MM[SS]]]]][+/-ZZZZ])', 1);
    return undefined;
  }
  if (kind === 'instant') {
    const instant = toInstant(d, timeZone);
    if (!instant) {
      cur.untranslatable('a date/time to the day at least is needed here', 1);
      return undefined;
    }
    cur.get(1);
    return instant;
  }
  cur.get(1);
  if (kind === 'date') {
    if (hasTime(d)) cur.untranslatable('the time of day has no place in a FHIR date and is dropped', 1);
    return toDate(d);
  }
  return toDateTime(d, timeZone);
}

// ---------------------------------------------------------------------------------------------
// Coded values
// ---------------------------------------------------------------------------------------------

/** The system of a coded value: its coding-system name, its OID, or the field's table. */
function systemOf(
  cur: Cursor,
  nameAt: number,
  oidAt: number | undefined,
  rule: SourceRule,
  env: ConvertEnv,
  first: boolean,
): { system?: string; unknownName?: boolean; assumed?: boolean } {
  const name = cur.peek(nameAt);
  const oid = oidAt ? cur.peek(oidAt) : '';
  const byOid = oid ? env.codingSystem(oid) : undefined;
  if (name) {
    const system = env.codingSystem(name);
    if (system) return { system };
    if (byOid) return { system: byOid };
    return { unknownName: true };
  }
  if (byOid) return { system: byOid };
  if (first && rule.table) return { system: env.codingSystem(rule.table), assumed: true };
  return {};
}

function defaultCoding(rule: SourceRule, env: ConvertEnv): { system?: string; code: string } | undefined {
  const d =
    typeof rule.default === 'string'
      ? rule.default
      : rule.default
        ? env.channel[rule.default.channel]
        : undefined;
  if (!d) return undefined;
  const bar = d.lastIndexOf('|');
  if (bar > 0) return { system: d.slice(0, bar), code: d.slice(bar + 1) };
  const system = rule.conceptMap ? env.translator.targetSystems(rule.conceptMap)[0] : undefined;
  return system ? { system, code: d } : { code: d };
}

/** The translation of a coded value through the rule's ConceptMap (code and Coding converters). */
function translatedCoding(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
  const code = cur.peek(1);
  const fallback = (): Json | undefined => {
    const d = defaultCoding(rule, env);
    return d ? { ...d } : undefined;
  };
  if (!code) return fallback();
  const composite =
    cur.datatype === 'CWE' || cur.datatype === 'CNE' || cur.datatype === 'CE' || cur.datatype === 'CF';
  const { system, unknownName } = composite
    ? systemOf(cur, 3, 14, rule, env, true)
    : { system: rule.table ? env.codingSystem(rule.table) : undefined, unknownName: false };
  const result =
    system && rule.conceptMap ? env.translator.translate(rule.conceptMap, { system, code }) : undefined;
  const target = result?.kind === 'mapped' ? result.targets[0] : undefined;
  if (!target) {
    const why = unknownName
      ? `coding system '${cur.peek(3)}' is not known`
      : result?.kind === 'unmatched'
        ? 'the code has no counterpart'
        : 'the code is not in the translation table';
    cur.untranslatable(
      `${why} (${rule.conceptMap ?? 'no ConceptMap'})${rule.default ? '; the default is used' : ''}`,
      composite ? undefined : 1,
    );
    return fallback();
  }
  cur.get(1);
  if (composite) {
    cur.get(2);
    cur.get(3);
  }
  return target.display
    ? { system: target.system, code: target.code, display: target.display }
    : { system: target.system, code: target.code };
}

const CODING_TRIPLES: readonly {
  code: number;
  text: number;
  system: number;
  version: number;
  oid: number;
}[] = [
  { code: 1, text: 2, system: 3, version: 7, oid: 14 },
  { code: 4, text: 5, system: 6, version: 8, oid: 17 },
  { code: 10, text: 11, system: 12, version: 13, oid: 20 },
];

/** CWE/CNE/CE to CodeableConcept: each triple a Coding, original text as text, translations added. */
function codeableConcept(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
  if (!['CWE', 'CNE', 'CE', 'CF'].includes(cur.datatype ?? '')) return simpleConcept(cur, rule, env);
  if (isFreeText(cur, rule)) return { text: cur.get(1) };
  const codings: Json[] = [];
  let text = cur.get(9) || undefined;
  CODING_TRIPLES.forEach((t, i) => {
    const code = cur.peek(t.code);
    if (!code) {
      if (i === 0 && !text && cur.peek(t.text)) text = cur.get(t.text);
      return;
    }
    const found = systemOf(cur, t.system, t.oid, rule, env, i === 0);
    const { unknownName } = found;
    let system = found.system;
    if (unknownName)
      cur.untranslatable(
        `coding system '${cur.peek(t.system)}' is not known; the code is kept without a system`,
        t.system,
      );
    // A system the sender did not state is only assumed for codes it holds.
    if (system && found.assumed && env.codeInSystem(system, code) === false) {
      cur.untranslatable(`code not in ${rule.table ?? 'the assumed table'}; kept without a system`, t.code);
      system = undefined;
    }
    const coding: Json = {};
    if (system) {
      coding.system = system;
      cur.get(t.system);
      cur.get(t.oid);
    }
    const version = cur.get(t.version);
    if (version) coding.version = version;
    coding.code = cur.get(t.code);
    const display = cur.get(t.text);
    if (display) coding.display = display;
    codings.push(coding);
  });
  return finishConcept(cur, rule, env, codings, text);
}

/** A code in a primitive field (ID, IS): one coding in the field's table. */
function simpleConcept(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
  const code = cur.peek(1);
  if (!code) return finishConcept(cur, rule, env, [], undefined);
  const system = rule.table ? env.codingSystem(rule.table) : undefined;
  if (!system) return { text: cur.get(1) };
  if (env.codeInSystem(system, code) === false) {
    cur.untranslatable(`code not in ${rule.table ?? 'the assumed table'}; kept as text`, 1);
    return { text: code };
  }
  return finishConcept(cur, rule, env, [{ system, code: cur.get(1) }], undefined);
}

/** A CWE with only an identifier and no system is free text that found its way into a code field. */
function isFreeText(cur: Cursor, rule: SourceRule): boolean {
  return !!cur.peek(1) && !rule.table && !cur.peek(2) && !cur.peek(3) && !cur.peek(14) && !cur.has(4);
}

function finishConcept(
  cur: Cursor,
  rule: SourceRule,
  env: ConvertEnv,
  codings: Json[],
  text: string | undefined,
): Json | undefined {
  const output = rule.output ?? 'both';
  if (rule.conceptMap && output !== 'source') {
    const accept = rule.accept ?? ['equal', 'equivalent'];
    const translations = codings.flatMap((c) => translate(env, rule.conceptMap ?? '', c, accept));
    if (output === 'translation') {
      if (translations.length > 0) return { coding: translations };
      // Only a translation would have carried the source code; it does not reach the output.
      cur.release();
      if (codings.length > 0)
        cur.untranslatable(
          `the code has no counterpart in ${rule.conceptMap}${rule.default ? '; the default is used' : ''}`,
        );
      const d = defaultCoding(rule, env);
      return d ? { coding: [d] } : undefined;
    }
    codings.push(
      ...translations.filter((t) => !codings.some((c) => c.system === t.system && c.code === t.code)),
    );
  }
  if (codings.length === 0 && !text) return undefined;
  const out: Json = {};
  if (codings.length > 0) out.coding = codings;
  if (text) out.text = text;
  return out;
}

function translate(env: ConvertEnv, url: string, coding: Json, accept: readonly string[]): Json[] {
  if (typeof coding.system !== 'string' || typeof coding.code !== 'string') return [];
  const r = env.translator.translate(url, { system: coding.system, code: coding.code });
  if (r.kind !== 'mapped') return [];
  return r.targets
    .filter((t) => accept.includes(t.equivalence))
    .map((t) =>
      t.display ? { system: t.system, code: t.code, display: t.display } : { system: t.system, code: t.code },
    );
}

// ---------------------------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------------------------

interface IdParts {
  value: number;
  authority?: number;
  namespace?: number;
  oid?: number;
  oidType?: number;
  typeCode?: number;
  start?: number;
  end?: number;
}

const ID_LAYOUT: Readonly<Record<string, IdParts>> = {
  CX: { value: 1, authority: 4, typeCode: 5, start: 7, end: 8 },
  EI: { value: 1, namespace: 2, oid: 3, oidType: 4 },
  PLN: { value: 1, typeCode: 2, end: 4 },
  XON: { value: 10, authority: 6, typeCode: 7 },
  XCN: { value: 1, authority: 9, typeCode: 13 },
};

function identifier(cur: Cursor, _rule: SourceRule, env: ConvertEnv): Json | undefined {
  const type = cur.datatype ?? 'ST';
  if (type === 'HD') return hdIdentifier(cur);
  const layout = ID_LAYOUT[type];
  if (!layout) {
    const value = cur.get(1);
    return value ? { value } : undefined;
  }
  const rawValue = cur.peek(layout.value) || (type === 'XON' ? cur.peek(3) : '');
  if (!rawValue) return undefined;
  const valueAt = cur.peek(layout.value) ? layout.value : 3;
  const auth = layout.authority ? cur.sub(layout.authority) : undefined;
  const namespace = auth ? auth.peek(1) : layout.namespace ? cur.peek(layout.namespace) : '';
  const oid = auth ? auth.peek(2) : layout.oid ? cur.peek(layout.oid) : '';
  const oidType = auth ? auth.peek(3) : layout.oidType ? cur.peek(layout.oidType) : '';
  const typeCode = layout.typeCode ? cur.peek(layout.typeCode) : '';
  const out: Json = {};
  const known = env.identifierSystem({ namespace, oid, typeCode });
  if (known) {
    const problem = checkValue(known, rawValue);
    if (problem) cur.untranslatable(`${problem}; kept without the system ${known.system}`, valueAt);
    else out.system = known.system;
    useAuthority(cur, layout, auth, {
      namespace: !!known.namespaces?.some((n) => eqi(n, namespace)),
      oid: !!known.oids?.includes(oid),
    });
  } else if (oid && (oidType === '' || eqi(oidType, 'ISO'))) {
    out.system = `urn:oid:${oid}`;
    useAuthority(cur, layout, auth, { namespace: false, oid: true });
  }
  if (namespace && !usedNamespace(known, namespace)) {
    out.assigner = { display: auth ? auth.get(1) : cur.get(layout.namespace ?? 0) };
  }
  if (typeCode && known?.typeCodes?.some((t) => eqi(t, typeCode))) {
    // The type (NNNLD, AGB, ...) is what the system says: the system carries it.
    cur.get(layout.typeCode ?? 0);
  } else if (typeCode) {
    const typeText = cur.get(layout.typeCode ?? 0);
    const coded = type !== 'PLN' && env.codeInSystem(V2_0203, typeText) !== false;
    out.type = coded ? { coding: [{ system: V2_0203, code: typeText }] } : { text: typeText };
  }
  out.value = cur.get(valueAt);
  const start = layout.start ? dateValue(cur.sub(layout.start), 'date') : undefined;
  const end = layout.end ? dateValue(cur.sub(layout.end), 'date') : undefined;
  if (start || end) out.period = { ...(start ? { start } : {}), ...(end ? { end } : {}) };
  return out;
}

function usedNamespace(known: IdentifierSystemRule | undefined, namespace: string): boolean {
  return !!known?.namespaces?.some((n) => eqi(n, namespace));
}

function useAuthority(
  cur: Cursor,
  layout: IdParts,
  auth: Cursor | undefined,
  used: { namespace: boolean; oid: boolean },
): void {
  if (auth) {
    if (used.namespace) auth.get(1);
    if (used.oid) {
      auth.get(2);
      auth.get(3);
    }
    return;
  }
  if (used.namespace && layout.namespace) cur.get(layout.namespace);
  if (used.oid && layout.oid) {
    cur.get(layout.oid);
    if (layout.oidType) cur.get(layout.oidType);
  }
}

function eqi(a: string, b: string): boolean {
  return a.toUpperCase() === b.toUpperCase();
}

/** Dutch identifier checks (docs/artefacts.md): BSN 9 digits passing the 11-check; AGB 8 digits. */
export function checkValue(rule: IdentifierSystemRule, value: string): string | undefined {
  if (rule.check === 'bsn') return isBsn(value) ? undefined : 'not a valid BSN (9 digits and the 11-check)';
  if (rule.check === 'agb') return /^\d{8}$/.test(value) ? undefined : 'not a valid AGB code (8 digits)';
  return undefined;
}

export function isBsn(value: string): boolean {
  if (!/^\d{9}$/.test(value)) return false;
  const weights = [9, 8, 7, 6, 5, 4, 3, 2, -1];
  const sum = weights.reduce((acc, w, i) => acc + w * Number(value[i]), 0);
  return sum % 11 === 0;
}

function hdIdentifier(cur: Cursor): Json | undefined {
  const oid = cur.peek(2);
  const type = cur.peek(3);
  if (oid && (eqi(type, 'ISO') || type === '')) {
    cur.get(2);
    cur.get(3);
    return { system: 'urn:ietf:rfc:3986', value: `urn:oid:${oid}` };
  }
  const ns = cur.get(1);
  return ns ? { value: ns } : undefined;
}

/** HD to a URL for MessageHeader endpoints: an OID, UUID or URI if given, else a name-based URN. */
function hdUrl(cur: Cursor): string | undefined {
  const id = cur.peek(2);
  const type = cur.peek(3).toUpperCase();
  if (id && (type === 'ISO' || type === 'UUID' || type === 'URI' || type === 'DNS')) {
    cur.get(2);
    cur.get(3);
    if (type === 'ISO') return `urn:oid:${id}`;
    if (type === 'UUID') return `urn:uuid:${id.toLowerCase()}`;
    return type === 'DNS' ? `https://${id}` : id;
  }
  const ns = cur.get(1);
  return ns ? `urn:hl7v2:${encodeURIComponent(ns)}` : undefined;
}

// ---------------------------------------------------------------------------------------------
// Names, addresses, telecom
// ---------------------------------------------------------------------------------------------

/** XPN (offset 0) or the name part of XCN (offset 1), with Dutch surname parts as extensions. */
function humanName(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
  const o = cur.datatype === 'XCN' ? 1 : 0;
  const out: Json = {};
  const fam = familyName(cur.sub(1 + o));
  if (fam) Object.assign(out, fam);
  const given = [cur.get(2 + o), cur.get(3 + o)].filter(Boolean);
  if (given.length) out.given = given;
  const prefix = cur.get(5 + o);
  if (prefix) out.prefix = [prefix];
  const suffix = [cur.get(4 + o), cur.get(o === 0 ? 6 : 7), cur.get(o === 0 ? 14 : 21)].filter(Boolean);
  if (suffix.length) out.suffix = suffix;
  if (Object.keys(out).length === 0) return undefined;
  const typeAt = o === 0 ? 7 : 10;
  const use =
    codeFromTable(
      cur,
      typeAt,
      'HL70200',
      'https://overdracht.dev/fhir/ConceptMap/hl7v2-0200-name-use',
      env,
    ) ?? rule.use;
  if (use) out.use = use;
  if (o === 0) {
    const period = periodOf(cur, 12, 13);
    if (period) out.period = period;
  }
  return out;
}

function familyName(fn: Cursor): Json | undefined {
  const parts: [number, string][] = [
    [2, 'humanname-own-prefix'],
    [3, 'humanname-own-name'],
    [4, 'humanname-partner-prefix'],
    [5, 'humanname-partner-name'],
  ];
  const extension = parts.flatMap(([i, name]) => {
    const v = fn.get(i);
    return v ? [{ url: `${EXT}${name}`, valueString: v }] : [];
  });
  const composed = [fn.peek(2), fn.peek(3)].filter(Boolean).join(' ');
  const family = fn.get(1) || composed;
  if (!family) return undefined;
  return extension.length ? { family, _family: { extension } } : { family };
}

function address(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
  const out: Json = {};
  const sad = cur.sub(1);
  const street = sad.get(1) || [sad.peek(2), sad.peek(3)].filter(Boolean).join(' ');
  const lineExt = [
    [2, 'iso21090-ADXP-streetName'],
    [3, 'iso21090-ADXP-houseNumber'],
  ].flatMap(([i, name]) => {
    const v = sad.get(Number(i));
    return v ? [{ url: `${EXT}${String(name)}`, valueString: v }] : [];
  });
  const lines = [street, cur.get(2)].filter(Boolean);
  if (lines.length) out.line = lines;
  if (lineExt.length) out._line = [{ extension: lineExt }];
  const simple: [number, string][] = [
    [3, 'city'],
    [4, 'state'],
    [5, 'postalCode'],
    [6, 'country'],
    [9, 'district'],
  ];
  for (const [i, key] of simple) {
    const v = cur.get(i);
    if (v) out[key] = v;
  }
  if (Object.keys(out).length === 0) return undefined;
  const kind = cur.peek(7);
  if (kind) {
    const use = codeFromTable(
      cur,
      7,
      'HL70190',
      'https://overdracht.dev/fhir/ConceptMap/hl7v2-0190-address-use',
      env,
      false,
    );
    const type = codeFromTable(
      cur,
      7,
      'HL70190',
      'https://overdracht.dev/fhir/ConceptMap/hl7v2-0190-address-type',
      env,
      false,
    );
    if (use) out.use = use;
    if (type) out.type = type;
    if (!use && !type) cur.untranslatable('address type not known (HL7 table 0190)', 7);
  }
  if (!out.use && rule.use) out.use = rule.use;
  const period = periodOf(cur, 13, 14);
  if (period) out.period = period;
  return out;
}

function contactPoint(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
  const value = telecomValue(cur);
  if (!value) return undefined;
  const map = (kind: string): string => `https://overdracht.dev/fhir/ConceptMap/hl7v2-${kind}`;
  const byType = codeFromTable(cur, 3, 'HL70202', map('0202-contact-point-system'), env, false);
  // Some use codes (NET, BPN) say what the address is rather than what it is for.
  const byUse = codeFromTable(cur, 2, 'HL70201', map('0201-contact-point-system'), env, false);
  const use = codeFromTable(cur, 2, 'HL70201', map('0201-contact-point-use'), env, false);
  if (cur.peek(3) && !byType)
    cur.untranslatable('telecommunication equipment type not known (HL7 table 0202)', 3);
  if (cur.peek(2) && !byUse && !use)
    cur.untranslatable('telecommunication use code not known (HL7 table 0201)', 2);
  const out: Json = { system: byType ?? byUse ?? (value.includes('@') ? 'email' : 'phone'), value };
  const mobile = cur.peek(3).toUpperCase() === 'CP';
  const finalUse = use ?? (mobile ? 'mobile' : rule.use);
  if (finalUse) out.use = finalUse;
  const rank = cur.peek(18);
  if (/^\d+$/.test(rank) && Number(rank) > 0) out.rank = Number(cur.get(18));
  const period = periodOf(cur, 13, 14);
  if (period) out.period = period;
  return out;
}

/** The number as the sender wrote it: XTN.1, the email address (XTN.4), the parts, or XTN.12. */
function telecomValue(cur: Cursor): string | undefined {
  const legacy = cur.get(1);
  if (legacy) return legacy;
  const email = cur.get(4);
  if (email) return email;
  if (cur.peek(7)) {
    const country = cur.get(5);
    const area = cur.get(6);
    const local = cur.get(7);
    const ext = cur.get(8);
    return (
      [
        country ? `+${country.replace(/^\+/, '')}` : '',
        area ? (country ? area.replace(/^0/, '') : area) : '',
        local,
      ]
        .filter(Boolean)
        .join(' ') + (ext ? ` x${ext}` : '')
    );
  }
  return cur.get(12) || undefined;
}

/**
 * A code of an HL7 table translated through a ConceptMap, or undefined. When `report` is false
 * an unknown code is left for the caller to judge (a code that may belong to another map).
 */
function codeFromTable(
  cur: Cursor,
  at: number,
  table: string,
  conceptMap: string,
  env: ConvertEnv,
  report = true,
): string | undefined {
  const code = cur.peek(at);
  if (!code) return undefined;
  const system = env.codingSystem(table);
  const r = system ? env.translator.translate(conceptMap, { system, code }) : undefined;
  if (r?.kind === 'mapped' && r.targets[0]) {
    cur.get(at);
    return r.targets[0].code;
  }
  if (report) cur.untranslatable(`code not known (HL7 table ${table.slice(3)})`, at);
  return undefined;
}

function periodOf(cur: Cursor, startAt: number, endAt: number): Json | undefined {
  const start = dateValue(cur.sub(startAt), 'date');
  const end = dateValue(cur.sub(endAt), 'date');
  if (!start && !end) return undefined;
  return { ...(start ? { start } : {}), ...(end ? { end } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Embedded resources
// ---------------------------------------------------------------------------------------------

function practitioner(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
  const resource: Json = { resourceType: 'Practitioner' };
  const id = identifier(cur, rule, env);
  if (id) resource.identifier = [id];
  const name = humanName(cur, { ...rule, use: undefined }, env);
  if (name) resource.name = [name];
  if (!id && !name) return undefined;
  return env.embed('Practitioner', resource, cur);
}

function organization(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
  const resource: Json = { resourceType: 'Organization' };
  const name = cur.get(1);
  if (name) resource.name = name;
  const id = identifier(cur, rule, env);
  if (id) resource.identifier = [id];
  if (!name && !id) return undefined;
  return env.embed('Organization', resource, cur);
}

// ---------------------------------------------------------------------------------------------
// Quantities and observation values
// ---------------------------------------------------------------------------------------------

function quantity(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
  const value = number(cur, false);
  if (value === undefined) return undefined;
  return { value, ...(unit(cur.sub(2), rule, env) ?? {}) };
}

/** CWE units: UCUM when the sender says so, else the unit as text. */
function unit(cur: Cursor, _rule: SourceRule, env: ConvertEnv): Json | undefined {
  const code = cur.peek(1);
  const text = cur.peek(2);
  if (!code && !text) return undefined;
  const system = cur.peek(3) ? env.codingSystem(cur.peek(3)) : undefined;
  if (system === UCUM && code) {
    cur.get(3);
    const out: Json = { unit: cur.get(2) || code, system: UCUM, code: cur.get(1) };
    return out;
  }
  if (cur.peek(3))
    cur.untranslatable(`units system '${cur.peek(3)}' is not UCUM; the unit is kept as text`, 3);
  const shown = cur.get(2) || cur.get(1);
  if (text && code) cur.get(1);
  return { unit: shown };
}

function observationValue(cur: Cursor, rule: SourceRule, env: ConvertEnv): ChoiceValue | undefined {
  if (cur.isEmpty()) return undefined;
  const typeCur = cur.sibling(Number((rule.typeFrom ?? 'OBX-2').split('-')[1]));
  const valueType = typeCur.peek(1).toUpperCase() || 'ST';
  const value = valueByType(cur, valueType, rule, env);
  if (value) typeCur.get(1);
  return value;
}

function valueByType(
  cur: Cursor,
  valueType: string,
  rule: SourceRule,
  env: ConvertEnv,
): ChoiceValue | undefined {
  switch (valueType) {
    case 'ST':
    case 'TX':
    case 'FT':
    case 'ID':
    case 'IS': {
      const v = cur.get(1);
      return v ? new ChoiceValue('String', v) : undefined;
    }
    case 'NM':
      return numericValue(cur, rule, env);
    case 'SN':
      return structuredNumeric(cur, rule, env);
    case 'CWE':
    case 'CE':
    case 'CNE':
    case 'CF': {
      const cc = codeableConcept(cur.withType('CWE'), { ...rule, table: undefined }, env);
      return cc ? new ChoiceValue('CodeableConcept', cc) : undefined;
    }
    case 'DT':
    case 'DTM':
    case 'TS': {
      const v = dateValue(cur, 'dateTime', env.timeZone);
      return v ? new ChoiceValue('DateTime', v) : undefined;
    }
    default:
      cur.untranslatable(`value type ${valueType} has no Observation.value in FHIR R4`);
      return undefined;
  }
}

function unitsOf(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
  const field = Number((rule.unitFrom ?? 'OBX-6').split('-')[1]);
  const u = cur.sibling(field);
  return u.isEmpty() ? undefined : unit(u, rule, env);
}

function numericValue(cur: Cursor, rule: SourceRule, env: ConvertEnv): ChoiceValue | undefined {
  const v = cur.peek(1);
  const units = unitsOf(cur, rule, env);
  if (!units && /^[+-]?\d{1,9}$/.test(v)) {
    cur.get(1);
    return new ChoiceValue('Integer', Number(v));
  }
  const n = number(cur, false);
  if (n === undefined) return undefined;
  return new ChoiceValue('Quantity', { value: n, ...(units ?? {}) });
}

const COMPARATORS = new Set(['<', '>', '<=', '>=']);

/** SN: comparator, number, separator, number (`>^10`, `^1^-^5`, `^1^:^128`). */
function structuredNumeric(cur: Cursor, rule: SourceRule, env: ConvertEnv): ChoiceValue | undefined {
  const comparator = cur.peek(1);
  const n1 = cur.peek(2);
  const sep = cur.peek(3);
  const n2 = cur.peek(4);
  const num = (s: string): number | undefined =>
    /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s) ? Number(s) : undefined;
  const a = num(n1);
  const b = num(n2);
  const units = unitsOf(cur, rule, env) ?? {};
  if (a !== undefined && !sep && (!comparator || COMPARATORS.has(comparator) || comparator === '=')) {
    cur.useAll();
    return new ChoiceValue('Quantity', {
      value: a,
      ...(comparator && comparator !== '=' ? { comparator } : {}),
      ...units,
    });
  }
  if (a !== undefined && b !== undefined && !comparator && (sep === '-' || sep === ':' || sep === '/')) {
    cur.useAll();
    if (sep === '-')
      return new ChoiceValue('Range', { low: { value: a, ...units }, high: { value: b, ...units } });
    return new ChoiceValue('Ratio', { numerator: { value: a }, denominator: { value: b } });
  }
  cur.untranslatable('structured numeric value not understood');
  return undefined;
}
