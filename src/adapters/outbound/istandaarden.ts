/**
 * The 315 writer: a referral message (ours, or one the iwmo-ijw adapter made from a 315) to an
 * iJw JW315 or iWmo WMO315 request for assignment. It reads the rules of mappings/iwmo-ijw back
 * (src/adapters/social/values.ts holds both directions of every converter), so what a 315 maps
 * into FHIR comes back out at the same element. What a 315 cannot carry, and what it needs but the
 * input does not hold, is reported by FHIRPath.
 */
import type { Bundle, Organization, Patient, Resource, ServiceRequest } from '@medplum/fhirtypes';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { SYSTEMS } from '../../fhir/codes.js';
import { issue, outcome } from '../../fhir/outcomes.js';
import type { ConversionContext } from '../framework.js';
import { loadSocialSpec } from '../social/index.js';
import { forLaw, type Law, type SocialSpec } from '../social/spec.js';
import { fromFhir } from '../social/values.js';
import { EntryIndex } from './bundle-index.js';
import type { OutboundWriter, WriteResult } from './types.js';

const MUNICIPALITY_SYSTEM = 'urn:oid:2.16.840.1.113883.2.4.6.14';
const MUNICIPALITY_EXTENSION = 'https://overdracht.dev/fhir/StructureDefinition/ov-municipality-code';
const CM = 'https://overdracht.dev/fhir/ConceptMap/';
const PRODUCT_SYSTEM = (law: Law): string => `https://overdracht.dev/fhir/CodeSystem/${law}-product-category`;
const REQUIRED = [
  'Header/Afzender',
  'Header/Ontvanger',
  'Header/BerichtIdentificatie/Identificatie',
  'Header/BerichtIdentificatie/Dagtekening',
  'Client/Bsn',
  './Product/Categorie',
];

export const ISTANDAARDEN_315_FORMAT = 'iwmo-ijw';

export function create315Writer(specFile?: string): OutboundWriter {
  const spec = loadSocialSpec(specFile);
  return {
    format: ISTANDAARDEN_315_FORMAT,
    describe: 'iJw JW315 / iWmo WMO315 request for assignment, from a referral message',
    mediaType: 'application/xml',
    write: (input, ctx) => write315(input, spec, ctx),
  };
}

interface Parties {
  bundle: Bundle;
  header?: Resource;
  referral: ServiceRequest;
  summary?: Resource;
  patient?: Patient;
  provider?: Organization;
  municipality?: Organization;
  referrer?: Organization;
}

function write315(input: Bundle | Resource, spec: SocialSpec, ctx: ConversionContext): WriteResult {
  if (input.resourceType !== 'Bundle')
    return refused('The input must be a referral message Bundle', 'Bundle');
  const index = new EntryIndex(input);
  const parties = locate(input, index);
  if (!parties) return refused('The Bundle holds no ServiceRequest', 'Bundle.entry');
  const issues: OperationOutcomeIssue[] = [];
  const law = lawOf(parties.referral, ctx);
  const values = new Map<string, string>();
  const env = { law, translator: ctx.translator };
  for (const rule of spec.messages['315'].fields) {
    if (rule.direction === 'in') continue;
    const resource = (parties as unknown as Record<string, Resource | undefined>)[rule.resource];
    const texts = resource ? fromFhir(rule, resource, env) : undefined;
    if (!texts) continue;
    [rule.source, ...(rule.also ?? [])].forEach((source, i) => {
      const text = texts[i];
      if (text && !values.has(source)) values.set(source, text);
    });
  }
  fallbacks(values, parties, law, spec, ctx, issues);
  const missing = REQUIRED.filter((p) => !values.has(p));
  if (missing.length > 0) {
    return {
      output: undefined,
      report: outcome([
        ...issues,
        ...missing.map((p) =>
          issue({
            severity: 'error',
            code: 'required',
            message: `A 315 needs ${p.replace('./', 'AangevraagdProduct/')}; the referral message does not provide it`,
            expression: EXPRESSIONS[p] ?? 'Bundle',
          }),
        ),
      ]),
    };
  }
  issues.push(...notCarried(parties, index));
  return { output: serialise(values, law, spec), report: outcome(issues) };
}

