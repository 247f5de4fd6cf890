/**
 * HL7 v2 coded values (CWE, CNE, CE, CF, and codes in ID, IS and ST fields) to FHIR code, Coding
 * and CodeableConcept: the coding system from its table 0396 name or OID, translations through
 * the rule's ConceptMap, defaults from the rule or the channel, and what could not be translated
 * reported where it stands.
 */
import type { Json } from '../../paths.js';
import type { Cursor } from '../cursor.js';
import type { SourceRule } from '../spec.js';
import type { ConvertEnv } from './env.js';

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
export function translatedCoding(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
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
export function codeableConcept(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
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

/**
 * A code of an HL7 table translated through a ConceptMap, or undefined. When `report` is false
 * an unknown code is left for the caller to judge (a code that may belong to another map).
 */
export function codeFromTable(
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
