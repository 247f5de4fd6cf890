/**
 * The value converters of the iWmo / iJw spec, in both directions: `toFhir` turns the text of
 * one or more elements into the FHIR value a rule writes; `fromFhir` reads it back for the 315
 * writer. Keeping both halves of a converter side by side is what keeps the round trip whole.
 */
import { isValidBsn } from '../../fhir/bsn.js';
import type { CodeTranslator } from '../translator.js';
import { valuesAt } from '../paths.js';
import { type ConverterName, type FieldRule, forLaw, type Law } from './spec.js';

export type ToFhir = { value: unknown } | { problem: string } | undefined;

export interface ValueEnv {
  law: Law;
  translator: CodeTranslator;
}

const CM = 'https://overdracht.dev/fhir/ConceptMap/';
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LINE = /^(.*\S)\s+(\d{1,5})([A-Za-z])?(?:-(\S.*))?$/;

export function toFhir(rule: FieldRule, texts: readonly (string | undefined)[], env: ValueEnv): ToFhir {
  const text = texts[0];
  if (text === undefined) return undefined;
  const system = rule.system ? forLaw(rule.system, env.law) : undefined;
  switch (rule.as) {
    case 'string':
      return { value: rule.template ? rule.template.replace('{}', text) : text };
    case 'bsn':
      return isValidBsn(text) ? { value: text } : { problem: 'not a BSN (nine digits passing the 11-check)' };
    case 'date':
      return validDate(text) ? { value: text } : { problem: 'not a date (YYYY-MM-DD)' };
    case 'instant':
      return validDate(text) ? { value: `${text}T00:00:00Z` } : { problem: 'not a date (YYYY-MM-DD)' };
    case 'decimal':
      return /^\d{1,12}(\.\d{1,6})?$/.test(text) ? { value: Number(text) } : { problem: 'not a number' };
    case 'code':
    case 'coding':
    case 'codeableConcept': {
      const coding = rule.conceptMap ? translate(rule, text, env) : { system: system ?? '', code: text };
      if ('problem' in coding) return coding;
      if (rule.as === 'code') return { value: coding.code };
      return { value: rule.as === 'coding' ? coding : { coding: [coding] } };
    }
    case 'identifier':
      return { value: { system, value: text } };
    case 'annotation':
      return { value: { text } };
    case 'quantityCode':
      return { value: { system, code: text } };
    case 'addressLine': {
      const [street, number, letter, addition] = texts;
      if (!street) return undefined;
      const house = `${number ?? ''}${letter ?? ''}${addition ? `-${addition}` : ''}`;
      return { value: house ? `${street} ${house}` : street };
    }
    default:
      return rule.as satisfies never;
  }
}

function translate(
  rule: FieldRule,
  code: string,
  env: ValueEnv,
): { system: string; code: string; display?: string } | { problem: string } {
  const result = env.translator.translate(`${CM}${rule.conceptMap ?? ''}`, {
    system: forLaw(rule.sourceSystem ?? '', env.law),
    code,
  });
  if (result.kind !== 'mapped' || !result.targets[0])
    return { problem: `code not translated by ConceptMap ${rule.conceptMap ?? ''}` };
  const t = result.targets[0];
  return t.display
    ? { system: t.system, code: t.code, display: t.display }
    : { system: t.system, code: t.code };
}

/** The texts a rule's source elements get back from a resource; undefined when it holds nothing for them. */
export function fromFhir(
  rule: FieldRule,
  resource: unknown,
  env: ValueEnv,
): (string | undefined)[] | undefined {
  const path = forLaw(rule.path, env.law).replace(/\[\]/g, '');
  const values = valuesAt(resource, path);
  const system = rule.system ? forLaw(rule.system, env.law) : undefined;
  const one = (text: string | undefined): string[] | undefined => (text ? [text] : undefined);
  switch (rule.as) {
    case 'string':
    case 'bsn':
    case 'decimal':
      return one(scalar(values[0]));
    case 'date':
    case 'instant':
      return one(scalar(values[0])?.slice(0, 10));
    case 'code':
      return one(reverse(rule, scalar(values[0]), env));
    case 'coding':
      return one(codingIn(values, system));
    case 'codeableConcept':
      return one(
        codingIn(
          values.flatMap((v) => (isObject(v) && Array.isArray(v.coding) ? v.coding : [])),
          system,
        ),
      );
    case 'identifier':
    case 'quantityCode': {
      const key = rule.as === 'identifier' ? 'value' : 'code';
      const hit = values.find((v) => isObject(v) && v.system === system);
      return one(isObject(hit) ? scalar(hit[key]) : undefined);
    }
    case 'annotation':
      return one(isObject(values[0]) ? scalar(values[0].text) : undefined);
    case 'addressLine': {
      const line = scalar(values[0]);
      if (!line) return undefined;
      const m = LINE.exec(line);
      return m ? [m[1], m[2], m[3], m[4]] : [line];
    }
    default:
      return rule.as satisfies ConverterName & never;
  }
}

function reverse(rule: FieldRule, code: string | undefined, env: ValueEnv): string | undefined {
  if (!code || !rule.reverseMap) return code;
  // The reverse map reads from what the forward map writes.
  const system = env.translator.targetSystems(`${CM}${rule.conceptMap ?? ''}`)[0] ?? '';
  const result = env.translator.translate(`${CM}${rule.reverseMap}`, { system, code });
  return result.kind === 'mapped' ? result.targets[0]?.code : undefined;
}

function codingIn(codings: unknown[], system: string | undefined): string | undefined {
  const hit = codings.find((c) => isObject(c) && c.system === system);
  return isObject(hit) ? scalar(hit.code) : undefined;
}

function scalar(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}
