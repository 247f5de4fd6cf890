/**
 * Rules on single values that the walker applies once a value has the right JSON form: what an
 * element says of a primitive (fixed, pattern, maxLength, minValue/maxValue, a bare code's
 * bindings), canonical targets, narrative links, the text options of a validation, Attachment
 * sizes and Quantity limits. Issues go through the walker's report callback, at its current path.
 *
 * Spec: https://hl7.org/fhir/R4/elementdefinition.html, https://hl7.org/fhir/R4/narrative.html
 */
import type { IssueCode, Severity } from '../../fhir/outcomes.js';
import type { Compiler } from '../compile/compiler.js';
import { containsHtmlTag, isExampleUrl, rawHtmlInMarkdown } from '../compile/content-rules.js';
import type { ElementNode, TypeRef } from '../compile/element-tree.js';
import { base64Length, clip } from '../compile/primitives.js';
import type { RuleAspect } from '../issue-source.js';
import type { WalkOptions } from './env.js';
import type { CodeChecks } from './terminology.js';
import { isRecord } from '../../fhir/records.js';

type Json = Record<string, unknown>;

/** Reports at the walker's current path; with an element, about that element's rule. */
export type ValueReport = (
  severity: Severity,
  code: IssueCode,
  message: string,
  el?: ElementNode,
  aspect?: RuleAspect,
) => void;

const ABSOLUTE_URL = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

export function isAbsoluteUrl(url: string): boolean {
  return ABSOLUTE_URL.test(url);
}

export class ValueRules {
  constructor(
    private readonly compiler: Compiler,
    private readonly codes: CodeChecks,
    private readonly out: ValueReport,
  ) {}

  private report(severity: Severity, code: IssueCode, message: string): void {
    this.out(severity, code, message);
  }

  private reportEl(
    el: ElementNode,
    aspect: RuleAspect,
    severity: Severity,
    code: IssueCode,
    message: string,
  ): void {
    this.out(severity, code, message, el, aspect);
  }

  /** fixed, pattern, maxLength, limits, bindings of a bare code, canonical targets, narrative links. */
  primitive(
    value: string | number | boolean,
    el: ElementNode,
    type: TypeRef,
    resource: Json | undefined,
  ): void {
    if (el.fixed && el.fixed.value !== value) {
      this.reportEl(
        el,
        'own',
        'error',
        'value',
        `Value is '${clip(String(value))}' but is fixed to '${clip(String(el.fixed.value))}' in the profile ${el.profile}`,
      );
    }
    if (el.pattern && el.pattern.value !== value) {
      this.reportEl(
        el,
        'own',
        'error',
        'value',
        `Value is '${clip(String(value))}' but must be '${clip(String(el.pattern.value))}' (pattern in the profile ${el.profile})`,
      );
    }
    if (el.maxLength !== undefined && typeof value === 'string' && value.length > el.maxLength) {
      this.reportEl(
        el,
        'own',
        'error',
        'too-long',
        `The value is longer than the maximum length ${el.maxLength} allowed here (${value.length} characters)`,
      );
    }
    if (typeof value === 'number' || typeof value === 'string') this.checkMinMax(value, el);
    if (
      el.checkedBindings.length > 0 &&
      typeof value === 'string' &&
      (type.code === 'code' || type.code === 'string' || type.code === 'uri')
    ) {
      this.codes.checkBare(value, el);
    }
    if (type.code === 'canonical' && typeof value === 'string') this.checkCanonicalValue(value, el, type);
    if (type.code === 'xhtml' && typeof value === 'string') this.checkNarrativeLinks(value, resource);
  }

  /** What the options of the validation forbid in a text value (see ValidateOptions in index.ts). */
  text(value: string, code: string, o: WalkOptions): void {
    if (o.securityChecks && (code === 'string' || code === 'markdown') && containsHtmlTag(value)) {
      this.report(
        'error',
        'invalid',
        'The string value contains text that looks like embedded HTML tags, which are not allowed for security reasons',
      );
    }
    const html = o.noHtmlInMarkdown && code === 'markdown' ? rawHtmlInMarkdown(value) : undefined;
    if (html !== undefined) {
      this.report(
        'error',
        'invalid',
        `The markdown contains what appears to be an embedded HTML tag starting at '${html}'; HTML is not allowed in markdown`,
      );
    }
    if (!o.allowExampleUrls && (code === 'uri' || code === 'url') && isExampleUrl(value)) {
      this.report('error', 'invalid', `Example URLs are not allowed in this context (${clip(value)})`);
    }
  }

