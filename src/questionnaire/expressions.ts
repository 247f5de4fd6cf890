/**
 * FHIRPath for pre-population: each expression string is compiled once and cached; an
 * evaluation returns typed values together with the resource each value was found in, so that a
 * pre-filled answer can name its source.
 *
 * What fhirpath.js does over the network or with the system clock is replaced for the length of
 * one evaluation: `resolve()` looks a reference up in the record the caller passed in, and
 * `now()`/`today()` read the caller's clock.
 *
 * Spec: https://hl7.org/fhir/uv/sdc/expressions.html, https://hl7.org/fhir/R4/fhirpath.html#functions
 */
import { createRequire } from 'node:module';
import type { Resource } from '@medplum/fhirtypes';
import { typedValue, type TypedValue } from './values.js';

/** A value an expression yielded, with the resource it sits in (undefined for computed values). */
export interface FoundValue {
  value: TypedValue;
  source?: Resource;
}

/** What an evaluation may see besides its variables. */
export interface EvaluationScope {
  /** FHIRPath environment variables without the `%` (patient, record, context names, variables). */
  variables: Readonly<Record<string, unknown>>;
  /** Finds the resource a reference (or canonical) points to, for `resolve()`. */
  resolveReference: (reference: string) => Resource | undefined;
  now: Date;
}

export type EvaluationResult = { values: FoundValue[] } | { error: string };

interface ResourceNodeLike {
  data: unknown;
  parentResNode: ResourceNodeLike | null;
}
interface TypesModule {
  ResourceNode: {
    makeResNode(
      ctx: unknown,
      data: unknown,
      parent: null,
      path: string | null,
      d: null,
      type: string | null,
    ): ResourceNodeLike;
  };
  FP_DateTime: { new (ctx: unknown, s: string): object; isoDateTime(d: Date): string };
  FP_Date: { new (ctx: unknown, s: string): object; isoDate(d: Date): string };
}
type Evaluator = (data: unknown, env: Record<string, unknown>, options: object) => unknown;
interface FhirPathModule {
  compile(expression: string, model: unknown, options: object): Evaluator;
  types(values: unknown[]): string[];
  resolveInternalTypes(value: unknown): unknown;
}

// fhirpath.js is loaded as CommonJS, engine and internals alike: the nodes resolve() makes must
// be of the class the engine uses, and the ES build is a separate bundle with its own copy.
const require = createRequire(import.meta.url);
const fhirpath = require('fhirpath') as FhirPathModule;
const r4 = require('fhirpath/fhir-context/r4') as unknown;
const types = require('fhirpath/src/types.js') as TypesModule;

/** Compiled expressions by expression string; bounded, as Questionnaires come from outside. */
class ExpressionCache {
  private readonly compiled = new Map<string, Evaluator>();
  constructor(private readonly limit: number) {}

  get(expression: string): Evaluator {
    const hit = this.compiled.get(expression);
    if (hit) return hit;
    const fn = fhirpath.compile(expression, r4, { resolveInternalTypes: false });
    if (this.compiled.size >= this.limit) {
      const oldest = this.compiled.keys().next().value;
      if (oldest !== undefined) this.compiled.delete(oldest);
    }
    this.compiled.set(expression, fn);
    return fn;
  }
}

const cache = new ExpressionCache(2000);

/**
 * Evaluates an expression to fhirpath.js nodes, which keep the path to the resource they were
 * read from; they can be bound as variables (population contexts, `variable`) of later
 * evaluations without losing it.
 */
export function evaluateNodes(
  expression: string,
  focus: unknown,
  scope: EvaluationScope,
): { nodes: unknown[] } | { error: string } {
  try {
    const fn = cache.get(expression);
    const raw = fn(focus, { ...scope.variables }, { userInvocationTable: invocationTable(scope) });
    return Array.isArray(raw) ? { nodes: raw } : { error: 'the expression did not evaluate synchronously' };
  } catch (err) {
    return { error: errorText(err) };
  }
}

export function evaluate(expression: string, focus: unknown, scope: EvaluationScope): EvaluationResult {
  const result = evaluateNodes(expression, focus, scope);
  return 'error' in result ? result : { values: result.nodes.flatMap((node) => found(node)) };
}

function errorText(err: unknown): string {
  return err instanceof Error ? (err.message.split('\n')[0] ?? 'error') : 'error';
}

function found(node: unknown): FoundValue[] {
  const type = fhirpath.types([node])[0] ?? '';
  const value = typedValue(type, fhirpath.resolveInternalTypes(node));
  if (!value) return [];
  const source = sourceOf(node);
  return [source ? { value, source } : { value }];
}

function isNode(n: unknown): n is ResourceNodeLike {
  return typeof n === 'object' && n !== null && 'parentResNode' in n && 'data' in n;
}

function asResource(data: unknown): Resource | undefined {
  return typeof data === 'object' && data !== null && 'resourceType' in data ? (data as Resource) : undefined;
}

/**
 * The outermost resource above a value that is not a Bundle: the entry resource a value was
 * read from (or the container of a contained resource). A Bundle is where resources are kept,
 * not what an answer came from.
 */
export function sourceOf(node: unknown): Resource | undefined {
  let source: Resource | undefined;
  for (let n: unknown = node; isNode(n); n = n.parentResNode) {
    const r = asResource(n.data);
    if (r && r.resourceType !== 'Bundle') source = r;
    if (r?.resourceType === 'Bundle') break;
  }
  return source;
}

/** resolve(), now() and today() for one evaluation; all take and return fhirpath.js nodes. */
function invocationTable(scope: EvaluationScope): object {
  return {
    resolve: {
      fn(this: unknown, coll: unknown[]): unknown[] {
        return coll.flatMap((item) => {
          const target = resolveItem(item, scope);
          return target
            ? [
                types.ResourceNode.makeResNode(
                  this,
                  target,
                  null,
                  target.resourceType,
                  null,
                  target.resourceType,
                ),
              ]
            : [];
        });
      },
      internalStructures: true,
    },
    now: {
      fn(this: unknown): unknown {
        return new types.FP_DateTime(this, types.FP_DateTime.isoDateTime(scope.now));
      },
      internalStructures: true,
    },
    today: {
      fn(this: unknown): unknown {
        return new types.FP_Date(this, types.FP_Date.isoDate(scope.now));
      },
      internalStructures: true,
    },
  };
}

function resolveItem(item: unknown, scope: EvaluationScope): Resource | undefined {
  const data: unknown = isNode(item) ? item.data : item;
  if (typeof data === 'string') return scope.resolveReference(data);
  if (
    typeof data === 'object' &&
    data !== null &&
    'reference' in data &&
    typeof data.reference === 'string'
  ) {
    return scope.resolveReference(data.reference);
  }
  return undefined;
}
