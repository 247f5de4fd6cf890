/**
 * The instance walker: one pass over a resource per profile, driven by the compiled element trees.
 * Every JSON property is looked up among the child slots of its element (unknown properties are
 * reported), arrays and single values are checked against the definition, primitives against
 * their type, complex values recursively; then cardinality, slicing, fixed/pattern values,
 * bindings, invariants, references and extensions. Nested resources (contained, Bundle entries,
 * Parameters) are validated as resources against their own type and meta.profile.
 *
 * Paths are kept as a stack of segments and joined only when an issue is reported.
 * Spec: https://hl7.org/fhir/R4/validation.html
 */
import type { OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { OVERDRACHT_ISSUE_SYSTEM, type IssueCode, type Severity } from '../fhir/outcomes.js';
import { validateBundleRules } from './bundle.js';
import {
  recentSlot,
  type ChildSlot,
  type Compiler,
  type RequiredChild,
  type SlotMap,
} from './compile/compiler.js';
import { compiledFor, touches, type PreparedConstraint } from './compile/constraints.js';
import { LiteBail } from './compile/fhirpath-lite.js';
import type { CompiledTree, Discriminator, ElementNode, TypeRef } from './compile/element-tree.js';
import type { InvariantContextInput, SemanticHooks } from './compile/hooks.js';
import { checkResourceId, clip, primitiveCheck } from './compile/primitives.js';
import { isExampleUrl } from './compile/content-rules.js';
import { vitalSignsProfile } from './compile/implied-profiles.js';
import { checkStructureDefinition } from './compile/sd-checks.js';
import { checkIdentifierRules } from './compile/project-rules.js';
import { extensionUrlOf, matchesSlice, type SliceEnv } from './compile/slicing.js';
import { describeValue, fixedMismatches, matchesPattern } from './compile/values.js';
import {
  addLink,
  type BundleIndex,
  indexBundle,
  parseReference,
  type PendingTarget,
  resolveContained,
  resolveInBundle,
  resolveInParameters,
} from './references.js';
import { typeUrl, unversioned } from './registry.js';
import { IssueSink, PathStack, indexSegment } from './walk/context.js';
import {
  baseSource,
  constraintSource,
  elementSource,
  type IssueSource,
  type RuleAspect,
} from './issue-source.js';
import { CodeChecks, type CodeMemo } from './walk/terminology.js';
import { isAbsoluteUrl, ValueRules } from './walk/values.js';
import { isRecord } from '../fhir/records.js';

type Json = Record<string, unknown>;

const UCUM = 'http://unitsofmeasure.org';
/** The project's rules on Dutch identifiers (BSN, AGB) apply wherever an Identifier occurs. */
const PROJECT_IDENTIFIER_RULES: IssueSource = { definition: OVERDRACHT_ISSUE_SYSTEM };
/** ele-1 is checked inline for every element (see walkComplex). */
const ELE_1_SOURCE: IssueSource = { definition: typeUrl('Element'), element: 'Element' };
const NO_PROFILES: readonly string[] = Object.freeze([]);

/** Beyond this depth the walker stops descending (hostile input must not exhaust the stack). */
const MAX_DEPTH = 128;

interface ResourceFrame {
  readonly resource: Json;
  /** The outermost resource containing `resource` through `contained` (itself otherwise). */
  readonly root: Json;
  readonly fullUrl: string | undefined;
  readonly bundle: BundleIndex | undefined;
  /** The Bundle entry resource this resource is (or is contained in), for the Bundle's link graph. */
  readonly entry: Json | undefined;
  /** The nearest Parameters resource this resource is a parameter of (or is itself). */
  readonly parameters: Json | undefined;
}

/** The options of a validation that change what is checked (ValidateOptions in index.ts explains each). */
export interface WalkOptions {
  readonly securityChecks: boolean;
  readonly noHtmlInMarkdown: boolean;
  readonly allowExampleUrls: boolean;
  readonly validateContained: boolean;
  readonly referencesMustResolve: boolean;
  readonly issueSource: boolean;
}

export interface WalkEnv {
  readonly compiler: Compiler;
  readonly hooks: SemanticHooks;
  /** Questionnaires known to the validator, by canonical URL. */
  questionnaire(url: string): Json | undefined;
  /** Profiles every resource of a type must conform to (ImplementationGuide.global). */
  globalProfiles(resourceType: string): readonly string[];
  /** Terminology answers already given, kept by the validator and cleared when definitions change. */
  readonly codeMemo: CodeMemo;
}

const DEFAULT_OPTIONS: WalkOptions = {
  securityChecks: false,
  noHtmlInMarkdown: false,
  allowExampleUrls: true,
  validateContained: true,
  referencesMustResolve: false,
  issueSource: false,
};

/**
 * Extension URLs the HL7 validator accepts without a definition: tooling domains, and example
 * domains while examples are allowed.
 */
function unknownExtensionAllowed(url: string, allowExamples: boolean): boolean {
  return (
    (allowExamples && isExampleUrl(url)) ||
    NEMA.test(url) ||
    url.startsWith('http://hl7.org/fhir/tools/StructureDefinition/')
  );
}

const NEMA = /^https?:\/\/([a-z0-9-]+\.)*nema\.org(\/|$)/i;

/**
 * The type of a resource as the walk of its tree sees it, one object per resource type: compiled
 * caches keyed by the type object (an element's last invariant list) then hit from run to run.
 */
const resourceTypeRefs = new Map<string, TypeRef>();

function resourceTypeRef(rt: string): TypeRef {
  let t = resourceTypeRefs.get(rt);
  if (!t) {
    t = { code: rt, profiles: [], targetProfiles: [], primitive: false, resource: false };
    resourceTypeRefs.set(rt, t);
  }
  return t;
}

/**
 * One walker serves every validation of a validator (`begin` resets it), so that the objects its
 * hot methods call and compare against stay the same from run to run: optimised code that embeds
 * an object of one run would be thrown away once that object is collected.
 */
export class Walker {
  sink = new IssueSink();
  /** Set when a value was walked against more than one definition (duplicates are then possible). */
  multiWalk = false;
  private readonly path = new PathStack();
  private frame: ResourceFrame | undefined;
  private depth = 0;
  /** The object whose properties are being walked (for the fullUrl of a Bundle entry). */
  private parentObject: Json | undefined;
  /** Where an extension sits: the element path and type of its parent, for context checks. */
  private extContextPath = '';
  private extContextType = '';
  /** The base definition's path of the element holding extensions (`HumanName.family` for `Patient.name.family`). */
  private extContextBase: string | undefined;
  private readonly sliceEnv: SliceEnv;
  /** The options of the current validation. */
  private options = DEFAULT_OPTIONS;
  /** Whether any option checks the content of text values (see ValueRules.text). */
  private textOptions = false;
  /** Sub-validation verdicts of the current validation: value -> profile -> conforms. */
  private readonly conformance = new Map<object, Map<string, boolean>>();

  private readonly resourceTypes: ReadonlySet<string>;
  /** Codes against value sets and code systems. */
  private readonly codes: CodeChecks;
  /** Rules on single values (see walk/values.ts). */
  private readonly values: ValueRules;

  /** Callbacks made once per walker (closures made per value cost measurable time). */
  private readonly isType: (name: string) => boolean;
  private readonly reportIdentifier: (
    severity: Severity,
    message: string,
    rel: string,
    detail: string,
  ) => void;

  constructor(private readonly env: WalkEnv) {
    this.resourceTypes = env.compiler.registry.resourceTypes;
    this.codes = new CodeChecks(env.hooks.terminology, env.codeMemo, (severity, message, bound, ...rel) => {
      const size = this.path.size;
      for (const seg of rel) this.path.push(seg);
      if (bound) this.reportEl(bound, 'binding', severity, 'code-invalid', message);
      else this.report(severity, 'code-invalid', message);
      this.path.reset(size);
    });
    this.values = new ValueRules(env.compiler, this.codes, (severity, code, message, el, aspect) => {
      if (el) this.reportEl(el, aspect ?? 'own', severity, code, message);
      else this.report(severity, code, message);
    });
    const types = this.resourceTypes;
    this.isType = (name) => types.has(name);
    this.reportIdentifier = (severity, message, rel, detail) => {
      const size = this.path.size;
      if (rel) this.path.push(rel);
      this.report(severity, 'value', message, detail, PROJECT_IDENTIFIER_RULES);
      this.path.reset(size);
    };
    this.sliceEnv = {
      compiler: env.compiler,
      conforms: (value, typeCode, profile) => this.conforms(value, typeCode, profile),
      resolve: (ref) => this.resolveReferenceValue(ref),
    };
  }

  /** Starts a validation: forgets everything about the previous one. */
  begin(options: WalkOptions): void {
    this.sink = new IssueSink(options.issueSource);
    this.codes.reset();
    this.multiWalk = false;
    this.path.reset(0);
    this.depth = 0;
    this.options = options;
    this.textOptions = options.securityChecks || options.noHtmlInMarkdown || !options.allowExampleUrls;
    this.end();
  }

  /** Ends a validation: lets go of the content it walked. */
  end(): void {
    this.frame = undefined;
    this.parentObject = undefined;
    this.extContextPath = '';
    this.extContextType = '';
    if (this.conformance.size > 0) this.conformance.clear();
    this.ctx = undefined;
    this.ctxFrame = null;
  }

  /**
   * An issue at the current path. Its source (with ValidateOptions.issueSource) is the given one,
   * else the base definition of the type being walked: rules of FHIR itself.
   */
  private report(
    severity: Severity,
    code: IssueCode,
    message: string,
    detailCode?: string,
    source?: IssueSource,
  ): void {
    const src = this.sink.sources ? (source ?? baseSource(this.extContextPath)) : undefined;
    this.sink.add(severity, code, message, this.path.toString(), detailCode, src);
  }

  /** An issue about a rule of an element definition (see elementSource for whose rule it is). */
  private reportEl(
    el: ElementNode,
    aspect: RuleAspect,
    severity: Severity,
    code: IssueCode,
    message: string,
  ): void {
    const src = this.sink.sources ? elementSource(el, aspect, this.env.compiler) : undefined;
    this.report(severity, code, message, undefined, src);
  }

  /** An issue about a rule of a whole definition (a profile, an extension definition). */
  private reportDef(url: string, severity: Severity, code: IssueCode, message: string): void {
    this.report(severity, code, message, undefined, { definition: unversioned(url) });
  }

  private isResourceType(name: string): boolean {
    return this.resourceTypes.has(name);
  }

  /** Validates a top-level resource against its type, its meta.profile and `profiles`. */
  validateRoot(resource: unknown, profiles: readonly string[]): void {
    if (!isRecord(resource)) {
      this.report(
        'fatal',
        'structure',
        'The content is not a FHIR resource: a JSON object with a resourceType is required',
      );
      return;
    }
    const rt = resource.resourceType;
    if (typeof rt !== 'string' || !this.isResourceType(rt) || rt === 'Resource' || rt === 'DomainResource') {
      this.report(
        'fatal',
        'structure',
        typeof rt === 'string' ? `Unknown resource type '${clip(rt)}'` : 'The resource has no resourceType',
      );
      return;
    }
    this.path.push(rt);
    this.validateResource(resource, profiles, 'root');
    this.path.pop();
  }

  private validateResource(
    res: Json,
    extraProfiles: readonly string[],
    kind: 'root' | 'contained' | 'entry',
  ): void {
    const rt = res.resourceType as string;
    const saved = this.frame;
    const fullUrl =
      kind === 'entry' && this.parentObject && typeof this.parentObject.fullUrl === 'string'
        ? this.parentObject.fullUrl
        : undefined;
    this.frame = {
      resource: res,
      root: kind === 'contained' && saved ? saved.root : res,
      fullUrl: kind === 'contained' ? saved?.fullUrl : fullUrl,
      bundle: rt === 'Bundle' ? indexBundle(res) : saved?.bundle,
      entry: rt === 'Bundle' ? undefined : kind === 'entry' ? res : saved?.entry,
      parameters: rt === 'Parameters' ? res : saved?.parameters,
    };
    const savedParent = this.parentObject;
    try {
      const trees = this.profilesFor(res, rt, extraProfiles);
      if (trees.length > 1) this.multiWalk = true;
      const errorsBefore = this.sink.errors;
      for (const tree of trees) {
        this.walkComplex(res, tree.root, resourceTypeRef(rt), true);
        this.checkConstraints(res, tree.root, undefined);
      }
      // What the walk found also answers "does this resource conform to these profiles?" for
      // references that require one of them (see checkTargetProfiles).
      this.recordConformance(res, trees, this.sink.errors === errorsBefore);
      if (rt === 'Bundle' && this.frame.bundle?.pendingTargets)
        this.checkPendingTargets(this.frame.bundle.pendingTargets);
      this.checkResourceSpecifics(res, rt, kind);
    } finally {
      this.frame = saved;
      this.parentObject = savedParent;
    }
  }

  /** The trees to walk: the base type (unless a profile of the same type covers it) and each profile. */
  private profilesFor(res: Json, rt: string, extra: readonly string[]): readonly CompiledTree[] {
    const meta = isRecord(res.meta) ? res.meta : undefined;
    const implied = this.impliedProfiles(res, rt);
    if (
      extra.length === 0 &&
      implied.length === 0 &&
      !(meta && Array.isArray(meta.profile) && meta.profile.length > 0)
    ) {
      return this.env.compiler.baseTrees(rt);
    }
    const urls: { url: string; explicit: boolean }[] = [];
    if (meta && Array.isArray(meta.profile)) {
      for (const p of meta.profile) if (typeof p === 'string') urls.push({ url: p, explicit: false });
    }
    for (const p of extra) urls.push({ url: p, explicit: true });
    for (const p of implied) urls.push({ url: p, explicit: false });
    const trees: CompiledTree[] = [];
    let coversBase = false;
    const seen = new Set<string>();
    for (const { url, explicit } of urls) {
      if (seen.has(url)) continue;
      seen.add(url);
      const tree = this.env.compiler.tree(url);
      if (!tree) {
        const problem = this.env.compiler.registry.snapshotProblem(url);
        if (problem) this.reportDef(url, 'error', 'processing', `Profile ${url} cannot be used: ${problem}`);
        else if (explicit)
          this.reportDef(
            url,

            'error',
            'not-found',
            `Profile ${url} is unknown, so the resource could not be validated against it`,
          );
        else
          this.reportDef(
            url,

            'warning',
            'not-found',
            `Profile reference '${url}' has not been checked because it is unknown`,
          );
        continue;
      }
      if (tree.sd.type !== rt) {
        this.reportDef(
          url,
          'error',
          'invalid',
          `Profile ${url} is for the type ${tree.sd.type ?? '?'}, not ${rt}`,
        );
        continue;
      }
      if (tree.sd.derivation === 'constraint') coversBase = true;
      trees.push(tree);
    }
    if (!coversBase) {
      const base = this.env.compiler.typeTree(rt);
      if (base) trees.unshift(base);
    }
    return trees;
  }

  /** Profiles that apply without being claimed (vital signs, ImplementationGuide.global). */
  private impliedProfiles(res: Json, rt: string): readonly string[] {
    const global = this.env.globalProfiles(rt);
    const vital = rt === 'Observation' ? vitalSignsProfile(res) : undefined;
    return vital ? [...global, vital] : global;
  }

  private checkResourceSpecifics(res: Json, rt: string, kind: 'root' | 'contained' | 'entry'): void {
    if (typeof res.id === 'string') {
      const problem = checkResourceId(res.id);
      if (problem) {
        this.path.push('.id');
        this.report('error', 'invalid', problem, undefined, baseSource(`${rt}.id`));
        this.path.pop();
      }
    } else if (kind === 'contained') {
      this.report('error', 'required', 'Contained resources SHALL have an id', undefined, baseSource(rt));
    }
    if (rt === 'Bundle' && this.frame?.bundle) {
      validateBundleRules(
        res,
        this.frame.bundle,
        (severity, code, message, relPath) => {
          const size = this.path.size;
          if (relPath) this.path.push(relPath);
          this.report(severity, code, message, undefined, baseSource('Bundle'));
          this.path.reset(size);
        },
        (name) => this.isResourceType(name),
      );
    }
    if (rt === 'QuestionnaireResponse') this.checkQuestionnaireResponse(res);
    const rules = this.env.hooks.resourceRules;
    if (rules && (this.env.hooks.resourceRuleTypes?.has(rt) ?? true))
      this.addHookIssues(() => rules(res, this.path.toString()));
    if (rt === 'StructureDefinition') {
      const registry = this.env.compiler.registry;
      checkStructureDefinition(
        res as unknown as StructureDefinition,
        (u) => registry.get(u),
        (severity, message, rel) => {
          const size = this.path.size;
          if (rel) this.path.push(rel);
          this.report(severity, 'invalid', message, undefined, baseSource('StructureDefinition'));
          this.path.reset(size);
        },
      );
    }
    this.checkCanonicalUrl(res, rt, kind);
  }

  /**
   * The canonical URL of a conformance resource is absolute (or, contained, absent).
   * Spec: https://hl7.org/fhir/R4/resource.html#canonical
   */
  private checkCanonicalUrl(res: Json, rt: string, kind: 'root' | 'contained' | 'entry'): void {
    const url = res.url;
    if (typeof url !== 'string' || isAbsoluteUrl(url)) return;
    if (this.env.compiler.typeTree(rt)?.root.child('url')?.types[0]?.code !== 'uri') return;
    this.path.push('.url');
    this.report(
      'error',
      'invalid',
      kind === 'contained'
        ? `Canonical URLs in contained resources must be absolute URLs if present (${clip(url)})`
        : `Canonical URLs must be absolute URLs if they are not fragment references (${clip(url)})`,
      undefined,
      baseSource(`${rt}.url`),
    );
    this.path.pop();
  }

  private checkQuestionnaireResponse(qr: Json): void {
    const hook = this.env.hooks.questionnaire;
    const ref = qr.questionnaire;
    if (!hook || typeof ref !== 'string') return;
    const q = ref.startsWith('#')
      ? resolveContained(qr, ref.slice(1))
      : (this.env.questionnaire(ref) ?? this.questionnaireInBundle(ref));
    if (!q) {
      this.path.push('.questionnaire');
      this.report(
        'warning',
        'not-found',
        `The questionnaire '${ref}' could not be resolved, so the answers cannot be checked against it`,
      );
      this.path.pop();
      return;
    }
    const basePath = this.path.toString();
    this.addHookIssues(() => hook(qr, q, basePath));
  }

  /** A Questionnaire in the Bundle being walked, by its canonical URL (with or without version). */
  private questionnaireInBundle(ref: string): Json | undefined {
    const bundle = this.frame?.bundle?.bundle;
    if (!bundle || !Array.isArray(bundle.entry)) return undefined;
    const [url, version] = ref.split('|');
    for (const e of bundle.entry) {
      const r = isRecord(e) ? e.resource : undefined;
      if (!isRecord(r) || r.resourceType !== 'Questionnaire' || r.url !== url) continue;
      if (version === undefined || r.version === version) return r;
    }
    return undefined;
  }

  /** Issues found by a semantic module; a failure there is reported, never thrown. */
  private addHookIssues(run: () => readonly OperationOutcomeIssue[]): void {
    try {
      for (const i of run()) {
        this.sink.issues.push(i);
        if (i.severity === 'error' || i.severity === 'fatal') this.sink.errors++;
      }
    } catch {
      this.report(
        'error',
        'exception',
        'Part of the content could not be checked (internal error in a semantic check)',
      );
    }
  }

  /** Walks the properties of a JSON object against the child slots of `node` (of `type`). */
  private walkComplex(
    obj: Json,
    node: ElementNode,
    type: TypeRef | undefined,
    resourceRoot: boolean,
    primitiveValue = false,
  ): void {
    if (this.depth >= MAX_DEPTH) {
      this.report(
        'error',
        'too-costly',
        `The content is nested more than ${MAX_DEPTH} levels deep; deeper content was not checked`,
      );
      return;
    }
    // No try/finally: an exception abandons the whole walk (validate() answers for it).
    this.depth++;
    const savedParent = this.parentObject;
    const savedCtxPath = this.extContextPath;
    const savedCtxType = this.extContextType;
    const savedCtxBase = this.extContextBase;
    this.parentObject = obj;
    this.extContextPath = node.path;
    this.extContextType = type?.code ?? '';
    this.extContextBase = node.basePath;
    {
      const slots = this.env.compiler.slots(node, type);
      let choiceSeen: ElementNode[] | undefined;
      let content = resourceRoot || primitiveValue;
      let at = 0;
      for (const key in obj) {
        const position = at++;
        if (key !== 'id') content = true;
        if (resourceRoot && key === 'resourceType') continue;
        const slot = recentSlot(slots, key, position);
        if (!slot) {
          this.reportUnknown(key, obj[key], slots);
          continue;
        }
        if (slot.choice && !slot.extPart) {
          choiceSeen ??= [];
          if (choiceSeen.includes(slot.base)) {
            this.report(
              'error',
              'structure',
              `Only one of the choices of ${slot.base.name} may be present (found ${key} as well)`,
            );
          }
          choiceSeen.push(slot.base);
        }
        if (slot.extPart) {
          if (obj[slot.jsonName] === undefined) this.walkProperty(slot, undefined, obj[key]);
          continue;
        }
        this.walkProperty(slot, obj[key], slot.extKey !== undefined ? obj[slot.extKey] : undefined);
      }
      this.checkRequired(obj, slots);
      // ele-1 (https://hl7.org/fhir/R4/element.html#invs), checked here for every element.
      if (!content)
        this.report(
          'error',
          'invariant',
          "Constraint failed: ele-1: 'All FHIR elements must have a @value or children'",
          undefined,
          ELE_1_SOURCE,
        );
    }
    this.depth--;
    this.parentObject = savedParent;
    this.extContextPath = savedCtxPath;
    this.extContextType = savedCtxType;
    this.extContextBase = savedCtxBase;
  }

  private reportUnknown(key: string, value: unknown, slots: SlotMap): void {
    if (key.startsWith('_') && slots.byName.has(key.slice(1))) {
      this.report(
        'error',
        'structure',
        `The property '${key}' is not allowed: '${key.slice(1)}' is not a primitive element`,
      );
      return;
    }
    if (value === undefined) return;
    this.report('error', 'structure', `Unrecognized property '${clip(key)}'`);
  }

  private checkRequired(obj: Json, slots: SlotMap): void {
    const required = slots.required;
    for (let k = 0; k < required.length; k++) {
      const r = required[k] as RequiredChild;
      let found = 0;
      for (let i = 0; i < r.names.length; i++)
        found += countOf(obj[r.names[i] as string], obj[r.extNames[i] as string]);
      if (found < r.element.min) {
        this.reportEl(
          r.element,
          'min',
          'error',
          'required',
          `${r.element.path}: minimum required = ${r.element.min}, but only found ${found} (from ${r.element.profile})`,
        );
      }
      if (found === 0) {
        for (const s of r.element.slices) {
          if (s.min > 0)
            this.reportEl(
              s,
              'own',
              'error',
              'required',
              `Slice '${s.id}': a matching slice is required, but not found (from ${s.profile})`,
            );
        }
      }
    }
  }

  /** One JSON property (its value and, for primitives, its `_name` part). */
  private walkProperty(slot: ChildSlot, raw: unknown, ext: unknown): void {
    const el = slot.element;
    const isArray = slot.base.isArray;
    // The common case, one value where one is expected, without wrapping it in an array.
    if (!isArray && !Array.isArray(raw) && !Array.isArray(ext) && !slot.base.slicing) {
      if (el.max < 1 || slot.base.max < 1) {
        this.reportEl(
          el.max < 1 ? el : slot.base,
          'max',
          'error',
          'structure',
          `${el.path}: max allowed = 0, but found 1 (from ${el.profile})`,
        );
      }
      this.path.push(slot.segment);
      this.walkItem(raw, ext, el, slot.type);
      this.path.pop();
      return;
    }
    const items = this.shapeItems(slot, raw, isArray, false);
    const extItems = ext === undefined ? undefined : this.shapeItems(slot, ext, isArray, true);
    const count = Math.max(items.length, extItems?.length ?? 0);
    const max = Math.min(slot.base.max, el.max);
    if (count > max) {
      this.reportEl(
        el.max <= slot.base.max ? el : slot.base,
        'max',
        'error',
        'structure',
        `${el.path}: max allowed = ${max}, but found ${count} (from ${el.profile})`,
      );
    }
    this.path.push(slot.segment);
    try {
      if (
        slot.base.slicing &&
        (slot.base.slices.length > 0 || slot.base.slicing.rules === 'closed') &&
        !slot.choice
      ) {
        this.walkSliced(slot, items, extItems, isArray);
        return;
      }
      for (let i = 0; i < count; i++) {
        if (isArray) this.path.push(indexSegment(i));
        this.walkItem(items[i], extItems?.[i], el, slot.type);
        if (isArray) this.path.pop();
      }
    } finally {
      this.path.pop();
    }
  }

  /** Checks array-ness of a property; returns its items. */
  private shapeItems(slot: ChildSlot, raw: unknown, isArray: boolean, extPart: boolean): unknown[] {
    const name = extPart ? '_' + slot.jsonName : slot.jsonName;
    if (raw === undefined) return [];
    if (isArray) {
      if (!Array.isArray(raw)) {
        this.path.push('.' + name);
        this.report(
          'error',
          'structure',
          `The property ${name} must be a JSON Array, not ${jsonKind(raw)} (at ${this.path.toString()})`,
        );
        this.path.pop();
        return [raw];
      }
      if (raw.length === 0) {
        this.path.push('.' + name);
        this.report(
          'error',
          'structure',
          'Array cannot be empty - the property should not be present if it has no values',
        );
        this.path.pop();
      }
      return raw;
    }
    if (Array.isArray(raw)) {
      this.path.push('.' + name);
      this.report(
        'error',
        'structure',
        `The property ${name} must be ${slot.type?.primitive && !extPart ? 'a JSON primitive' : 'a JSON Object'}, not an array`,
      );
      this.path.pop();
      return raw;
    }
    return [raw];
  }

  /** One value of an element. */
  private walkItem(value: unknown, ext: unknown, el: ElementNode, type: TypeRef | undefined): void {
    if (type?.primitive) {
      this.walkPrimitive(value, ext, el, type);
      return;
    }
    if (value === null || value === undefined) {
      this.report('error', 'structure', 'Null values are not allowed here');
      return;
    }
    if (type?.resource) {
      this.walkNestedResource(value, el, type);
      return;
    }
    if (!isRecord(value)) {
      this.report('error', 'structure', `The value must be a JSON object, not ${jsonKind(value)}`);
      return;
    }
    if (type?.code === 'Extension') {
      this.walkExtension(value, el, type);
    } else {
      this.walkComplex(value, el, type, false);
      this.walkTypeProfiles(value, el, type);
    }
    this.checkConstraints(value, el, type);
    this.checkFixedPattern(value, el);
    if (type) this.checkTypeRules(value, el, type);
  }

  /** A profile on the type (e.g. SimpleQuantity) applies in addition to an unfolded element. */
  private walkTypeProfiles(value: Json, el: ElementNode, type: TypeRef | undefined): void {
    if (!type || type.profiles.length === 0) return;
    if (type.profiles.length === 1) {
      if (el.children.length === 0) return; // the profile's tree was already the one walked
      const tree = this.env.compiler.tree(type.profiles[0] ?? '');
      if (tree) {
        this.multiWalk = true;
        this.walkComplex(value, tree.root, type, false);
        this.checkConstraints(value, tree.root, undefined);
      }
      return;
    }
    if (!type.profiles.some((p) => this.conforms(value, type.code, p))) {
      this.reportEl(
        el,
        'types',
        'error',
        'structure',
        `The value does not conform to any of the profiles ${type.profiles.join(', ')}`,
      );
    }
  }

  private walkPrimitive(value: unknown, ext: unknown, el: ElementNode, type: TypeRef): void {
    if (value !== undefined && value !== null) {
      const problem = (type.check ?? primitiveCheck(type.code))(value);
      if (problem) {
        this.report(
          'error',
          typeof value === typeof '' || typeof value === 'number' || typeof value === 'boolean'
            ? 'invalid'
            : 'structure',
          problem,
          undefined,
          this.sink.sources ? { definition: typeUrl(type.code), element: `${type.code}.value` } : undefined,
        );
      } else {
        if (el.hasValueRules || type.code === 'canonical' || type.code === 'xhtml')
          this.values.primitive(value as string | number | boolean, el, type, this.frame?.resource);
        if (this.textOptions && typeof value === 'string') this.values.text(value, type.code, this.options);
      }
    } else if (value === null && (ext === undefined || ext === null)) {
      this.report('error', 'structure', 'Null values are not allowed here');
    }
    if (ext !== undefined && ext !== null) {
      if (!isRecord(ext)) {
        this.report(
          'error',
          'structure',
          `The primitive extension part must be a JSON object, not ${jsonKind(ext)}`,
        );
      } else {
        this.walkComplex(ext, el, type, false, value !== undefined && value !== null);
        if (value === undefined || value === null) {
          if (el.fixed || el.pattern)
            this.reportEl(
              el,
              'own',
              'error',
              'value',
              `The element has no value but the profile requires ${describeValue((el.fixed ?? el.pattern)?.value)}`,
            );
        }
      }
    }
    if (el.constraints.length > 1 && value !== undefined && value !== null)
      this.checkConstraints(value, el, undefined);
  }

  private walkNestedResource(value: unknown, el: ElementNode, type: TypeRef): void {
    if (!isRecord(value)) {
      this.report('error', 'structure', `A resource must be a JSON object, not ${jsonKind(value)}`);
      return;
    }
    const rt = value.resourceType;
    if (typeof rt !== 'string' || !this.isResourceType(rt) || rt === 'Resource' || rt === 'DomainResource') {
      this.report(
        'error',
        'structure',
        typeof rt === 'string' ? `Unknown resource type '${clip(rt)}'` : 'The resource has no resourceType',
      );
      return;
    }
    let anyType = false;
    let domain = false;
    let listed = false;
    let profiles: readonly string[] = NO_PROFILES;
    for (const t of el.types) {
      if (t.code === 'Resource') anyType = true;
      else if (t.code === 'DomainResource') domain = true;
      else if (t.code !== rt) continue;
      else listed = true;
      if (t.profiles.length > 0) profiles = profiles.length === 0 ? t.profiles : [...profiles, ...t.profiles];
    }
    if (!anyType && !listed && !(domain && rt !== 'Bundle' && rt !== 'Parameters' && rt !== 'Binary')) {
      this.reportEl(
        el,
        'types',
        'error',
        'structure',
        `A resource of type ${rt} is not allowed here (allowed: ${el.types.map((t) => t.code).join(', ')})`,
      );
      return;
    }
    const kind = el.path.endsWith('.contained') ? 'contained' : 'entry';
    if (kind === 'contained' && !this.options.validateContained) return;
    this.validateResource(value, profiles.length > 0 ? profiles : type.profiles, kind);
  }

  /** Extensions: the definition comes from the slice's type profile or from the url. */
  private walkExtension(ext: Json, el: ElementNode, type: TypeRef): void {
    const url = ext.url;
    const profile = type.profiles[0];
    if (el.children.length > 0) {
      this.multiWalk = true;
      this.walkComplex(ext, el, type, false);
    }
    if (profile) {
      const tree = this.env.compiler.tree(profile);
      if (tree) {
        if (el.children.length === 0) this.walkComplex(ext, tree.root, type, false);
        this.checkConstraints(ext, tree.root, undefined);
        return;
      }
    }
    if (typeof url !== 'string') {
      if (el.children.length === 0) this.walkComplex(ext, el, type, false);
      this.report(
        'error',
        'structure',
        'Extension.url is required in order to identify, use and validate the extension',
      );
      return;
    }
    const bar = url.indexOf('|');
    const tree = isAbsoluteUrl(url) ? this.env.compiler.tree(unversioned(url)) : undefined;
    if (bar >= 0) {
      this.report('error', 'invalid', `The extension URL must not contain a version (${clip(url)})`);
    }
    if (!tree) {
      if (el.children.length === 0) this.walkComplex(ext, el, type, false);
      if (!this.isNestedExtension(el) || isAbsoluteUrl(url)) {
        if (unknownExtensionAllowed(url, this.options.allowExampleUrls)) {
          this.report(
            'information',
            'informational',
            `The extension ${clip(url)} is unknown, and not validated`,
          );
        } else {
          this.report(
            'error',
            'structure',
            `The extension ${clip(url)} could not be found so is not allowed here`,
          );
        }
      }
      return;
    }
    if (tree.sd.type !== 'Extension') {
      this.reportDef(
        url,

        'error',
        'structure',
        `The URL ${clip(url)} identifies a ${tree.sd.type ?? '?'} definition, not an extension`,
      );
      return;
    }
    if (el.children.length === 0) this.walkComplex(ext, tree.root, type, false);
    this.checkConstraints(ext, tree.root, undefined);
    this.checkExtensionContext(url, tree.sd.context ?? [], el);
    const isModifierExt = el.name === 'modifierExtension';
    const definedAsModifier = tree.root.isModifier || (tree.sd.snapshot?.element?.[0]?.isModifier ?? false);
    if (isModifierExt && !definedAsModifier) {
      this.reportDef(
        url,

        'error',
        'structure',
        `The extension ${clip(url)} is not a modifier extension, but is used as a modifierExtension`,
      );
    } else if (!isModifierExt && definedAsModifier) {
      this.reportDef(
        url,

        'error',
        'structure',
        `The extension ${clip(url)} is a modifier extension, but is used as an extension (it must be a modifierExtension)`,
      );
    }
  }

  /** Whether the extension sits inside another extension (relative urls name its parts there). */
  private isNestedExtension(el: ElementNode): boolean {
    return (
      el.path.endsWith('.extension') &&
      (el.parent?.types[0]?.code === 'Extension' ||
        (el.path.split('.').length > 1 && el.path.startsWith('Extension')))
    );
  }

  /**
   * Where an extension may be used (StructureDefinition.context).
   * Spec: https://hl7.org/fhir/R4/defining-extensions.html#context
   */
  private checkExtensionContext(
    url: string,
    contexts: readonly { type?: string; expression?: string }[],
    el: ElementNode,
  ): void {
    if (contexts.length === 0) return;
    const where = this.extContextPath;
    const type = this.extContextType;
    const root = where.split('.')[0] ?? '';
    const candidates = new Set<string>([where, type, 'Element']);
    // A context on an element of a data type (`HumanName.family`) holds where a profile uses it (`Patient.name.family`).
    if (this.extContextBase) candidates.add(this.extContextBase);
    if (!where.includes('.')) {
      candidates.add('Resource');
      if (this.frame && root !== 'Bundle' && root !== 'Parameters' && root !== 'Binary')
        candidates.add('DomainResource');
    }
    if (type === 'BackboneElement' || (!type && where.includes('.'))) candidates.add('BackboneElement');
    for (const c of contexts) {
      if (c.type === 'fhirpath' || c.type === undefined) return;
      const expr = c.expression ?? '';
      if (c.type === 'extension') {
        if (this.extContextType === 'Extension') return;
        continue;
      }
      if (candidates.has(expr) || candidates.has(expr.replace(/\[x\]$/, ''))) return;
      // A context on an element of a base type (`Observation.value[x]`) matches its profiles' paths too.
      if (expr.endsWith('[x]') && where.startsWith(expr.slice(0, -3))) return;
    }
    void el;
    const allowed = contexts
      .map((c) => `${c.type === 'element' ? 'e' : (c.type ?? '?').charAt(0)}:${c.expression ?? ''}`)
      .join('; ');
    this.reportDef(
      url,

      'error',
      'business-rule',
      `The extension ${clip(url)} is not allowed to be used at this point (allowed = ${allowed}; this element is ${where}${type ? ` (${type})` : ''})`,
    );
  }

  /** Slice matching, per-slice cardinality and order; unmatched items against the sliced element. */
  private walkSliced(
    slot: ChildSlot,
    items: unknown[],
    extItems: unknown[] | undefined,
    isArray: boolean,
  ): void {
    const sliced = slot.base;
    const slicing = sliced.slicing;
    if (!slicing) return;
    const slices = sliced.slices;
    const counts = new Array<number>(slices.length).fill(0);
    let lastSlice = -1;
    let unmatchedSeen = false;
    const count = Math.max(items.length, extItems?.length ?? 0);
    for (let i = 0; i < count; i++) {
      const item = items[i];
      if (isArray) this.path.push(indexSegment(i));
      const match = this.findSlice(item, slot, slices, slicing.discriminators);
      if (match >= 0) {
        counts[match] = (counts[match] ?? 0) + 1;
        if (slicing.ordered && match < lastSlice) {
          this.reportEl(
            sliced,
            'own',
            'error',
            'structure',
            `As specified by profile ${sliced.profile}, Element '${sliced.path}' is out of order: slice '${slices[match]?.sliceName ?? ''}' comes after a later slice`,
          );
        }
        if (slicing.rules === 'openAtEnd' && unmatchedSeen) {
          this.reportEl(
            sliced,
            'own',
            'error',
            'structure',
            `The slicing of ${sliced.path} is open at the end, but a slice item follows an item that matches no slice`,
          );
        }
        lastSlice = Math.max(lastSlice, match);
        const slice = slices[match] as ElementNode;
        const sliceType = slice.types.length === 1 ? slice.types[0] : slot.type;
        this.walkItem(item, extItems?.[i], slice, sliceType);
      } else {
        unmatchedSeen = true;
        if (slicing.rules === 'closed') {
          this.reportEl(
            sliced,
            'own',
            'error',
            'structure',
            `This element does not match any known slice defined in the profile ${sliced.profile} and slicing is CLOSED`,
          );
        }
        this.walkItem(item, extItems?.[i], sliced, slot.type);
      }
      if (isArray) this.path.pop();
    }
    this.path.pop();
    try {
      slices.forEach((s, k) => {
        const n = counts[k] ?? 0;
        if (n < s.min) {
          this.reportEl(
            s,
            'own',
            'error',
            'structure',
            s.min === 1 && n === 0
              ? `Slice '${s.id}': a matching slice is required, but not found (from ${s.profile})`
              : `${s.id}: minimum required = ${s.min}, but only found ${n} (from ${s.profile})`,
          );
        }
        if (n > s.max)
          this.reportEl(
            s,
            'own',
            'error',
            'structure',
            `${s.id}: max allowed = ${s.max}, but found ${n} (from ${s.profile})`,
          );
      });
    } finally {
      this.path.push(slot.segment);
    }
  }

  private findSlice(
    item: unknown,
    slot: ChildSlot,
    slices: readonly ElementNode[],
    discriminators: readonly Discriminator[],
  ): number {
    for (let k = 0; k < slices.length; k++) {
      const s = slices[k] as ElementNode;
      let r;
      if (
        slot.type?.code === 'Extension' &&
        discriminators.length === 1 &&
        discriminators[0]?.path === 'url' &&
        isRecord(item)
      ) {
        // Extension slices are identified by their url (fixed in the slice or its type profile).
        r = extensionUrlOf(s, this.env) === item.url;
      } else {
        r = matchesSlice(item, slot.type?.code, s, discriminators, this.sliceEnv);
      }
      if (r === true) return k;
      if (r !== false) {
        this.reportEl(
          s,
          'own',
          'warning',
          'processing',
          `Slice ${s.id} could not be evaluated: ${r.problem}`,
        );
      }
    }
    return -1;
  }

  /** Whether a value conforms to a profile, by a silent sub-validation (once per value and profile). */
  private conforms(value: unknown, typeCode: string, profile: string): boolean {
    const tree = this.env.compiler.tree(profile);
    if (!tree) return false;
    if (typeof value !== 'object' || value === null) return this.subValidate(value, typeCode, profile, tree);
    let byProfile = this.conformance.get(value);
    if (!byProfile) {
      byProfile = new Map();
      this.conformance.set(value, byProfile);
    }
    const key = tree.url;
    let r = byProfile.get(key);
    if (r === undefined) {
      // A cycle of references counts as conforming while it is being checked.
      byProfile.set(key, true);
      r = this.subValidate(value, typeCode, profile, tree);
      byProfile.set(key, r);
    }
    return r;
  }

  private subValidate(
    value: unknown,
    typeCode: string,
    profile: string,
    tree: { root: ElementNode; sd: { type?: string } },
  ): boolean {
    const sub = new Walker(this.env);
    sub.frame = this.frame;
    if (
      isRecord(value) &&
      typeof value.resourceType === 'string' &&
      this.isResourceType(value.resourceType)
    ) {
      sub.path.push(value.resourceType);
      sub.validateResource(value, [profile], 'entry');
    } else {
      sub.walkItem(value, undefined, tree.root, {
        code: tree.sd.type ?? typeCode,
        profiles: [profile],
        targetProfiles: [],
        primitive: false,
        resource: false,
      });
    }
    return sub.sink.errors === 0;
  }

  /** The invariants of the element and of its type's root, natively or through FHIRPath. */
  private checkConstraints(value: unknown, el: ElementNode, type: TypeRef | undefined): void {
    const prepared = this.env.compiler.constraints(el, type);
    if (prepared.length === 0) return;
    const ctx = this.invariantContext();
    const hook = this.env.hooks.invariants;
    // The container's rules about its contained resources (dom-2 to dom-5) are part of
    // validating them, and go with them when contained resources are not validated.
    const skipContained = !this.options.validateContained;
    let typeName: string | undefined | null = null;
    for (let i = 0; i < prepared.length; i++) {
      const c = prepared[i] as PreparedConstraint;
      if (skipContained && c.def.expression.startsWith('contained.')) continue;
      let ok: boolean;
      if (c.native) {
        ok = c.native(value, ctx);
      } else {
        if (!hook) continue;
        if (typeName === null) typeName = invariantTypeName(value, el, type);
        const r = this.evaluate(hook, c, value, ctx, typeName);
        if (typeof r !== 'boolean') {
          this.report(
            'warning',
            'processing',
            `The invariant ${c.def.key} could not be evaluated: ${r.error}`,
            undefined,
            this.sink.sources ? constraintSource(c.def, this.env.compiler) : undefined,
          );
          continue;
        }
        ok = r;
      }
      if (!ok) {
        this.report(
          c.def.severity,
          'invariant',
          c.message,
          undefined,
          this.sink.sources ? constraintSource(c.def, this.env.compiler) : undefined,
        );
      }
    }
  }

  /**
   * One FHIRPath invariant. When the value has none of the properties the expression can see,
   * the result is that of an empty value, computed once per expression and type.
   */
  private evaluate(
    hook: NonNullable<SemanticHooks['invariants']>,
    c: PreparedConstraint,
    value: unknown,
    ctx: InvariantContextInput,
    typeName: string | undefined,
  ): boolean | { error: string } {
    if (c.shape.always || !isRecord(value) || touches(value, c.shape.roots))
      return this.runInvariant(hook, c, value, ctx, typeName);
    const rt = typeof value.resourceType === 'string' ? value.resourceType : undefined;
    const key = typeName ?? rt ?? '';
    let byHook = emptyResults.get(c);
    if (!byHook) {
      byHook = new WeakMap();
      emptyResults.set(c, byHook);
    }
    let cache = byHook.get(hook);
    if (!cache) {
      cache = new Map();
      byHook.set(hook, cache);
    }
    let r = cache.get(key);
    if (r === undefined) {
      r = this.runInvariant(hook, c, rt ? { resourceType: rt } : {}, ctx, typeName);
      cache.set(key, r);
    }
    return r;
  }

  private runInvariant(
    hook: NonNullable<SemanticHooks['invariants']>,
    c: PreparedConstraint,
    node: unknown,
    ctx: InvariantContextInput,
    typeName: string | undefined,
  ): boolean | { error: string } {
    if (c.lite) {
      try {
        return c.lite(node, ctx, typeName);
      } catch (err) {
        if (!(err instanceof LiteBail)) return { error: err instanceof Error ? err.message : String(err) };
        // Outside the compiled subset for this value: the full engine decides.
      }
    }
    const compiled = compiledFor(hook, c.def.expression);
    if ('error' in compiled) return { error: `it could not be compiled: ${compiled.error}` };
    try {
      return hook.evaluateInvariant(compiled, node, ctx, typeName);
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }

  private ctxFrame: ResourceFrame | undefined | null = null;
  private ctx: InvariantContextInput | undefined;
  private readonly conformsToHook = (resource: unknown, url: string): boolean | undefined =>
    this.env.compiler.tree(url) ? this.conforms(resource, '', url) : undefined;

  /** %resource, %rootResource, the Bundle, and what memberOf()/conformsTo() need. */
  private invariantContext(): InvariantContextInput {
    const frame = this.frame;
    if (this.ctx && this.ctxFrame === frame) return this.ctx;
    this.ctx = {
      resource: frame?.resource,
      rootResource: frame?.root,
      bundle: frame?.bundle?.bundle,
      terminology: this.env.hooks.terminology,
      conformsTo: this.conformsToHook,
    };
    this.ctxFrame = frame;
    return this.ctx;
  }

  /**
   * fixed[x] and pattern[x] of the element, on this one value: on a repeating element each
   * repetition must match, as the HL7 validator applies them (slices pick out the repetitions a
   * pattern is about). Spec: https://hl7.org/fhir/R4/elementdefinition-definitions.html#ElementDefinition.pattern_x_
   */
  private checkFixedPattern(value: Json, el: ElementNode): void {
    if (el.fixed) {
      const base = this.path.toString();
      for (const m of fixedMismatches(value, el.fixed.value)) {
        const src = this.sink.sources ? elementSource(el, 'own', this.env.compiler) : undefined;
        this.sink.add('error', 'value', m.message, base + m.at, undefined, src);
      }
    }
    if (el.pattern && !matchesPattern(value, el.pattern.value)) {
      this.report(
        'error',
        'value',
        `The value does not match the pattern ${describeValue(el.pattern.value)} required by the profile ${el.profile}`,
      );
    }
  }

  /** Rules tied to a datatype: bindings, references, identifiers, attachments, quantities. */
  private checkTypeRules(value: Json, el: ElementNode, type: TypeRef): void {
    switch (type.code) {
      case 'CodeableConcept':
      case 'Coding':
      case 'Quantity':
      case 'Age':
      case 'Duration':
      case 'Distance':
      case 'Count':
      case 'SimpleQuantity':
      case 'MoneyQuantity': {
        const bindingError = el.checkedBindings.length > 0 && this.codes.checkCoded(value, el, type.code);
        // A code that its (complete) system does not know is reported once: by a required
        // binding that rejects it, else at the code itself.
        if (bindingError) break;
        if (type.code === 'CodeableConcept') {
          const codings = value.coding;
          if (Array.isArray(codings)) {
            for (let i = 0; i < codings.length; i++) {
              const c: unknown = codings[i];
              if (isRecord(c)) this.codes.checkInSystem(c, i);
            }
          }
        } else if (type.code === 'Coding') {
          if (!isCodingOfConcept(el)) this.codes.checkInSystem(value, -1);
        } else {
          this.values.quantityLimits(value, el);
          if (value.system === UCUM) this.codes.checkInSystem(value, -1);
        }
        break;
      }
      case 'Reference':
        this.checkReference(value, el, type);
        break;
      case 'Identifier':
        checkIdentifierRules(value, this.reportIdentifier);
        break;
      case 'Attachment':
        this.values.attachment(value);
        break;
      default:
        break;
    }
  }

  /**
   * Reference targets: the type a reference points to (by resolution inside the resource or
   * Bundle, else by its URL) must be one of the element's targetProfile types.
   * Spec: https://hl7.org/fhir/R4/references.html
   */
  private checkReference(value: Json, el: ElementNode, type: TypeRef): void {
    const ref = value.reference;
    if (typeof ref !== 'string') return;
    const parsed = parseReference(ref, this.isType);
    const resolved = this.resolveParsed(parsed);
    const frame = this.frame;
    if (resolved && frame?.bundle && frame.entry && parsed.kind !== 'local') {
      addLink(frame.bundle, frame.entry, resolved);
    }
    if (parsed.kind === 'local' && parsed.id !== '' && !resolved) {
      this.path.push('.reference');
      this.report('error', 'not-found', `Unable to resolve resource with reference '${clip(ref)}'`);
      this.path.pop();
      return;
    }
    if (!resolved && this.options.referencesMustResolve && !this.resolvesWithin(parsed, ref)) {
      this.report('error', 'not-found', `Unable to resolve resource with reference '${clip(ref)}'`);
      return;
    }
    const foundType =
      resolved && typeof resolved.resourceType === 'string' ? resolved.resourceType : parsed.type;
    if (!foundType || type.targetProfiles.length === 0) return;
    // Unknown target profiles could be of any type: then the target type cannot be checked.
    const allowedTypes = this.env.compiler.targetTypes(type);
    if (!allowedTypes) return;
    if (
      allowedTypes.has('Resource') ||
      allowedTypes.has(foundType) ||
      (allowedTypes.has('DomainResource') &&
        foundType !== 'Bundle' &&
        foundType !== 'Parameters' &&
        foundType !== 'Binary')
    ) {
      if (resolved) this.checkTargetProfiles(resolved, foundType, el, type);
      return;
    }
    const how = resolved ? `found by resolving '${clip(ref)}'` : `implied by the reference URL ${clip(ref)}`;
    this.reportEl(
      el,
      'types',
      'error',
      'structure',
      `The type '${foundType}' ${how} is not a valid Target for this element (must be one of [${[...allowedTypes].join(', ')}])`,
    );
  }

  /** A resolved target must conform to one of the target profiles of its type (when any are profiles). */
  private checkTargetProfiles(target: Json, foundType: string, el: ElementNode, type: TypeRef): void {
    if (!this.env.compiler.hasProfiledTargets(type)) return;
    const ofType = type.targetProfiles.filter((tp) => this.env.compiler.tree(tp)?.sd.type === foundType);
    if (ofType.length === 0 || ofType.some((tp) => unversioned(tp) === typeUrl(foundType))) return;
    if (this.depth > 16) return;
    const bundle = this.frame?.bundle;
    if (bundle?.fullUrlOf.has(target)) {
      // An entry of the Bundle being walked: decided when the Bundle has been walked, from the
      // entry's own validation where that covers the profile.
      (bundle.pendingTargets ??= []).push({
        target,
        foundType,
        profiles: ofType,
        path: this.path.toString(),
        source: this.sink.sources ? elementSource(el, 'types', this.env.compiler) : undefined,
      });
      return;
    }
    if (!ofType.some((tp) => this.conforms(target, foundType, tp))) {
      this.reportEl(el, 'types', 'error', 'structure', targetMismatch(ofType, foundType));
    }
  }

  private checkPendingTargets(pending: readonly PendingTarget[]): void {
    for (const p of pending) {
      if (!p.profiles.some((tp) => this.conforms(p.target, p.foundType, tp))) {
        this.sink.add(
          'error',
          'structure',
          targetMismatch(p.profiles, p.foundType),
          p.path,
          undefined,
          p.source,
        );
      }
    }
  }

  /** Records the verdict of a resource's walk for each profile walked (base definitions are never asked about). */
  private recordConformance(
    res: Json,
    trees: readonly { url?: string; sd?: { derivation?: string } }[],
    ok: boolean,
  ): void {
    let byProfile = this.conformance.get(res);
    for (const t of trees) {
      if (!t.url || t.sd?.derivation !== 'constraint') continue;
      if (!byProfile) {
        byProfile = new Map();
        this.conformance.set(res, byProfile);
      }
      if (!byProfile.has(t.url)) byProfile.set(t.url, ok);
    }
  }

  private resolveParsed(parsed: ReturnType<typeof parseReference>): Json | undefined {
    const frame = this.frame;
    if (!frame) return undefined;
    if (parsed.kind === 'local') return parsed.id ? resolveContained(frame.root, parsed.id) : frame.root;
    if (!frame.bundle) return undefined;
    return resolveInBundle(frame.bundle, parsed, frame.fullUrl, this.isType);
  }

  /**
   * For referencesMustResolve: a reference the Bundle does not resolve may name a resource of the
   * enclosing Parameters (https://hl7.org/fhir/R4/parameters.html), or an example domain while
   * those are allowed (as the Java validator accepts them).
   */
  private resolvesWithin(parsed: ReturnType<typeof parseReference>, ref: string): boolean {
    if (this.options.allowExampleUrls && isExampleUrl(ref)) return true;
    const parameters = this.frame?.parameters;
    return parameters !== undefined && resolveInParameters(parameters, parsed) !== undefined;
  }

  private resolveReferenceValue(ref: unknown): Json | undefined {
    if (!isRecord(ref) || typeof ref.reference !== 'string') return undefined;
    return this.resolveParsed(parseReference(ref.reference, this.isType));
  }
}

/** Results of invariants on an empty value: per invariant, FHIRPath engine and type. */
const emptyResults = new WeakMap<
  PreparedConstraint,
  WeakMap<object, Map<string, boolean | { error: string }>>
>();

/** The type name FHIRPath needs for a node: none for a resource, the element path for backbones. */
function invariantTypeName(value: unknown, el: ElementNode, type: TypeRef | undefined): string | undefined {
  if (isRecord(value) && typeof value.resourceType === 'string') return undefined;
  const code = type?.code ?? el.types[0]?.code;
  if (!code || code === 'BackboneElement' || code === 'Element') return el.path;
  return code;
}

/** A Coding that is a coding of a CodeableConcept: its code is checked with the concept. */
function isCodingOfConcept(el: ElementNode): boolean {
  return el.path === 'CodeableConcept.coding' || el.parent?.types[0]?.code === 'CodeableConcept';
}

function targetMismatch(profiles: readonly string[], foundType: string): string {
  return `Unable to find a match for profile(s) ${profiles.join(', ')} among the resource the reference points to (${foundType})`;
}

/** How many values a property has (a primitive position counts if its value or its `_` part is there). */
function countOf(v: unknown, ext: unknown): number {
  if (!Array.isArray(v) && !Array.isArray(ext)) {
    return (v !== undefined && v !== null) || (ext !== undefined && ext !== null) ? 1 : 0;
  }
  const a = Array.isArray(v) ? v : v === undefined ? [] : [v];
  const b = Array.isArray(ext) ? ext : ext === undefined ? [] : [ext];
  let n = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] !== undefined && a[i] !== null) || (b[i] !== undefined && b[i] !== null)) n++;
  }
  return n;
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an Array';
  if (typeof v === 'object') return 'an Object';
  return 'a Primitive property';
}
