/**
 * The rule engine: it runs the resource rules of a spec (spec.ts) over the items of one record
 * (the segments of an EDIFACT message, the rows of one client's export), in rule order. A rule
 * makes a resource per matching item (or writes into another rule's resource), its field rules
 * fill it through the converters, and its reference rules link it once every resource exists.
 * Every field a written value came from is marked used, every value that could not be converted
 * is reported where it stands; whatever else is populated is, by construction, the unmapped
 * report of the CoverageTracker.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { CoverageTracker } from '../coverage.js';
import { recordError, untranslatableIssue } from '../framework.js';
import { uuidFor } from '../ids.js';
import { hasPath, type Json, setPath } from '../paths.js';
import type { SourceCell } from '../tabular/records.js';
import {
  isChannelField,
  isSourceField,
  type ItemCondition,
  type ItemFieldRule,
  type ItemReferenceRule,
  type ItemResourceRule,
  type RulesSpec,
} from './spec.js';
import { convertValue, type ValueEnv } from './values.js';

/** One item of a record: a segment, a row. Cells are its populated fields with their locations. */
export interface SourceItem {
  /** What rules select it by: a table name, an EDIFACT `TAG` or `TAG+qualifier`. */
  kind: string;
  location: string;
  /** A stable, value-free identity of the item's place (ids derive from it). */
  position: string;
  cells: readonly SourceCell[];
}

/** A resource made by a rule, from one item. */
export interface Draft {
  rule: ItemResourceRule;
  item: SourceItem;
  /** The order of the item in its record (for `preceding`). */
  index: number;
  id: string;
  resource: Json;
}

export interface RuleRunInput {
  spec: RulesSpec;
  items: readonly SourceItem[];
  /** What identifies the record (ids derive from it and the item's position). */
  idBase: string;
  env: ValueEnv;
  channel: Readonly<Record<string, string>>;
}

export interface RuleRunResult {
  drafts: Draft[];
  issues: OperationOutcomeIssue[];
  coverage: CoverageTracker;
  /** Links the drafts (after the caller has added the summary, which `to: summary` names). */
  link(extra: ReadonlyMap<string, Draft[]>): void;
}

/** The item every record has beside its own: rules `from: channel` read only channel settings. */
export const CHANNEL_ITEM: SourceItem = {
  kind: 'channel',
  location: 'channel',
  position: 'channel',
  cells: [],
};

export function runRules(input: RuleRunInput): RuleRunResult {
  const coverage = new CoverageTracker();
  for (const item of input.items)
    for (const cell of item.cells) coverage.populated({ key: cell.location, path: cell.path });
  const items = [...input.items, CHANNEL_ITEM];
  const drafts: Draft[] = [];
  const issues: OperationOutcomeIssue[] = [];
  const used = new Set<string>();
  for (const rule of input.spec.resources) {
    const matching = items
      .map((item, index) => ({ item, index }))
      .filter(
        ({ item, index }) => item.kind === rule.from && holds(rule.when, item) && follows(rule, items, index),
      );
    for (const { item, index } of rule.occurs === 'first' ? matching.slice(0, 1) : matching) {
      declareStructural(rule, item, coverage);
      const made = applyRule(input, rule, item, index, drafts);
      issues.push(...made.issues);
      made.reported.forEach((k) => coverage.markReported(k));
      made.structural.forEach((k) => coverage.declareStructural(k));
      if (made.draft) drafts.push(made.draft);
      if (made.written) made.used.forEach((k) => used.add(k));
      else made.used.forEach((k) => coverage.markReported(k));
    }
  }
  used.forEach((k) => coverage.use(k));
  return {
    drafts,
    issues,
    coverage,
    link: (extra) => linkAll(drafts, extra),
  };
}

function holds(conditions: readonly ItemCondition[] | undefined, item: SourceItem): boolean {
  return (conditions ?? []).every((c) => {
    const value = cellOf(item, c.field)?.value;
    if (c.present !== undefined && (value !== undefined) !== c.present) return false;
    if (c.in && (value === undefined || !c.in.includes(value))) return false;
    if (c.notIn && value !== undefined && c.notIn.includes(value)) return false;
    return true;
  });
}

