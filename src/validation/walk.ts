/**
 * The instance walker: one pass over a resource per profile, driven by the compiled element trees.
 * Every JSON property is looked up among the child slots of its element (unknown properties are
 * reported), arrays and single values are checked against the definition, primitives against
 * their type, complex values recursively; then cardinality, slicing, fixed/pattern values,
 * bindings, invariants, references and extensions. Nested resources (contained, Bundle entries,
 * Parameters) are validated as resources against their own type and meta.profile.
 *
 * This file holds the walker's state, its reporting and the walk itself (resources, properties,
 * values, primitives, conformance by sub-validation); the checks it makes along the way are in
 * walk/: JSON shape and cardinality (structure.ts), resource-level rules and nested resources
 * (resource.ts), extensions (extensions.ts), slicing (slicing.ts), invariants (invariants.ts),
 * datatype rules (datatypes.ts), references (references.ts), codes against terminology
 * (terminology.ts) and rules on single values (values.ts); the path stack and issue sink are in
 * context.ts, the options and environment of a walk in env.ts.
 *
 * Paths are kept as a stack of segments and joined only when an issue is reported.
 * Spec: https://hl7.org/fhir/R4/validation.html
 */
import { OVERDRACHT_ISSUE_SYSTEM, type IssueCode, type Severity } from '../fhir/outcomes.js';
import { isRecord } from '../fhir/records.js';
import { recentSlot, type ChildSlot } from './compile/compiler.js';
import type { ElementNode, TypeRef } from './compile/element-tree.js';
import type { InvariantContextInput } from './compile/hooks.js';
import { clip, primitiveCheck } from './compile/primitives.js';
import type { SliceEnv } from './compile/slicing.js';
import { describeValue } from './compile/values.js';
import { baseSource, elementSource, type IssueSource, type RuleAspect } from './issue-source.js';
import { indexBundle } from './references.js';
import { typeUrl, unversioned } from './registry.js';
import { IssueSink, PathStack, indexSegment } from './walk/context.js';
import { checkFixedPattern, checkTypeRules } from './walk/datatypes.js';
import { DEFAULT_OPTIONS, type ResourceFrame, type WalkEnv, type WalkOptions } from './walk/env.js';
import { walkExtension } from './walk/extensions.js';
import { checkConstraints } from './walk/invariants.js';
import { checkPendingTargets, resolveReferenceValue } from './walk/references.js';
import { checkResourceSpecifics, profilesFor, walkNestedResource } from './walk/resource.js';
import { walkSliced } from './walk/slicing.js';
import { checkRequired, jsonKind, reportUnknown, shapeItems } from './walk/structure.js';
import { CodeChecks } from './walk/terminology.js';
import { ValueRules } from './walk/values.js';

export type { WalkEnv, WalkOptions } from './walk/env.js';

type Json = Record<string, unknown>;

/** The project's rules on Dutch identifiers (BSN, AGB) apply wherever an Identifier occurs. */
const PROJECT_IDENTIFIER_RULES: IssueSource = { definition: OVERDRACHT_ISSUE_SYSTEM };
/** ele-1 is checked inline for every element (see walkComplex). */
const ELE_1_SOURCE: IssueSource = { definition: typeUrl('Element'), element: 'Element' };

/** Beyond this depth the walker stops descending (hostile input must not exhaust the stack). */
const MAX_DEPTH = 128;

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
 *
 * Callers use `begin`, `validateRoot`, `end`, `sink` and `multiWalk`; the other members are the
 * walk's state and reporting, shared with the checks in walk/, which take the walker as their
 * first argument.
 */
export class Walker {
  sink = new IssueSink();
  /** Set when a value was walked against more than one definition (duplicates are then possible). */
  multiWalk = false;
  readonly path = new PathStack();
  frame: ResourceFrame | undefined;
  depth = 0;
  /** The object whose properties are being walked (for the fullUrl of a Bundle entry). */
  private parentObject: Json | undefined;
  /** Where an extension sits: the element path and type of its parent, for context checks. */
  extContextPath = '';
  extContextType = '';
  /** The base definition's path of the element holding extensions (`HumanName.family` for `Patient.name.family`). */
  extContextBase: string | undefined;
  readonly sliceEnv: SliceEnv;
  /** The options of the current validation. */
  options = DEFAULT_OPTIONS;
  /** Whether any option checks the content of text values (see ValueRules.text). */
  private textOptions = false;
  /** Sub-validation verdicts of the current validation: value -> profile -> conforms. */
  private readonly conformance = new Map<object, Map<string, boolean>>();

  private readonly resourceTypes: ReadonlySet<string>;
  /** Codes against value sets and code systems. */
  readonly codes: CodeChecks;
  /** Rules on single values (see walk/values.ts). */
  readonly values: ValueRules;

