/**
 * HL7 v2 quantities and observation values: CQ to Quantity, CWE units to UCUM (or the unit as
 * text), and OBX-5 by its value type (OBX-2) to Observation.value[x] as string, integer,
 * Quantity, Range, Ratio, CodeableConcept or dateTime.
 */
import type { Json } from '../../paths.js';
import type { Cursor } from '../cursor.js';
import type { SourceRule } from '../spec.js';
import { codeableConcept } from './coded.js';
import { ChoiceValue, type ConvertEnv } from './env.js';
import { dateValue, number } from './primitives.js';

const UCUM = 'http://unitsofmeasure.org';

export function quantity(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
  const value = number(cur, false);
  if (value === undefined) return undefined;
  return { value, ...(unit(cur.sub(2), rule, env) ?? {}) };
}

/** CWE units: UCUM when the sender says so, else the unit as text. */
export function unit(cur: Cursor, _rule: SourceRule, env: ConvertEnv): Json | undefined {
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

export function observationValue(cur: Cursor, rule: SourceRule, env: ConvertEnv): ChoiceValue | undefined {
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
