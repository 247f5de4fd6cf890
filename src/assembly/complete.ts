/**
 * The intake's completion port on the client record: when a referral's summary is missing or has
 * sections missing, `notasked` or `unavailable`, the gateway assembles what the record holds for
 * the client (joined by BSN only) and may pass on to the receiver, as a document of its own. The
 * R1 gate is cured for each section so completed; the response says what was added and what was
 * withheld for lack of consent.
 */
import type {
  Bundle,
  Consent,
  OperationOutcomeIssue,
  Patient,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import type { OrganisationConfig } from '../config/types.js';
import { BundleIndex } from '../fhir/bundle.js';
import { SUMMARY_SECTIONS, SYSTEMS, type SummarySection } from '../fhir/codes.js';
import { issue } from '../fhir/outcomes.js';
import type { GateResult, SectionState } from '../intake/gate.js';
import type { OrganisationKey } from '../intake/ports.js';
import { WITHHELD_TEXT } from '../consent/decide.js';
import { bsnOf } from '../record/keys.js';
import type { RecordStore } from '../record/store.js';
import { filterForRecipient, loadView } from '../record/view.js';
import type { ResourceStore } from '../store/resource-store.js';
import { assemble, type Assembly } from './assemble.js';

/** What the intake gets back: the gate issues left, notes for the response, what to store. */
export interface Completion {
  /** The gate's issues that the record could not cure (empty: the gate passes). */
  remaining: OperationOutcomeIssue[];
  /** Information issues for the response: per section what was added or withheld. */
  notes: OperationOutcomeIssue[];
  /** The assembled Composition and its document, linked to the stored client. */
  resources(patient: Reference | undefined): (Resource & { id: string })[];
  /** The Task input that points to the assembled summary. */
  input?: Reference;
}

export interface CompletionDeps {
  record: RecordStore;
  received?: ResourceStore;
  organisations: readonly OrganisationConfig[];
  endpoint: string;
  now(): Date;
  newId(): string;
  /** Records that the record of a client was read for a referral (NEN 7513). */
  audit?(patientBsnKey: string, sender: OrganisationKey, used: readonly string[]): Promise<void>;
}

/** Sections that the gateway completes when it can: missing, `notasked`, without a reason, or `unavailable` to the sender. */
function toComplete(s: SectionState): boolean {
  return s.state === 'empty' ? s.reason === 'unavailable' : s.state !== 'filled';
}

export function createCompletion(
  deps: CompletionDeps,
): (message: Bundle, gate: GateResult, sender: OrganisationKey) => Promise<Completion | undefined> {
  return async (message, gate, sender) => {
    const needed = gate.sections.filter(toComplete).map((s) => s.code);
    if (needed.length === 0) return undefined;
    const parties = partiesOf(message);
    const bsn = parties.patient ? bsnOf(parties.patient) : undefined;
    // A client without a BSN is never joined to a record.
    if (!bsn || !parties.receiver) return undefined;
    const key = (await deps.record.clientByBsn(bsn)) ?? `bsn|${bsn}`;
    const view = await loadView(key, deps.record, deps.received);
    if (view.entries.length === 0) return undefined;
    const receiver = deps.organisations.find((o) => sameId(o.identifier, parties.receiver));
    const from = deps.organisations.find((o) => sameId(o.identifier, sender));
    // The referral's own Consents count too: they travel with it.
    const filtered = filterForRecipient(
      view,
      { type: receiver?.type, identifier: parties.receiver },
      from?.type,
      deps.now(),
      { consents: parties.consents, resolve: (r) => parties.index.resolve(r)?.resource },
    );
    const recordPatients = new Set(
      view.entries.flatMap((e) => (e.resource.resourceType === 'Patient' ? [e.resource.id] : [])),
    );
    if (view.patient) recordPatients.add(view.patient.id);
    const make = (patient: Reference | undefined): Assembly =>
      assemble({
        filtered,
        sections: needed,
        patient: patient ?? {},
        ...(parties.patient && patient?.reference
          ? { patientResource: { ...parties.patient, id: patient.reference.split('/')[1] ?? '' } }
          : {}),
        recordPatients,
        endpoint: deps.endpoint,
        now: deps.now(),
        newId: deps.newId,
      });
    const preview = make({ reference: 'Patient/x' });
    const completed = new Set<SummarySection>([
      ...preview.added.map((a) => a.section),
      ...preview.withheld.map((w) => w.section),
    ]);
    if (completed.size === 0) return undefined;
    await deps.audit?.(
      key,
      sender,
      preview.added.flatMap((a) => a.references),
    );
    let built: Assembly | undefined;
    const once = (patient: Reference | undefined): Assembly => (built ??= make(patient));
    const compositionId = deps.newId();
    return {
      remaining: remainingIssues(gate, completed),
      notes: notesOf(preview, gate),
      resources: (patient) => {
        const a = once(patient);
        const composition = { ...a.composition, id: compositionId };
        const document = {
          ...a.document,
          id: compositionId,
          identifier: { ...a.document.identifier, value: compositionId },
          entry: [
            { fullUrl: `${deps.endpoint}/Composition/${compositionId}`, resource: composition },
            ...(a.document.entry ?? []).slice(1),
          ],
        };
        return [composition, document];
      },
      input: { reference: `Composition/${compositionId}` },
    };
  };
}

interface Parties {
  index: BundleIndex;
  consents: Consent[];
  patient?: Patient;
  receiver?: { system: string; value: string };
}

/** The client and the receiving organisation of a referral message (ServiceRequest subject and performer). */
function partiesOf(message: Bundle): Parties {
  const index = new BundleIndex(message);
  const consents = index.ofType('Consent').map((e) => e.resource);
  const sr = index.ofType('ServiceRequest')[0];
  if (!sr) return { index, consents };
  const patient = index.resolve(sr.resource.subject.reference, sr)?.resource;
  const org = index.resolve(sr.resource.performer?.[0]?.reference, sr)?.resource;
  const id =
    org?.resourceType === 'Organization'
      ? org.identifier?.find((i) => (i.system === SYSTEMS.agb || i.system === SYSTEMS.ura) && i.value)
      : undefined;
  return {
    index,
    consents,
    ...(patient?.resourceType === 'Patient' ? { patient } : {}),
    ...(id?.system && id.value ? { receiver: { system: id.system, value: id.value } } : {}),
  };
}

function sameId(
  a: { system: string; value: string },
  b: { system: string; value: string } | undefined,
): boolean {
  return !!b && a.system === b.system && a.value === b.value;
}

/**
 * The gate's issues minus those of completed sections. Each section issue names its section as
 * `Summary section '<code>'` (src/intake/gate.ts); a missing summary is cured only when every
 * section is.
 */
function remainingIssues(gate: GateResult, completed: ReadonlySet<SummarySection>): OperationOutcomeIssue[] {
  const all = SUMMARY_SECTIONS.every((s) => completed.has(s));
  return gate.issues.filter((i) => {
    const text = i.diagnostics ?? '';
    const section = SUMMARY_SECTIONS.find((s) => text.includes(`Summary section '${s}'`));
    return section ? !completed.has(section) : !all;
  });
}

function notesOf(a: Assembly, gate: GateResult): OperationOutcomeIssue[] {
  const where = (code: SummarySection): string | undefined => {
    const at = (gate.summary?.section ?? []).findIndex((s) =>
      (s.code?.coding ?? []).some((c) => c.system === SYSTEMS.summarySection && c.code === code),
    );
    return gate.summaryPath && at >= 0 ? `${gate.summaryPath}.section[${at}]` : undefined;
  };
  const note = (code: SummarySection, message: string): OperationOutcomeIssue => {
    const expression = where(code);
    return {
      ...issue({
        severity: 'information',
        code: 'informational',
        message,
        ...(expression ? { expression } : {}),
      }),
      details: { coding: [{ system: SYSTEMS.summarySection, code }], text: message },
    };
  };
  return [
    ...a.added.map((s) =>
      note(
        s.section,
        `Summary section '${s.section}': ${s.references.length} entr${s.references.length === 1 ? 'y' : 'ies'} added from the client record in the gateway's assembled summary`,
      ),
    ),
    ...a.withheld.map((s) =>
      note(
        s.section,
        `Summary section '${s.section}': ${s.count} entr${s.count === 1 ? 'y' : 'ies'} of the client record withheld: ${s.reasons.map((r) => WITHHELD_TEXT[r]).join('; ')}`,
      ),
    ),
  ];
}