/** Where the writer looks for each source that is missing (for the report). */
const EXPRESSIONS: Record<string, string> = {
  'Header/Afzender': 'ServiceRequest.performer',
  'Header/Ontvanger': 'MessageHeader.destination.receiver',
  'Header/BerichtIdentificatie/Identificatie': 'Bundle.identifier',
  'Header/BerichtIdentificatie/Dagtekening': 'Bundle.timestamp',
  'Client/Bsn': 'Patient.identifier',
  './Product/Categorie': 'ServiceRequest.category',
};

function locate(bundle: Bundle, index: EntryIndex): Parties | undefined {
  const header = index.first('MessageHeader');
  const focus = header?.focus?.map((f) => index.resolve(f)).find((r) => r?.resourceType === 'ServiceRequest');
  const referral = (focus as ServiceRequest | undefined) ?? index.first('ServiceRequest');
  if (!referral) return undefined;
  const org = (r: Resource | undefined): Organization | undefined =>
    r?.resourceType === 'Organization' ? r : undefined;
  const requester = index.resolve(referral.requester);
  const referrer =
    org(requester) ??
    (requester?.resourceType === 'PractitionerRole' ? org(index.resolve(requester.organization)) : undefined);
  const provider = referral.performer?.map((p) => org(index.resolve(p))).find((o) => o !== undefined);
  const municipality = header?.destination
    ?.map((d) => org(index.resolve(d.receiver)))
    .find((o) => o?.identifier?.some((i) => i.system === MUNICIPALITY_SYSTEM));
  const subject = index.resolve(referral.subject);
  const summary = referral.supportingInfo
    ?.map((s) => index.resolve(s))
    .find((r) => r?.resourceType === 'Composition');
  return {
    bundle,
    header,
    referral,
    summary,
    patient: subject?.resourceType === 'Patient' ? subject : undefined,
    provider,
    municipality,
    // The provider asking for assignment is not its own referrer.
    referrer: referrer && referrer !== provider ? referrer : undefined,
  };
}

/** The law follows the product category; without one, the referral category's. */
function lawOf(referral: ServiceRequest, ctx: ConversionContext): Law {
  const codings = (referral.category ?? []).flatMap((c) => c.coding ?? []);
  if (codings.some((c) => c.system === PRODUCT_SYSTEM('iwmo'))) return 'iwmo';
  if (codings.some((c) => c.system === PRODUCT_SYSTEM('ijw'))) return 'ijw';
  const category = codings.find((c) => c.system === SYSTEMS.referralCategory)?.code ?? '';
  const result = ctx.translator.translate(`${CM}referral-category-to-product-category`, {
    system: SYSTEMS.referralCategory,
    code: category,
  });
  return result.kind === 'mapped' && result.targets[0]?.system === PRODUCT_SYSTEM('iwmo') ? 'iwmo' : 'ijw';
}

/** What our own referral messages say elsewhere than a 315-made one. */
function fallbacks(
  values: Map<string, string>,
  parties: Parties,
  law: Law,
  spec: SocialSpec,
  ctx: ConversionContext,
  issues: OperationOutcomeIssue[],
): void {
  const set = (path: string, value: string | undefined): void => {
    if (value && !values.has(path)) values.set(path, value);
  };
  set('Header/Ontvanger', municipalityCode(parties.patient) ?? ctx.channel?.municipalityCode);
  set(
    'Header/BerichtIdentificatie/Identificatie',
    parties.bundle.identifier?.value ?? parties.header?.id ?? parties.bundle.id,
  );
  set(
    'Header/BerichtIdentificatie/Dagtekening',
    (parties.bundle.timestamp ?? parties.referral.authoredOn)?.slice(0, 10),
  );
  const category = parties.referral.category
    ?.flatMap((c) => c.coding ?? [])
    .find((c) => c.system === SYSTEMS.referralCategory);
  if (!values.has('./Product/Categorie') && category?.code) {
    const result = ctx.translator.translate(`${CM}referral-category-to-product-category`, {
      system: SYSTEMS.referralCategory,
      code: category.code,
    });
    const target =
      result.kind === 'mapped' ? result.targets.find((t) => t.system === PRODUCT_SYSTEM(law)) : undefined;
    set('./Product/Categorie', target?.code);
  }
  if (!values.has('./Verwijzer/Type') && parties.referrer) {
    const type = parties.referrer.type
      ?.flatMap((t) => t.coding ?? [])
      .find((c) => c.system === SYSTEMS.organizationType);
    const result = ctx.translator.translate(`${CM}organization-type-to-verwijzer`, {
      system: SYSTEMS.organizationType,
      code: type?.code ?? '',
    });
    if (result.kind === 'mapped') set('./Verwijzer/Type', result.targets[0]?.code);
    else
      issues.push(
        issue({
          severity: 'warning',
          code: 'code-invalid',
          message:
            'The referrer has no organisation type a 315 Verwijzer type exists for; Verwijzer/Type is left out',
          expression: 'Organization.type',
        }),
      );
  }
  // The 3.2 Postcode is four digits and two capitals without a space (FHIR allows `9711 NV`).
  const postcode = values.get('Client/Contactgegevens/Contact/Adres/Postcode');
  if (postcode && /^\d{4}\s?[A-Za-z]{2}$/.test(postcode))
    values.set('Client/Contactgegevens/Contact/Adres/Postcode', postcode.replace(/\s/, '').toUpperCase());
  set('Header/BerichtCode', spec.structure.berichtCodes[law]['315']);
  set('Header/BerichtVersie', '3');
  set('Header/BerichtSubversie', '2');
}

