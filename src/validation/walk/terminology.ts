/**
 * Coded values during a walk: against the value sets their elements are bound to (required
 * bindings as errors, extensible ones as warnings, additional bindings by their purpose), and
 * against their code system when we hold all of it. Answers are memoised per validator: whether a
 * code is in a value set depends only on the definitions.
 *
 * Spec: https://hl7.org/fhir/R4/terminologies.html#strength
 */
import type { Severity } from '../../fhir/outcomes.js';
import type { BindingDef, ElementNode } from '../compile/element-tree.js';
import type { CodeCheckResult, TerminologyHook } from '../compile/hooks.js';
import { clip } from '../compile/primitives.js';
import { indexSegment } from './context.js';
import { isRecord } from '../../fhir/records.js';

type Json = Record<string, unknown>;

/** Value set (or '' for a code system) -> system -> code -> answer. */
export type CodeMemo = Map<string, Map<string, Map<string, CodeCheckResult | undefined>>>;

/**
 * Reports a code-invalid issue at the current path plus the given segments; `bound` is the
 * element whose binding the code broke (undefined: the code system's own rule).
 */
export type CodeReport = (
  severity: Severity,
  message: string,
  bound: ElementNode | undefined,
  ...relPath: string[]
) => void;

const MEMO_LIMIT = 10_000;

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

export class CodeChecks {
  constructor(
    private readonly tx: TerminologyHook | undefined,
    private readonly memo: CodeMemo,
    private readonly report: CodeReport,
  ) {}

  /** The last memo asked for, by value set and system: consecutive codes mostly share both. */
  private lastValueSet: string | undefined;
  private lastSystem: string | undefined;
  private lastMemo: Map<string, CodeCheckResult | undefined> | undefined;

  /** Forgets the last memo (called per validation: the memo is cleared when definitions change). */
  reset(): void {
    this.lastMemo = undefined;
    this.lastValueSet = undefined;
    this.lastSystem = undefined;
  }

  /** The memo of one value set and system. */
  private memoFor(valueSet: string, system: string | undefined): Map<string, CodeCheckResult | undefined> {
    const sys = system ?? '';
    if (this.lastMemo && this.lastValueSet === valueSet && this.lastSystem === sys) return this.lastMemo;
    const byCode = this.memoIn(valueSet, sys);
    this.lastValueSet = valueSet;
    this.lastSystem = sys;
    this.lastMemo = byCode;
    return byCode;
  }

  private memoIn(valueSet: string, sys: string): Map<string, CodeCheckResult | undefined> {
    let bySystem = this.memo.get(valueSet);
    if (!bySystem) {
      bySystem = new Map();
      this.memo.set(valueSet, bySystem);
    }
    let byCode = bySystem.get(sys);
    if (!byCode) {
      byCode = new Map();
      bySystem.set(sys, byCode);
    }
    return byCode;
  }

  /** A bare `code` (or string, uri) bound to value sets. */
  checkBare(code: string, el: ElementNode): void {
    const tx = this.tx;
    if (!tx) return;
    const bindings = el.checkedBindings;
    for (let i = 0; i < bindings.length; i++) {
      const b = bindings[i] as BindingDef;
      const memo = this.memoFor(b.valueSet, undefined);
      let r = memo.get(code);
      if (r === undefined && !memo.has(code)) {
        r = safe(() => tx.validateBareCode(b.valueSet, code));
        if (memo.size < MEMO_LIMIT) memo.set(code, r);
      }
      if (!r || r.valid) continue;
      this.report(
        b.strength === 'required' ? 'error' : 'warning',
        r.message ??
          `The value provided ('${clip(code)}') was not found in the value set ${b.valueSet}, and a code ${b.strength === 'required' ? 'is required' : 'should come'} from this value set`,
        el,
      );
    }
  }

  /**
   * A CodeableConcept, Coding or Quantity against its bindings; a CodeableConcept passes when one
   * of its codings is in the set. Returns whether a required binding rejected it.
   */
  checkCoded(value: Json, el: ElementNode, typeCode: string): boolean {
    const tx = this.tx;
    const bindings = el.checkedBindings;
    if (!tx || bindings.length === 0) return false;
    const codings: Json[] =
      typeCode === 'CodeableConcept'
        ? Array.isArray(value.coding)
          ? value.coding.filter(isRecord)
          : []
        : typeCode === 'Coding'
          ? [value]
          : value.code !== undefined
            ? [{ system: value.system, code: value.code }]
            : [];
    if (codings.length === 0) return false;
    let rejected = false;
    for (let i = 0; i < bindings.length; i++) {
      const b = bindings[i] as BindingDef;
      if (this.checkCodings(codings, b, tx, el) && b.strength === 'required') rejected = true;
    }
    return rejected;
  }

  /** Returns whether the binding rejected the codings (and an issue was reported). */
  private checkCodings(
    codings: readonly Json[],
    b: BindingDef,
    tx: TerminologyHook,
    el: ElementNode,
  ): boolean {
    let undecided = false;
    let message: string | undefined;
    for (let i = 0; i < codings.length; i++) {
      const c = codings[i] as Json;
      const system = typeof c.system === 'string' ? c.system : undefined;
      const code = typeof c.code === 'string' ? c.code : undefined;
      const version = typeof c.version === 'string' ? c.version : undefined;
      // A display does not change whether a code is in a value set.
      const memo = this.memoFor(b.valueSet, system);
      const key = version ? `${code ?? ''}|${version}` : (code ?? '');
      let r = memo.get(key);
      if (r === undefined && !memo.has(key)) {
        r = safe(() => tx.validateCode(b.valueSet, { system, code, version }));
        if (memo.size < MEMO_LIMIT) memo.set(key, r);
      }
      if (r === undefined) undecided = true;
      else if (r.valid) return false;
      else message ??= r.message;
    }
    if (undecided) return false;
    const what = codings.length > 1 ? 'None of the codings provided are' : 'The code provided is not';
    const additional = b.additional ? ' (an additional binding)' : '';
    this.report(
      b.strength === 'required' ? 'error' : 'warning',
      `${message ?? `${what} in the value set ${b.valueSet}`}${additional}, and a code ${b.strength === 'required' ? 'from this value set is required' : 'should come from this value set'}`,
      el,
    );
    return true;
  }

  /**
   * A code must exist in its code system when we hold the whole system (or it is UCUM), whatever
   * the binding. `codingIndex` >= 0: the coding at that index of a CodeableConcept.
   * Spec: https://hl7.org/fhir/R4/terminologies.html#4.1
   */
  checkInSystem(value: Json, codingIndex: number): void {
    const tx = this.tx;
    const { system, code } = value;
    if (!tx?.validateCodeInSystem || typeof system !== 'string' || typeof code !== 'string') return;
    const version = typeof value.version === 'string' ? value.version : undefined;
    const memo = this.memoFor('', system);
    const key = version ? `${code}|${version}` : code;
    let r = memo.get(key);
    if (r === undefined && !memo.has(key)) {
      r = safe(() => tx.validateCodeInSystem?.(system, code, undefined, version));
      if (memo.size < MEMO_LIMIT) memo.set(key, r);
    }
    if (!r || r.valid) return;
    const message = r.message ?? `Unknown code '${clip(code)}' in the code system '${clip(system)}'`;
    const part = r.element === 'system' ? '.system' : '.code';
    if (codingIndex >= 0)
      this.report('error', message, undefined, '.coding', indexSegment(codingIndex), part);
    else this.report('error', message, undefined, part);
  }
}
