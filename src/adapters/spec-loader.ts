/**
 * Loading a declarative mapping specification: YAML or JSON text, checked against the adapter's
 * JSON Schema with ajv, then by the adapter's own semantic checks; every error names the key it
 * is about (`resources[2].fields[4].target`), so a broken mapping is fixed without reading code.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';

/** The folder of a format's mapping specs: mappings/<name> of the project, from src/ or dist/. */
export function mappingsDir(name: string): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'mappings', name);
}

export class MappingSpecError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`Mapping specification ${source} is invalid:\n  ${problems.join('\n  ')}`);
    this.name = 'MappingSpecError';
  }
}

/** A semantic check returns problems as `key: message` lines; empty when the spec is sound. */
export type SpecCheck<T> = (spec: T) => string[];

export interface SpecSchema<T> {
  /** A JSON Schema (draft 2020-12 or 07) of the spec. */
  schema: Record<string, unknown>;
  checks?: readonly SpecCheck<T>[];
  /** Only a type brand: the schema is what makes the value a T. */
  readonly _type?: T;
}

const ajv = new Ajv({
  allErrors: true,
  strictSchema: true,
  strictTypes: false,
  strictTuples: false,
  allowUnionTypes: true,
});
const compiled = new WeakMap<Record<string, unknown>, ValidateFunction>();

export function loadSpecFile<T>(file: string, schema: SpecSchema<T>): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new MappingSpecError(file, ['the file cannot be read']);
  }
  return loadSpecText(text, file, schema);
}

export function loadSpecText<T>(text: string, source: string, schema: SpecSchema<T>): T {
  const value = parseText(text, source);
  const validate = validatorFor(schema.schema);
  if (!validate(value)) throw new MappingSpecError(source, (validate.errors ?? []).map(describeError));
  const spec = value as T;
  const problems = (schema.checks ?? []).flatMap((check) => check(spec));
  if (problems.length > 0) throw new MappingSpecError(source, problems);
  return spec;
}

function parseText(text: string, source: string): unknown {
  if (source.endsWith('.json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new MappingSpecError(source, [
        `not valid JSON: ${err instanceof SyntaxError ? err.message : 'unreadable'}`,
      ]);
    }
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new MappingSpecError(
      source,
      doc.errors.map(
        (e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0] ?? 'YAML error'}`,
      ),
    );
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/** `/resources/2/fields/4/target` -> `resources[2].fields[4].target`. */
export function keyPath(pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out || '(root)';
}

function describeError(e: ErrorObject): string {
  const at = keyPath(e.instancePath);
  switch (e.keyword) {
    case 'required':
      return `${at === '(root)' ? '' : `${at}.`}${String(e.params.missingProperty)}: required`;
    case 'additionalProperties':
      return `${at === '(root)' ? '' : `${at}.`}${String(e.params.additionalProperty)}: unknown key`;
    case 'enum':
      return `${at}: must be one of ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`;
    default:
      return `${at}: ${e.message ?? 'invalid'}`;
  }
}