  /** Callbacks made once per walker (closures made per value cost measurable time). */
  readonly isType: (name: string) => boolean;
  readonly reportIdentifier: (severity: Severity, message: string, rel: string, detail: string) => void;

  constructor(readonly env: WalkEnv) {
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
      resolve: (ref) => resolveReferenceValue(this, ref),
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
  report(
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
  reportEl(el: ElementNode, aspect: RuleAspect, severity: Severity, code: IssueCode, message: string): void {
    const src = this.sink.sources ? elementSource(el, aspect, this.env.compiler) : undefined;
    this.report(severity, code, message, undefined, src);
  }

  /** An issue about a rule of a whole definition (a profile, an extension definition). */
  reportDef(url: string, severity: Severity, code: IssueCode, message: string): void {
    this.report(severity, code, message, undefined, { definition: unversioned(url) });
  }

  isResourceType(name: string): boolean {
    return this.resourceTypes.has(name);
  }

  /** The resourceType of a resource to validate; reported when it names no concrete resource type. */
  concreteResourceType(res: Json, severity: Severity): string | undefined {
    const rt = res.resourceType;
    if (typeof rt === 'string' && this.isResourceType(rt) && rt !== 'Resource' && rt !== 'DomainResource')
      return rt;
    this.report(
      severity,
      'structure',
      typeof rt === 'string' ? `Unknown resource type '${clip(rt)}'` : 'The resource has no resourceType',
    );
    return undefined;
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
    const rt = this.concreteResourceType(resource, 'fatal');
    if (rt === undefined) return;
    this.path.push(rt);
    this.validateResource(resource, profiles, 'root');
    this.path.pop();
  }

  validateResource(res: Json, extraProfiles: readonly string[], kind: 'root' | 'contained' | 'entry'): void {
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
      const trees = profilesFor(this, res, rt, extraProfiles);
      if (trees.length > 1) this.multiWalk = true;
      const errorsBefore = this.sink.errors;
      for (const tree of trees) {
        this.walkComplex(res, tree.root, resourceTypeRef(rt), true);
        checkConstraints(this, res, tree.root, undefined);
      }
      // What the walk found also answers "does this resource conform to these profiles?" for
      // references that require one of them (see checkTargetProfiles in walk/references.ts).
      this.recordConformance(res, trees, this.sink.errors === errorsBefore);
      if (rt === 'Bundle' && this.frame.bundle?.pendingTargets)
        checkPendingTargets(this, this.frame.bundle.pendingTargets);
      checkResourceSpecifics(this, res, rt, kind);
    } finally {
      this.frame = saved;
      this.parentObject = savedParent;
    }
  }

  /** Walks the properties of a JSON object against the child slots of `node` (of `type`). */
  walkComplex(
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
          reportUnknown(this, key, obj[key], slots);
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
      checkRequired(this, obj, slots);
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
    const items = shapeItems(this, slot, raw, isArray, false);
    const extItems = ext === undefined ? undefined : shapeItems(this, slot, ext, isArray, true);
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
        walkSliced(this, slot, items, extItems, isArray);
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

  /** One value of an element. */
  walkItem(value: unknown, ext: unknown, el: ElementNode, type: TypeRef | undefined): void {
    if (type?.primitive) {
      this.walkPrimitive(value, ext, el, type);
      return;
    }
    if (value === null || value === undefined) {
      this.report('error', 'structure', 'Null values are not allowed here');
      return;
    }
    if (type?.resource) {
      walkNestedResource(this, value, el, type);
      return;
    }
    if (!isRecord(value)) {
      this.report('error', 'structure', `The value must be a JSON object, not ${jsonKind(value)}`);
      return;
    }
    if (type?.code === 'Extension') {
      walkExtension(this, value, el, type);
    } else {
      this.walkComplex(value, el, type, false);
      this.walkTypeProfiles(value, el, type);
    }
    checkConstraints(this, value, el, type);
    checkFixedPattern(this, value, el);
    if (type) checkTypeRules(this, value, el, type);
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
        checkConstraints(this, value, tree.root, undefined);
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
      checkConstraints(this, value, el, undefined);
  }

  /** Whether a value conforms to a profile, by a silent sub-validation (once per value and profile). */
  conforms(value: unknown, typeCode: string, profile: string): boolean {
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

  ctxFrame: ResourceFrame | undefined | null = null;
  ctx: InvariantContextInput | undefined;
  readonly conformsToHook = (resource: unknown, url: string): boolean | undefined =>
    this.env.compiler.tree(url) ? this.conforms(resource, '', url) : undefined;

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
}