  /**
   * A canonical is absolute (or a fragment), and when we know what it names, that is a resource of
   * one of the element's target types. Spec: https://hl7.org/fhir/R4/references.html#canonical
   */
  private checkCanonicalValue(value: string, el: ElementNode, type: TypeRef): void {
    if (!value.startsWith('#') && !isAbsoluteUrl(value)) {
      this.report(
        'error',
        'invalid',
        `Canonical URLs must be absolute URLs if they are not fragment references (${clip(value)})`,
      );
      return;
    }
    if (type.targetProfiles.length === 0 || value.startsWith('#')) return;
    const targets = this.compiler.targetTypes(type);
    if (!targets || targets.has('Resource') || targets.has('DomainResource')) return;
    const found = this.compiler.registry.canonicalType(value);
    if (found && !targets.has(found)) {
      this.reportEl(
        el,
        'types',
        'error',
        'invalid',
        `Canonical URL '${clip(value)}' refers to a resource that has the wrong type. Found ${found} expecting one of [${[...targets].join(', ')}]`,
      );
    }
  }

  /**
   * Internal hyperlinks of a narrative (`href="#x"`) point to an id or name in the narrative, or
   * to a contained resource. Spec: https://hl7.org/fhir/R4/narrative.html#id
   */
  private checkNarrativeLinks(div: string, resource: Json | undefined): void {
    if (!div.includes('href')) return;
    const targets = /<a\s[^>]*?href\s*=\s*["']#([^"']*)["']/gi;
    let names: Set<string> | undefined;
    for (let m = targets.exec(div); m !== null; m = targets.exec(div)) {
      const target = m[1] ?? '';
      if (target === '') continue;
      names ??= narrativeNames(div, resource);
      if (names.has(target)) continue;
      this.report(
        'error',
        'invalid',
        `The hyperlink '#${clip(target)}' in the narrative does not resolve to an id or name in the narrative, nor to a contained resource`,
      );
    }
  }

  private checkMinMax(value: number | string, el: ElementNode): void {
    const min = el.minValue?.value;
    const max = el.maxValue?.value;
    if ((typeof min === 'number' || typeof min === 'string') && typeof min === typeof value && value < min) {
      this.reportEl(
        el,
        'own',
        'error',
        'value',
        `The value ${String(value)} is less than the specified minimum value ${String(min)}`,
      );
    }
    if ((typeof max === 'number' || typeof max === 'string') && typeof max === typeof value && value > max) {
      this.reportEl(
        el,
        'own',
        'error',
        'value',
        `The value ${String(value)} is greater than the specified maximum value ${String(max)}`,
      );
    }
  }

  /** An Attachment's stated size matches its data. */
  attachment(value: Json): void {
    if (typeof value.data !== 'string' || typeof value.size !== 'number') return;
    const actual = base64Length(value.data);
    if (actual !== value.size) {
      this.report(
        'error',
        'structure',
        `Stated Attachment Size ${value.size} does not match actual attachment size ${actual}`,
      );
    }
  }

  /** minValue and maxValue Quantities of the element (when their units match). */
  quantityLimits(value: Json, el: ElementNode): void {
    const v = value.value;
    if (typeof v !== 'number') return;
    const check = (limit: unknown, isMin: boolean): void => {
      if (!isRecord(limit) || typeof limit.value !== 'number') return;
      if (limit.code !== undefined && (limit.code !== value.code || limit.system !== value.system)) return;
      if (isMin ? v < limit.value : v > limit.value) {
        this.reportEl(
          el,
          'own',
          'error',
          'value',
          `The value in the instance (${v}) is ${isMin ? 'less than the specified minimum' : 'greater than the specified maximum'} value (${limit.value})`,
        );
      }
    };
    check(el.minValue?.value, true);
    check(el.maxValue?.value, false);
  }
}

function narrativeNames(div: string, resource: Json | undefined): Set<string> {
  const names = new Set<string>();
  const attr = /\s(?:id|name)\s*=\s*["']([^"']*)["']/gi;
  for (let m = attr.exec(div); m !== null; m = attr.exec(div)) names.add(m[1] ?? '');
  if (resource && Array.isArray(resource.contained)) {
    for (const c of resource.contained) if (isRecord(c) && typeof c.id === 'string') names.add(c.id);
  }
  return names;
}