function follows(rule: ItemResourceRule, items: readonly SourceItem[], index: number): boolean {
  if (!rule.follows) return true;
  for (let i = index - 1; i >= 0; i--) {
    const kind = items[i]?.kind;
    if (kind !== rule.from) return kind !== undefined && rule.follows.includes(kind);
  }
  return false;
}

function cellOf(item: SourceItem, field: string): SourceCell | undefined {
  return item.cells.find((c) => c.field === field);
}

/** The cell of a field, or with `E.*` every cell of element E in order (the parts of a long text). */
function sourceCells(item: SourceItem, source: string): SourceCell[] {
  if (!source.endsWith('.*')) {
    const cell = cellOf(item, source);
    return cell ? [cell] : [];
  }
  const prefix = source.slice(0, -1);
  return item.cells.filter((c) => c.field.startsWith(prefix));
}

function declareStructural(rule: ItemResourceRule, item: SourceItem, coverage: CoverageTracker): void {
  const fields = [...(rule.structural ?? []), ...(rule.when ?? []).map((c) => c.field)];
  for (const f of fields) {
    const cell = cellOf(item, f);
    if (cell) coverage.declareStructural(cell.location);
  }
}

interface Applied {
  draft?: Draft;
  /** Whether the item's values landed in the output (false: the item was refused). */
  written: boolean;
  used: string[];
  reported: string[];
  /** Qualifier fields read by field conditions. */
  structural: string[];
  issues: OperationOutcomeIssue[];
}

function applyRule(
  input: RuleRunInput,
  rule: ItemResourceRule,
  item: SourceItem,
  index: number,
  drafts: readonly Draft[],
): Applied {
  const out: Applied = { written: true, used: [], reported: [], structural: [], issues: [] };
  let target: Json;
  let draft: Draft | undefined;
  if (rule.resourceType) {
    const id = uuidFor(input.idBase, rule.name, item.position);
    target = { resourceType: rule.resourceType, id };
    if (rule.profile) target.meta = { profile: [rule.profile] };
    Object.assign(target, copyJson(rule.fixed ?? {}));
    draft = { rule, item, index, id, resource: target };
  } else {
    const owner = ownerOf(rule, item, index, drafts);
    if (!owner) {
      out.written = false;
      out.issues.push(
        recordError({
          location: item.location,
          message: `No ${rule.into ?? ''} to attach this item to; it is not converted`,
        }),
      );
      return { ...out, reported: item.cells.map((c) => c.location) };
    }
    target = owner.resource;
    const joined = rule.intoMatch ? cellOf(item, rule.intoMatch.field) : undefined;
    if (joined) out.structural.push(joined.location);
  }
  const element = rule.element && !draft ? {} : undefined;
  for (const field of rule.fields ?? []) applyField(input, field, item, element ?? target, out);
  if (element && rule.element) {
    // An element is added only when it has what it requires (a journal line without its O part
    // adds no O note); otherwise this rule used nothing of the item.
    const complete = out.used.length > 0 && (rule.require ?? []).every((r) => hasPath(element, r.path));
    if (complete) setPath(target, rule.element, element);
    return complete ? out : { ...out, used: [] };
  }
  const missing = (rule.require ?? []).find((r) => !hasPath(target, r.path));
  if (draft && missing) {
    out.issues.push(
      recordError(
        { location: item.location, message: `${missing.message}; the item is not converted` },
        'required',
      ),
    );
    out.reported.push(...out.used);
    return { ...out, written: false, used: [] };
  }
  return draft ? { ...out, draft } : out;
}

function ownerOf(
  rule: ItemResourceRule,
  item: SourceItem,
  index: number,
  drafts: readonly Draft[],
): Draft | undefined {
  let candidates = drafts.filter((d) => d.rule.name === rule.into);
  const match = rule.intoMatch;
  if (match) {
    const value = cellOf(item, match.field)?.value;
    candidates =
      value === undefined ? [] : candidates.filter((d) => cellOf(d.item, match.owner)?.value === value);
  }
  if (rule.intoPick === 'preceding') return candidates.filter((d) => d.index < index).at(-1);
  return candidates[0];
}