function municipalityCode(patient: Patient | undefined): string | undefined {
  for (const address of patient?.address ?? [])
    for (const ext of address.extension ?? [])
      if (ext.url === MUNICIPALITY_EXTENSION && ext.valueCoding?.code) return ext.valueCoding.code;
  return undefined;
}

/** A 315 asks for a product; the clinical content of a referral stays behind, said once per kind. */
function notCarried(parties: Parties, index: EntryIndex): OperationOutcomeIssue[] {
  const out: OperationOutcomeIssue[] = [];
  const note = (expression: string, what: string): void => {
    out.push(
      issue({
        severity: 'information',
        code: 'informational',
        message: `${what} has no place in a 315 and is not written`,
        expression,
      }),
    );
  };
  const sr = parties.referral;
  if (sr.reasonCode || sr.reasonReference) note('ServiceRequest.reason', 'The reason for referral');
  if (parties.summary) note(index.pathOf(parties.summary), 'The previous-treatment summary');
  if (sr.extension?.some((e) => e.url.endsWith('ov-client-request')))
    note('ServiceRequest.extension', "The client's request for help");
  return out;
}

function refused(message: string, expression: string): WriteResult {
  return {
    output: undefined,
    report: outcome([issue({ severity: 'error', code: 'invalid', message, expression })]),
  };
}

// ---------------------------------------------------------------------------------------------
// XML, elements in the order of the spec's structure

interface Node {
  name: string;
  text?: string;
  children: Node[];
}

function serialise(values: Map<string, string>, law: Law, spec: SocialSpec): string {
  const record = spec.structure.records['315'];
  const order = [
    ...spec.structure.header,
    ...spec.structure.client,
    ...spec.structure.record.map((p) => `Client/${record}/${p}`),
  ];
  const rank = (path: string): number => {
    const i = order.findIndex((o) => o === path || o.startsWith(`${path}/`));
    return i < 0 ? order.length : i;
  };
  const root: Node = { name: 'Bericht', children: [] };
  const entries = [...values].map(
    ([p, v]) => [p.startsWith('./') ? `Client/${record}/${p.slice(2)}` : p, v] as const,
  );
  entries.sort((a, b) => rank(a[0]) - rank(b[0]));
  for (const [path, text] of entries) {
    let node = root;
    for (const name of path.split('/')) {
      let child = node.children.find((c) => c.name === name);
      if (!child) {
        child = { name, children: [] };
        node.children.push(child);
      }
      node = child;
    }
    node.text = text;
  }
  const ns = forLaw(spec.namespaceTemplate, law)
    .replace('{prefix}', law === 'iwmo' ? 'wmo' : 'jw')
    .replace('{message}', '315');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${write(root, 0, ns)}\n`;
}

function write(node: Node, depth: number, ns?: string): string {
  const pad = '  '.repeat(depth);
  const attrs = ns ? ` xmlns="${escapeXml(ns)}"` : '';
  if (node.children.length === 0)
    return `${pad}<${node.name}${attrs}>${escapeXml(node.text ?? '')}</${node.name}>`;
  const inner = node.children.map((c) => write(c, depth + 1)).join('\n');
  return `${pad}<${node.name}${attrs}>\n${inner}\n${pad}</${node.name}>`;
}

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
}
