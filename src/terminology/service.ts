/**
 * The terminology service of the validator: is a code in a value set, is a code a code of its
 * system, and what is its display. Everything is answered in process from the FHIR R4 core
 * terminology, the project's `terminology/` folder and resources added at run time; no network.
 * When an answer needs a code system we do not have (SNOMED CT, LOINC, ...), the answer is
 * `undefined` and the caller decides how to report that.
 *
 * Spec: https://hl7.org/fhir/R4/terminology-service.html ($validate-code semantics)
 */
import { plausibleCode } from './code-syntax.js';
import { findConcept, type IndexedCodeSystem } from './codesystem.js';
import { compileValueSet, type CompiledValueSet, type ExpansionResolver } from './expand.js';
import {
  addToLayers,
  coreTerminology,
  emptyLayers,
  indexedCodeSystem,
  projectTerminology,
  splitCanonical,
  type RawResource,
  type TerminologyLayers,
} from './store.js';
import { isValidUcumCode, ucumDisplay, UCUM_SYSTEM } from './ucum.js';

/**
 * `valid: true` with a `message` means the code is right but its display is not; `display` is
 * then the display the code system gives (report it as a warning at most).
 */
export interface CodeCheck {
  valid: boolean;
  message?: string;
  display?: string;
  /** The part of the coding that is wrong: its `code` (the default) or its `system`. */
  element?: 'code' | 'system';
}

export interface CodingInput {
  system?: string;
  code?: string;
  display?: string;
  version?: string;
}

/**
 * A value set is named by its canonical (`url` or `url|version`) or given as a ValueSet resource
 * (e.g. a contained one, which has no canonical of its own).
 */
export type ValueSetRef = string | Readonly<Record<string, unknown>>;

export interface TerminologyService {
  /** undefined: cannot decide offline (code system not available, e.g. SNOMED CT, LOINC). */
  validateCode(valueSet: ValueSetRef, coding: CodingInput): CodeCheck | undefined;
  /** For a bare `code` element bound to a value set (no system in the instance). */
  validateBareCode(valueSet: ValueSetRef, code: string): CodeCheck | undefined;
  hasValueSet(url: string): boolean;
  addResources(resources: readonly unknown[]): void;
  /**
   * Whether `code` is a code of `system`, without a value set. undefined unless we hold the
   * complete code system (or it is UCUM).
   */
  validateCodeInSystem(
    system: string,
    code: string,
    display?: string,
    version?: string,
  ): CodeCheck | undefined;
  /** Whether we hold the code system (complete, fragment or otherwise), or it is UCUM. */
  hasCodeSystem(system: string): boolean;
  /** The ValueSet resource for a canonical (`url` or `url|version`), as loaded. */
  getValueSet(url: string): Readonly<Record<string, unknown>> | undefined;
  /** The CodeSystem resource for a canonical (`url` or `url|version`), supplements included. */
  getCodeSystem(url: string): Readonly<Record<string, unknown>> | undefined;
}

export interface TerminologyOptions {
  /** FHIR R4 core value sets and code systems (default true). */
  includeCore?: boolean;
  /** The project's own `terminology/` folder (default true). */
  includeProject?: boolean;
  resources?: readonly unknown[];
}

/** Compiled value sets of the shared layers, shared by all instances without additions. */
const sharedCompiled = new Map<string, Map<string, CompiledValueSet | null>>();