function applyField(
  input: RuleRunInput,
  rule: ItemFieldRule,
  item: SourceItem,
  target: Json,
  out: Applied,
): void {
  if (isSourceField(rule)) {
    if (!holds(rule.when, item)) return;
    const cells = sourceCells(item, rule.source);
    const cell = cells[0];
    if (!cell) return;
    for (const c of rule.when ?? [])
      out.structural.push(...sourceCells(item, c.field).map((x) => x.location));
    const text = cells.map((c) => c.value).join(rule.source.endsWith('.*') ? '' : ' ');
    const converted = convertValue(text, rule, input.env);
    if (!converted.ok) {
      out.issues.push(
        untranslatableIssue({
          location: cell.location,
          message: `The value is ${converted.problem}; it is not converted`,
        }),
      );
      out.reported.push(...cells.map((c) => c.location));
      return;
    }
    const value = rule.wrap ? { [rule.wrap]: converted.value } : converted.value;
    // The first writer of a single-valued element wins; the loser stays in the unmapped report.
    const written =
      write(target, rule.target, value, rule.with) ||
      (rule.joinWith !== undefined && join(target, rule.target, value, rule.joinWith));
    if (written) out.used.push(...cells.map((c) => c.location));
    if (converted.warning)
      out.issues.push(
        untranslatableIssue({
          location: cell.location,
          message: `The value is kept, but its ${converted.warning}`,
        }),
      );
    return;
  }
  if (isChannelField(rule)) {
    const value = input.channel[rule.channel];
    if (value === undefined || value === '') return;
    write(
      target,
      rule.target,
      rule.system ? { coding: [{ system: rule.system, code: value }] } : value,
      rule.with,
    );
    return;
  }
  write(target, rule.target, copyJson(rule.value), rule.with);
}

/** Adds text to the text at a plain path (`text`, `note.text`); false for any other path or value. */
function join(target: Json, path: string, value: unknown, separator: string): boolean {
  if (typeof value !== 'string' || /[[\]]/.test(path)) return false;
  const parts = path.split('.');
  const last = parts.pop() ?? '';
  let holder: unknown = target;
  for (const p of parts)
    holder = typeof holder === 'object' && holder !== null ? (holder as Json)[p] : undefined;
  if (typeof holder !== 'object' || holder === null) return false;
  const existing = (holder as Json)[last];
  if (typeof existing !== 'string') return false;
  (holder as Json)[last] = `${existing}${separator}${value}`;
  return true;
}

/** A copy of a spec constant (plain JSON from YAML): cheaper than structuredClone per item. */
function copyJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => copyJson(v)) as T;
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyJson(v as unknown)])) as T;
  return value;
}

function write(
  target: Json,
  path: string,
  value: unknown,
  extra: Record<string, unknown> | undefined,
): boolean {
  const holder = setPath(target, path, value);
  if (!holder) return false;
  if (extra && typeof value === 'object' && value !== null && !Array.isArray(value))
    for (const [k, v] of Object.entries(extra)) (value as Json)[k] ??= copyJson(v);
  return true;
}

// ---------------------------------------------------------------------------------------------
// References
// ---------------------------------------------------------------------------------------------

function linkAll(drafts: readonly Draft[], extra: ReadonlyMap<string, Draft[]>): void {
  const byRule = new Map<string, Draft[]>([...extra].map(([k, v]) => [k, [...v]]));
  for (const d of drafts) {
    const list = byRule.get(d.rule.name);
    if (list) list.push(d);
    else byRule.set(d.rule.name, [d]);
  }
  for (const d of drafts) {
    const into = d.rule.resourceType ? d.resource : undefined;
    if (!into) continue;
    for (const ref of d.rule.references ?? []) link(d, ref, byRule);
  }
}

function link(from: Draft, ref: ItemReferenceRule, byRule: ReadonlyMap<string, Draft[]>): void {
  for (const name of ref.to) {
    const candidates = byRule.get(name) ?? [];
    const chosen =
      ref.pick === 'all'
        ? candidates
        : ref.pick === 'preceding'
          ? candidates.filter((c) => c.index < from.index).slice(-1)
          : candidates.slice(0, 1);
    if (chosen.length === 0) continue;
    for (const c of chosen) {
      const value: Json = { reference: `urn:uuid:${c.id}` };
      if (ref.type) value.type = ref.type;
      setPath(from.resource, ref.target, value);
    }
    return;
  }
}
