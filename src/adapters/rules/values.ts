/**
 * The converters of the rule engine: one source value (text) to a FHIR value, or the reason it
 * cannot be translated. Codes go through ConceptMaps (`CodeTranslator`), dates through the
 * declared layouts, identifiers through their checks (BSN 11-check, AGB 8 digits).
 */
import { isValidBsn } from '../../fhir/bsn.js';
import type { Json } from '../paths.js';
import { parseDate } from '../tabular/dates.js';
import type { CodeTranslator } from '../translator.js';
import type { SourceFieldRule } from './spec.js';

export const UCUM = 'http://unitsofmeasure.org';

export interface ValueEnv {
  translator: CodeTranslator;
  dateFormats: readonly string[];
  /** IANA zone for date-times without an offset. */
  timeZone: string;
}

/** `warning`: the value was kept, but a part of it (a translation) could not be made. */
export type Converted = { ok: true; value: unknown; warning?: string } | { ok: false; problem: string };

const ok = (value: unknown): Converted => ({ ok: true, value });
const no = (problem: string): Converted => ({ ok: false, problem });

const TRUE_WORDS = ['ja', 'j', 'yes', 'y', 'true', '1', 'waar'];
const FALSE_WORDS = ['nee', 'n', 'no', 'false', '0', 'onwaar'];

export function convertValue(text: string, rule: SourceFieldRule, env: ValueEnv): Converted {
  const converted = convertText(text, rule, env);
  if (!rule.prefix || !converted.ok || typeof converted.value !== 'string') return converted;
  const value = rule.encode ? encodeURIComponent(converted.value) : converted.value;
  return { ...converted, value: `${rule.prefix}${value}` };
}

function convertText(text: string, rule: SourceFieldRule, env: ValueEnv): Converted {
  switch (rule.as) {
    case 'string':
      return ok(text);
    case 'code':
      return rule.conceptMap ? translatedCode(text, rule, env) : ok(text);
    case 'date':
    case 'dateTime':
      return dateOf(text, rule, env);
    case 'integer':
      return /^[+-]?\d{1,15}$/.test(text) ? ok(Number(text)) : no('not a whole number');
    case 'decimal': {
      const n = decimal(text);
      return n === undefined ? no('not a number') : ok(n);
    }
    case 'boolean':
      return booleanOf(text, rule);
    case 'identifier':
      return identifierOf(text, rule);
    case 'coding':
      return codingOf(text, rule, env);
    case 'concept':
      return conceptOf(text, rule, env);
    case 'quantity': {
      const n = decimal(text);
      if (n === undefined) return no('not a number');
      const unit = rule.unit ?? '1';
      return ok({ value: n, unit, system: UCUM, code: unit });
    }
    default:
      return rule.as satisfies never;
  }
}

/** Dutch exports write a decimal comma as often as a point. */
function decimal(text: string): number | undefined {
  const t = text.replace(',', '.');
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t) ? Number(t) : undefined;
}

function dateOf(text: string, rule: SourceFieldRule, env: ValueEnv): Converted {
  const formats = rule.formats ?? env.dateFormats;
  const value = parseDate(text, formats, env.timeZone);
  if (value === undefined) return no(`not a valid date in the layout ${formats.join(' or ')}`);
  if (rule.as === 'date' && value.length > 10) return ok(value.slice(0, 10));
  return ok(value);
}

function booleanOf(text: string, rule: SourceFieldRule): Converted {
  const t = text.toLowerCase();
  if ((rule.trueWords ?? TRUE_WORDS).some((w) => w.toLowerCase() === t)) return ok(true);
  if ((rule.falseWords ?? FALSE_WORDS).some((w) => w.toLowerCase() === t)) return ok(false);
  return no('not a yes or no value');
}

function identifierOf(text: string, rule: SourceFieldRule): Converted {
  if (rule.check === 'bsn' && !isValidBsn(text)) return no('not a valid BSN (9 digits, 11-check)');
  if (rule.check === 'agb' && !/^\d{8}$/.test(text)) return no('not a valid AGB code (8 digits)');
  return ok({ system: rule.system, value: text });
}

function translatedCode(text: string, rule: SourceFieldRule, env: ValueEnv): Converted {
  const t = translate(text, rule, env);
  return t.ok ? ok((t.value as Json[])[0]?.code) : t;
}

/** The translations of a code (Codings), or why there is none. */
function translate(text: string, rule: SourceFieldRule, env: ValueEnv): Converted {
  const url = rule.conceptMap ?? '';
  const result = env.translator.translate(url, { system: rule.system ?? '', code: text });
  switch (result.kind) {
    case 'mapped':
      return ok(
        result.targets.map((t) =>
          t.display
            ? { system: t.system, code: t.code, display: t.display }
            : { system: t.system, code: t.code },
        ),
      );
    case 'unmatched':
      return no(`code has no counterpart in ConceptMap ${url}`);
    case 'unknown-code':
      return no(`code is not in ConceptMap ${url}`);
    case 'unknown-map':
      return no(`ConceptMap ${url} is not loaded`);
    default:
      return result satisfies never;
  }
}

function codingOf(text: string, rule: SourceFieldRule, env: ValueEnv): Converted {
  if (!rule.conceptMap) return ok({ system: rule.system, code: text });
  const t = translate(text, rule, env);
  return t.ok ? ok((t.value as Json[])[0]) : t;
}

function conceptOf(text: string, rule: SourceFieldRule, env: ValueEnv): Converted {
  const source = { system: rule.system, code: text };
  if (!rule.conceptMap) return ok({ coding: [source] });
  const t = translate(text, rule, env);
  if (!t.ok)
    return rule.output === 'translation' ? t : { ok: true, value: { coding: [source] }, warning: t.problem };
  const targets = t.value as Json[];
  const coding =
    rule.output === 'translation' ? targets : rule.output === 'source' ? [source] : [source, ...targets];
  return ok({ coding });
}