export function createTerminologyService(opts: TerminologyOptions = {}): TerminologyService {
  const shared: TerminologyLayers[] = [];
  if (opts.includeProject !== false) shared.push(projectTerminology());
  if (opts.includeCore !== false) shared.push(coreTerminology());
  const overlay = emptyLayers();
  const sharedKey = `${opts.includeProject !== false}|${opts.includeCore !== false}`;
  let compiled = sharedCompiledFor(sharedKey);
  let overlayUsed = false;
  const inProgress = new Set<string>();

  const layers = (): TerminologyLayers[] => (overlayUsed ? [overlay, ...shared] : shared);

  const findValueSet = (canonical: string): RawResource | undefined => {
    const { url, version } = splitCanonical(canonical);
    for (const l of layers()) {
      const vs = l.valueSets.get(url, version);
      if (vs) return vs;
    }
    // A versioned canonical we hold in another version: the value set we have stands in.
    if (version !== undefined) return findValueSet(url);
    return implicitValueSet(url);
  };

  /** A CodeSystem's `valueSet` ("all codes") is a value set even when no ValueSet resource exists. */
  const implicitValueSet = (url: string): RawResource | undefined => {
    for (const l of layers()) {
      for (const versions of l.codeSystems.all()) {
        const cs = versions[0];
        if (cs && cs['valueSet'] === url) {
          return { resourceType: 'ValueSet', url, compose: { include: [{ system: cs['url'] }] } };
        }
      }
    }
    return undefined;
  };

  const findCodeSystem = (url: string, version?: string): IndexedCodeSystem | undefined => {
    for (const l of layers()) {
      const cs =
        l.codeSystems.get(url, version) ?? (version !== undefined ? l.codeSystems.get(url) : undefined);
      if (cs && !isSupplement(cs)) return indexedCodeSystem(cs);
    }
    return undefined;
  };

  /** A supplement adds designations and properties to another code system; it has no codes of its own. */
  const supplementOf = (url: string): string | undefined => {
    for (const l of layers()) {
      const cs = l.codeSystems.get(url);
      if (cs && isSupplement(cs)) return typeof cs['supplements'] === 'string' ? cs['supplements'] : '';
    }
    return undefined;
  };

  /** A code of a system we do not hold: a supplement is no system, and some codes cannot exist. */
  const withoutCodeSystem = (system: string, code: string): CodeCheck | undefined => {
    const base = supplementOf(system);
    if (base !== undefined) {
      return {
        valid: false,
        message: `CodeSystem ${system} is a supplement (of ${base}), so it cannot be used as a code system`,
        element: 'system',
      };
    }
    if (plausibleCode(system, code) === false) {
      return {
        valid: false,
        message: `Unknown code '${code}' in the code system '${system}' (not a valid code of this system)`,
      };
    }
    return undefined;
  };

  const resolver: ExpansionResolver = {
    codeSystem: findCodeSystem,
    valueSet: (canonical) => compiledValueSet(canonical),
  };

  let inline = new WeakMap<object, CompiledValueSet>();

  /** A value set by canonical, or an inline ValueSet resource compiled once per object. */
  function valueSetOf(ref: ValueSetRef): CompiledValueSet | undefined {
    if (typeof ref === 'string') return compiledValueSet(ref);
    let out = inline.get(ref);
    if (!out) {
      out = compileValueSet(ref as RawResource, resolver);
      inline.set(ref, out);
    }
    return out;
  }

  const nameOf = (ref: ValueSetRef): string =>
    typeof ref === 'string'
      ? ref
      : String(ref['url'] ?? (ref['id'] !== undefined ? `#${String(ref['id'])}` : '(inline)'));

  function compiledValueSet(canonical: string): CompiledValueSet | undefined {
    const hit = compiled.get(canonical);
    if (hit !== undefined) return hit ?? undefined;
    // An import cycle: the inner reference cannot be decided.
    if (inProgress.has(canonical)) return undefined;
    const vs = findValueSet(canonical);
    if (!vs) {
      compiled.set(canonical, null);
      return undefined;
    }
    inProgress.add(canonical);
    try {
      const out = compileValueSet(vs, resolver);
      compiled.set(canonical, out);
      return out;
    } finally {
      inProgress.delete(canonical);
    }
  }

  const service: TerminologyService = {
    validateCode(valueSetRef, coding) {
      const vs = valueSetOf(valueSetRef);
      if (!vs || typeof coding.code !== 'string') return undefined;
      if (coding.system === undefined) return service.validateBareCode(valueSetRef, coding.code);
      const inSystem = service.validateCodeInSystem(
        coding.system,
        coding.code,
        coding.display,
        coding.version,
      );
      if (inSystem && !inSystem.valid) return inSystem;
      const member = vs.test(coding.system, coding.code);
      if (member === undefined) return undefined;
      if (!member) {
        return {
          valid: false,
          message: `code '${coding.code}' of system '${coding.system}' is not in value set ${nameOf(valueSetRef)}`,
        };
      }
      return inSystem ?? displayCheck(coding, vs.displays(coding.system, coding.code));
    },

    validateBareCode(valueSetRef, code) {
      const vs = valueSetOf(valueSetRef);
      if (!vs) return undefined;
      let unknown = vs.open;
      for (const system of vs.systems) {
        const member = vs.test(system, code);
        if (member === true) return { valid: true };
        if (member === undefined) unknown = true;
      }
      if (unknown) return undefined;
      return { valid: false, message: `code '${code}' is not in value set ${nameOf(valueSetRef)}` };
    },

    validateCodeInSystem(system, code, display, version) {
      if (system === UCUM_SYSTEM) return ucumCheck(code, display);
      const cs = findCodeSystem(system, version);
      if (!cs) return withoutCodeSystem(system, code);
      const concept = findConcept(cs, code);
      if (!concept) {
        // A stub of a large system (content not-present, e.g. SNOMED CT in the core) knows no codes.
        if (cs.content !== 'complete') return withoutCodeSystem(system, code);
        return { valid: false, message: `Unknown code '${code}' in the code system '${system}'` };
      }
      const displays = [concept.display, ...concept.designations].filter((d): d is string => d !== undefined);
      const check = displayCheck({ system, code, display }, displays);
      // Codes are case-sensitive unless the system says otherwise; a case-only difference is allowed then.
      return concept.code === code ? check : { ...check, display: concept.display };
    },

    hasValueSet(url) {
      return findValueSet(url) !== undefined;
    },

    hasCodeSystem(system) {
      return system === UCUM_SYSTEM || findCodeSystem(system) !== undefined;
    },

    getValueSet(url) {
      return findValueSet(url);
    },

    getCodeSystem(canonical) {
      const { url, version } = splitCanonical(canonical);
      for (const l of layers()) {
        const cs = l.codeSystems.get(url, version);
        if (cs) return cs;
      }
      return undefined;
    },

    addResources(resources) {
      if (addToLayers(overlay, resources) === 0) return;
      overlayUsed = true;
      // What a value set means may change with any addition: recompile on demand.
      compiled = new Map();
      inline = new WeakMap();
    },
  };
  if (opts.resources) service.addResources(opts.resources);
  return service;
}

