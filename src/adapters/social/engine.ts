/**
 * Converting one iWmo / iJw record (a product of a 301, 305, 307 or 315, with its header and
 * client) by the spec: resources made from templates, fixed values, field rules, references, and
 * for a 315 the referral message with the previous-treatment summary the message cannot fill.
 * Every leaf of the record ends in the output, as structural, or in the report.
 */
import type { Bundle, OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { SUMMARY_SECTIONS, SYSTEMS, sd } from '../../fhir/codes.js';
import { outcome } from '../../fhir/outcomes.js';
import { CoverageTracker } from '../coverage.js';
import { type ConversionContext, untranslatableIssue } from '../framework.js';
import { uuidFor } from '../ids.js';
import { type Json, setPath, valuesAt } from '../paths.js';
import type { Leaf, SocialRecord } from './parse.js';
import { forLaw, type MessageSpec, type SocialSpec } from './spec.js';
import { toFhir } from './values.js';

interface Draft {
  name: string;
  resource: Json;
  keepWhen?: string;
}

export interface DetailedResult {
  output: Bundle;
  report: OperationOutcome;
  coverage: CoverageTracker;
}

export function convertRecord(
  record: SocialRecord,
  spec: SocialSpec,
  ctx: ConversionContext,
): DetailedResult {
  const message = spec.messages[record.message];
  const coverage = new CoverageTracker();
  for (const leaf of record.leaves) coverage.populated({ key: leaf.location, path: leaf.parts });
  const structural = new Set(spec.structure.structural);
  for (const leaf of record.leaves) if (structural.has(leaf.path)) coverage.declareStructural(leaf.location);

  const issues: OperationOutcomeIssue[] = [];
  const drafts = makeDrafts(record, message);
  const byName = new Map(drafts.map((d) => [d.name, d]));
  for (const f of message.fixed) {
    const draft = byName.get(f.resource);
    if (draft) setPath(draft.resource, forLaw(f.path, record.law), structuredClone(f.value));
  }
  applyFields(record, message, byName, coverage, issues, ctx);
  const kept = drafts.filter((d) => !d.keepWhen || valuesAt(d.resource, d.keepWhen).length > 0);
  organisationTypes(record, kept, issues, ctx);
  link(message, kept);
  if (message.assemble === 'referral-message') {
    summarise(record, spec, kept);
    categoryFromChannel(record, kept, issues, ctx);
  }
  const output = assemble(message, kept);
  issues.push(...coverage.unmappedIssues(() => 'No mapping rule reads this element'));
  return { output, report: outcome(issues), coverage };
}

function makeDrafts(record: SocialRecord, message: MessageSpec): Draft[] {
  const identity = [
    'iwmo-ijw',
    record.law,
    record.message,
    text(record, 'Header/Afzender'),
    text(record, 'Header/BerichtIdentificatie/Identificatie'),
  ];
  const perRecord = new Set(message.fields.filter((f) => f.source.startsWith('./')).map((f) => f.resource));
  const idFor = (name: string, type: string): string =>
    type === 'Patient' || (type === 'Organization' && !perRecord.has(name))
      ? uuidFor(...identity, name)
      : uuidFor(...identity, String(record.index), name);
  const bundle: Draft = {
    name: 'bundle',
    resource: {
      resourceType: 'Bundle',
      id: idFor('bundle', 'Bundle'),
      type: message.assemble === 'referral-message' ? 'message' : 'collection',
    },
  };
  return [
    bundle,
    ...message.resources.map((r) => {
      const resource: Json = { resourceType: r.type, id: idFor(r.name, r.type) };
      if (r.profile) resource.meta = { profile: [sd(r.profile)] };
      return { name: r.name, resource, keepWhen: r.keepWhen };
    }),
  ];
}

function text(record: SocialRecord, path: string): string {
  return record.leaves.find((l) => l.path === path)?.text ?? '';
}

function applyFields(
  record: SocialRecord,
  message: MessageSpec,
  byName: Map<string, Draft>,
  coverage: CoverageTracker,
  issues: OperationOutcomeIssue[],
  ctx: ConversionContext,
): void {
  const leafAt = new Map<string, Leaf>();
  for (const leaf of record.leaves) if (!leafAt.has(leaf.path)) leafAt.set(leaf.path, leaf);
  const reported = new Set<string>();
  for (const rule of message.fields) {
    const main = leafAt.get(rule.source);
    const draft = byName.get(rule.resource);
    if (!main || !draft) continue;
    const leaves = [main, ...(rule.also ?? []).map((s) => leafAt.get(s))];
    const result = toFhir(
      rule,
      leaves.map((l) => l?.text),
      { law: record.law, translator: ctx.translator },
    );
    if (!result) continue;
    if ('problem' in result) {
      if (!reported.has(main.location))
        issues.push(untranslatableIssue({ location: main.location, message: `The value ${result.problem}` }));
      reported.add(main.location);
      coverage.markReported(main.location);
      continue;
    }
    if (!setPath(draft.resource, forLaw(rule.path, record.law), result.value)) continue;
    for (const leaf of leaves) if (leaf) coverage.use(leaf.location);
  }
}

/** What the message cannot say: the provider's kind of organisation, from the channel or the law. */
const DEFAULT_PROVIDER_TYPE = { iwmo: 'social-domain-organisation', ijw: 'youth-ggz-institution' } as const;

function organisationTypes(
  record: SocialRecord,
  kept: Draft[],
  issues: OperationOutcomeIssue[],
  ctx: ConversionContext,
): void {
  const provider = kept.find((d) => d.name === 'provider');
  if (!provider || valuesAt(provider.resource, 'type').length > 0) return;
  const code = ctx.channel?.providerOrganizationType ?? DEFAULT_PROVIDER_TYPE[record.law];
  setPath(provider.resource, 'type[]', { coding: [{ system: SYSTEMS.organizationType, code }] });
  if (!ctx.channel?.providerOrganizationType) {
    const location = record.message === '301' ? '/Bericht/Header/Ontvanger' : '/Bericht/Header/Afzender';
    issues.push(
      untranslatableIssue({
        location,
        message: `The message does not say what kind of organisation the provider is; without the channel setting providerOrganizationType it is taken as ${code}`,
      }),
    );
  }
}

function link(message: MessageSpec, kept: Draft[]): void {
  const byName = new Map(kept.map((d) => [d.name, d]));
  for (const ref of message.references) {
    const from = byName.get(ref.resource);
    const target = ref.to.map((n) => byName.get(n)).find((d) => d !== undefined);
    if (!from || !target) continue;
    const reference: Json = { reference: `urn:uuid:${String(target.resource.id)}` };
    if (ref.type) reference.type = ref.type;
    setPath(from.resource, ref.path, reference);
  }
}

/** A 315 carries no treatment history: every section says the source could not provide it. */
function summarise(record: SocialRecord, spec: SocialSpec, kept: Draft[]): void {
  const composition = kept.find((d) => d.resource.resourceType === 'Composition');
  if (!composition) return;
  const name = `${record.law === 'iwmo' ? 'WMO' : 'JW'}${record.message}`;
  composition.resource.title = spec.summary.title.replace('{message}', name);
  composition.resource.section = SUMMARY_SECTIONS.map((code) => ({
    title: code,
    code: { coding: [{ system: SYSTEMS.summarySection, code }] },
    text: {
      status: 'generated',
      div: `<div xmlns="http://www.w3.org/1999/xhtml"><p>${spec.summary.emptyText.replace('{message}', name)}</p></div>`,
    },
    emptyReason: { coding: [{ system: SYSTEMS.listEmptyReason, code: spec.summary.emptyReason }] },
  }));
}

/** A product category without a referral category (e.g. iJw 31) takes the channel's, reported either way. */
function categoryFromChannel(
  record: SocialRecord,
  kept: Draft[],
  issues: OperationOutcomeIssue[],
  ctx: ConversionContext,
): void {
  const referral = kept.find((d) => d.resource.resourceType === 'ServiceRequest');
  if (!referral) return;
  const codings = valuesAt(referral.resource, 'category.coding');
  if (codings.some((c) => (c as Json).system === SYSTEMS.referralCategory)) return;
  const fromChannel = ctx.channel?.referralCategory;
  const location = `${record.location}/Product/Categorie`;
  if (fromChannel) {
    setPath(referral.resource, 'category[]', {
      coding: [{ system: SYSTEMS.referralCategory, code: fromChannel }],
    });
    issues.push(
      untranslatableIssue({
        location,
        message:
          'No referral category for this product category; the channel setting referralCategory is used',
      }),
    );
  } else {
    issues.push(
      untranslatableIssue({
        location,
        message: 'No referral category for this product category and no channel setting referralCategory',
      }),
    );
  }
}

function assemble(message: MessageSpec, kept: Draft[]): Bundle {
  const [bundleDraft, ...rest] = kept;
  const bundle = bundleDraft?.resource ?? { resourceType: 'Bundle', type: 'collection' };
  const header = rest.filter((d) => d.resource.resourceType === 'MessageHeader');
  const ordered =
    message.assemble === 'referral-message' ? [...header, ...rest.filter((d) => !header.includes(d))] : rest;
  bundle.entry = ordered.map((d) => ({ fullUrl: `urn:uuid:${String(d.resource.id)}`, resource: d.resource }));
  return bundle as unknown as Bundle;
}
