/**
 * Most search parameter expressions are plain paths (`Patient.identifier`, `Task.owner |
 * Task.requester`), some with a choice type (`(Observation.effective as dateTime)`) or the
 * reference test that replaces `resolve() is Patient`. Evaluating those through fhirpath.js costs
 * far more than walking the JSON: per referral, several milliseconds of the gateway's time. This
 * module compiles such expressions into direct walks that yield what fhirpath.js yields (the
 * values in document order, each with its FHIR type from the R4 model); anything else returns
 * undefined and stays with fhirpath.js. test/store/fhirpath-paths.test.ts checks the two agree.
 */
import r4 from 'fhirpath/fhir-context/r4';
import type { TypedValue } from './search-params.js';

interface Model {
  choiceTypePaths: Record<string, string[]>;
  pathsDefinedElsewhere: Record<string, string>;
  path2Type: Record<string, string>;
}

const model = r4 as unknown as Model;

/** FHIR primitive types: their names start in lower case (`valueDateTime` holds a `dateTime`). */
const PRIMITIVES = new Set([
  'base64Binary',
  'boolean',
  'canonical',
  'code',
  'date',
  'dateTime',
  'decimal',
  'id',
  'instant',
  'integer',
  'markdown',
  'oid',
  'positiveInt',
  'string',
  'time',
  'unsignedInt',
  'uri',
  'url',
  'uuid',
]);

function fhirTypeName(choice: string): string {
  const lower = choice.charAt(0).toLowerCase() + choice.slice(1);
  return PRIMITIVES.has(lower) ? lower : choice;
}

/** One step: the JSON keys to read and the FHIR type of the values under each. */
interface Step {
  keys: { key: string; fhirType: string }[];
}

/** Where the elements of a value of `fhirType`, reached at `path`, are described in the model. */
function contextOf(path: string, fhirType: string): string {
  return fhirType === 'BackboneElement' || fhirType === 'Element' ? path : fhirType;
}

/** The steps of `Type.a.b.c` (with a choice type at the end, if given), or undefined when the model does not know a segment. */
function compileSteps(type: string, names: readonly string[], choice?: string): Step[] | undefined {
  const steps: Step[] = [];
  let context = type;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] ?? '';
    const last = i === names.length - 1;
    let path = `${context}.${name}`;
    path = model.pathsDefinedElsewhere[path] ?? path;
    const choices = model.choiceTypePaths[path];
    if (choices) {
      // A choice element is only supported as the last step: its value's type depends on the data.
      if (!last) return undefined;
      const allowed = choice ? choices.filter((c) => fhirTypeName(c) === choice) : choices;
      if (allowed.length === 0) return undefined;
      steps.push({ keys: allowed.map((c) => ({ key: `${name}${c}`, fhirType: fhirTypeName(c) })) });
      return steps;
    }
    if (choice && last) return undefined;
    const fhirType = model.path2Type[path];
    if (!fhirType || fhirType === 'Resource') return undefined;
    steps.push({ keys: [{ key: name, fhirType }] });
    context = contextOf(path, fhirType);
  }
  return steps;
}

type Filter = (value: unknown) => boolean;

/** The test `withoutResolve` writes for `resolve() is T`. */
const REFERENCE_TEST =
  /^where\(\(reference\.startsWith\('([A-Z][A-Za-z]+)\/'\) or reference\.contains\('\/([A-Z][A-Za-z]+)\/'\) or type = '([A-Z][A-Za-z]+)'\)\)$/;

function referenceFilter(type: string): Filter {
  return (value) => {
    if (typeof value !== 'object' || value === null) return false;
    const { reference, type: declared } = value as { reference?: unknown; type?: unknown };
    return (
      (typeof reference === 'string' &&
        (reference.startsWith(`${type}/`) || reference.includes(`/${type}/`))) ||
      declared === type
    );
  };
}

interface CompiledPart {
  steps: Step[];
  filter?: Filter;
}

const NAME = '[a-z][A-Za-z0-9]*';
const PATH = new RegExp(`^([A-Z][A-Za-z]+)((?:\\.${NAME})+)$`);

/** `(x)` -> `x` when the parentheses enclose the whole text. */
function unwrap(text: string): string {
  if (!text.startsWith('(') || !text.endsWith(')')) return text;
  let depth = 0;
  for (let i = 0; i < text.length - 1; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    if (depth === 0) return text;
  }
  return text.slice(1, -1);
}

const SYSTEM_TEST = /^where\(system='([a-z]+)'\)$/;

/**
 * One part of a union: `T.a.b`, `(T.a as x)`, `T.a.ofType(x)`, `T.a.where(system='x')`,
 * `T.a.where(<reference test>)`.
 */
function compilePart(part: string): CompiledPart | undefined {
  let text = unwrap(part.trim());
  let choice: string | undefined;
  let filter: Filter | undefined;
  const as = /^\((.+) as ([A-Za-z]+)\)$/.exec(text);
  const ofType = /^(.+)\.ofType\(([A-Za-z]+)\)$/.exec(text);
  const where = /^(.+?)\.(where\(.+\))$/.exec(text);
  if (as?.[1] && as[2]) [text, choice] = [as[1], as[2]];
  else if (ofType?.[1] && ofType[2]) [text, choice] = [ofType[1], ofType[2]];
  else if (where?.[1] && where[2]) {
    const test = REFERENCE_TEST.exec(where[2]);
    const system = SYSTEM_TEST.exec(where[2])?.[1];
    if (system)
      [text, filter] = [where[1], (v: unknown) => (v as { system?: unknown } | null)?.system === system];
    else if (test?.[1] && test[1] === test[2] && test[1] === test[3])
      [text, filter] = [where[1], referenceFilter(test[1])];
    else return undefined;
  }
  const path = PATH.exec(text);
  if (!path?.[1] || !path[2]) return undefined;
  const steps = compileSteps(path[1], path[2].slice(1).split('.'), choice);
  if (!steps) return undefined;
  // The tests apply to objects (References, ContactPoints), never to primitives.
  if (filter && steps.at(-1)?.keys.some((k) => PRIMITIVES.has(k.fhirType))) return undefined;
  return { steps, ...(filter ? { filter } : {}) };
}

function walk(resource: object, part: CompiledPart): TypedValue[] {
  let current: TypedValue[] = [{ fhirType: '', value: resource }];
  for (const step of part.steps) {
    const next: TypedValue[] = [];
    for (const node of current) {
      if (typeof node.value !== 'object' || node.value === null) continue;
      const obj = node.value as Record<string, unknown>;
      for (const { key, fhirType } of step.keys) {
        const value = obj[key];
        if (value === undefined || value === null) continue;
        if (Array.isArray(value)) {
          for (const item of value)
            if (item !== null && item !== undefined) next.push({ fhirType, value: item });
        } else next.push({ fhirType, value });
      }
    }
    current = next;
  }
  return part.filter ? current.filter((v) => part.filter?.(v.value)) : current;
}

/**
 * A direct evaluator for `parts` (the top-level parts of a union), or undefined when one of them
 * is not a plain path the model knows: then fhirpath.js evaluates the whole expression.
 */
export function compilePaths(parts: readonly string[]): ((resource: object) => TypedValue[]) | undefined {
  const compiled: CompiledPart[] = [];
  for (const part of parts) {
    const c = compilePart(part);
    if (!c) return undefined;
    compiled.push(c);
  }
  return (resource) => compiled.flatMap((part) => walk(resource, part));
}