/** Spec: https://hl7.org/fhir/R4/codesystem-definitions.html#CodeSystem.supplements */
function isSupplement(cs: RawResource): boolean {
  return cs['content'] === 'supplement' || typeof cs['supplements'] === 'string';
}

function sharedCompiledFor(key: string): Map<string, CompiledValueSet | null> {
  let map = sharedCompiled.get(key);
  if (!map) {
    map = new Map();
    sharedCompiled.set(key, map);
  }
  return map;
}

/** A wrong display is not a wrong code: valid, with a message the caller reports as a warning. */
function displayCheck(coding: CodingInput, displays: readonly string[]): CodeCheck {
  const given = coding.display;
  if (given === undefined || displays.length === 0) return { valid: true };
  const norm = (s: string): string => s.trim().replace(/\s+/g, ' ').toLowerCase();
  if (displays.some((d) => norm(d) === norm(given))) return { valid: true };
  const expected = displays[0] as string;
  return {
    valid: true,
    display: expected,
    message: `Wrong display '${given}' for ${coding.system ?? ''}#${coding.code ?? ''}: should be '${expected}'`,
  };
}

function ucumCheck(code: string, display: string | undefined): CodeCheck {
  if (!isValidUcumCode(code)) {
    return { valid: false, message: `'${code}' is not a valid UCUM unit code` };
  }
  const name = ucumDisplay(code);
  return display === undefined || name === undefined ? { valid: true } : { valid: true, display: name };
}
