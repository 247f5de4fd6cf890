/**
 * The client record as the gateway and the command line use it: imports, pre-population
 * ($populate), extraction back into the record ($extract) and the intake report of a referral.
 * Every use is checked (an organisation uses a client's record only when it holds part of it, by
 * an import or a referral) and audited (one AuditEvent per client, NEN 7513); what leaves the
 * record for an organisation is consent-filtered (src/consent).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  Identifier,
  Patient,
  Questionnaire,
  QuestionnaireResponse,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { AccessGrants } from '../access/grants.js';
import type { VisibleResources } from '../access/resources.js';
import { auditEvent, type AuditAction, type LegalBasis } from '../audit/events.js';
import type { Principal } from '../auth/smart.js';
import type { OrganisationConfig } from '../config/types.js';
import { SYSTEMS } from '../fhir/codes.js';
import { invalid, notFound, OperationOutcomeError } from '../fhir/outcomes.js';
import { parseReference } from '../store/index-rows.js';
import { DEFAULT_PACKAGE_DIR } from '../package/load.js';
import {
  extract,
  populate,
  referralReport,
  type PopulateResult,
  type ReferralReport,
} from '../questionnaire/index.js';
import { canonicalUrl } from '../questionnaire/sdc.js';
import type { AuditLog } from '../store/audit-log.js';
import type { Database } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import { importRecord, domainOf, type ImportDeps, type ImportInput } from './import.js';
import { RecordStore } from './store.js';
import type { ClientImport, ImportReport } from './types.js';
import { filterForRecipient, loadView, viewBundle, type RecordView } from './view.js';

/** Who the questionnaire is about: a Patient reference (record or referral) or a BSN. */
export interface Subject {
  reference?: string;
  identifier?: Identifier;
}

export interface RecordServiceDeps {
  db: Database;
  /** The resources received in referrals. */
  store: ResourceStore;
  visible: VisibleResources;
  auditLog: AuditLog;
  organisations: readonly OrganisationConfig[];
  endpoint: string;
  now(): Date;
  /** The adapters, built on first use. */
  adapters(): Pick<ImportDeps, 'registry' | 'context' | 'validate'>;
}

/** The Questionnaires that the intake report covers, by the receiver's organisation type. */
const INTAKE_QUESTIONNAIRES: Readonly<Record<string, readonly string[]>> = {
  'social-domain-organisation': ['social-domain-conversation', 'self-sufficiency-matrix', 'positive-health'],
  municipality: ['social-domain-conversation', 'self-sufficiency-matrix', 'positive-health'],
  default: ['ggz-intake', 'positive-health', 'phq-9'],
};

export class RecordService {
  readonly record: RecordStore;
  private questionnaires_: Questionnaire[] | undefined;

  constructor(private readonly deps: RecordServiceDeps) {
    this.record = new RecordStore(deps.db);
  }

  /** Imports the bytes of a source for the organisation; one audit event per client touched. */
  async import(
    input: Omit<ImportInput, 'organisation'>,
    principal: Principal | undefined,
    organisation?: OrganisationConfig,
  ): Promise<ImportReport> {
    const org = principal?.organisation ?? organisation;
    const report = await importRecord(
      { ...input, organisation: org },
      { ...this.deps.adapters(), record: this.record, now: this.deps.now },
    );
    // The command line imports as the organisation it names.
    const actor =
      principal ??
      (org ? { clientId: 'overdracht-import', organisation: org, roles: [], scopes: [] } : undefined);
    for (const client of report.clients)
      await this.auditClient(
        actor,
        await this.record.patientOf(client.clientKey),
        'C',
        '$import-record',
        [],
        'legal-obligation',
      );
    return report;
  }

  /** The package's Questionnaires (and those given), by canonical URL. */
  questionnaires(): Questionnaire[] {
    this.questionnaires_ ??= readdirSync(DEFAULT_PACKAGE_DIR)
      .filter((f) => f.startsWith('Questionnaire-') && f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(DEFAULT_PACKAGE_DIR, f), 'utf8')) as Questionnaire);
    return this.questionnaires_;
  }

  questionnaire(idOrUrl: string): Questionnaire | undefined {
    const url = canonicalUrl(idOrUrl);
    return this.questionnaires().find((q) => q.id === idOrUrl || q.url === url);
  }

  /** SDC $populate for the caller's organisation, from what the record may give it. */
  async populate(q: Questionnaire, subject: Subject, principal: Principal): Promise<PopulateResult> {
    const view = await this.viewFor(subject, principal);
    const result = populate(q, this.contextFor(view, principal));
    const used = [...new Set(result.sources.flatMap((s) => (s.reference ? [s.reference] : [])))];
    await this.auditClient(principal, view.patient?.id, 'R', '$populate', used, 'implied-consent-referral');
    return result;
  }

  /** SDC $extract: the response and its Observations go into the client's record. */
  async extract(
    response: QuestionnaireResponse,
    q: Questionnaire | undefined,
    principal: Principal,
  ): Promise<{ stored: Resource[]; result: ClientImport }> {
    const questionnaire =
      q ?? (response.questionnaire ? this.questionnaire(response.questionnaire) : undefined);
    if (!questionnaire)
      throw new OperationOutcomeError(
        invalid(
          'The Questionnaire of the response is not known: pass it as parameter questionnaire',
          'QuestionnaireResponse.questionnaire',
        ),
        422,
      );
    const reference = response.subject?.reference;
    if (!reference)
      throw new OperationOutcomeError(
        invalid('The response names no subject', 'QuestionnaireResponse.subject'),
        422,
      );
    const view = await this.viewFor({ reference }, principal);
    const resources = extract(response, questionnaire);
    const now = this.deps.now();
    await this.record.ensureClient(view.key, view.bsn, now);
    const org = principal.organisation;
    const result = await this.record.addToClient(
      view.key,
      resources,
      {
        organisation: { system: org.identifier.system, value: org.identifier.value, name: org.name },
        format: 'questionnaire',
        name: `$extract ${canonicalUrl(response.questionnaire ?? questionnaire.url ?? '')}`,
        domain: domainOf('questionnaire', org),
      },
      now,
    );
    await this.auditClient(principal, view.patient?.id, 'C', '$extract', [], 'implied-consent-referral');
    return { stored: resources, result };
  }

  /** The intake report of a referral the caller may see: which questions are answered, open, monitoring. */
  async intakeReport(serviceRequestId: string, principal: Principal): Promise<ReferralReport> {
    const sr = await this.deps.visible.read<ServiceRequest>(
      principal.organisation.identifier,
      'ServiceRequest',
      serviceRequestId,
    );
    const patient = sr.subject.reference ? parseReference(sr.subject.reference) : undefined;
    if (patient?.type !== 'Patient')
      throw new OperationOutcomeError(notFound('The referral names no client'), 404);
    const view = await this.viewFor({ reference: `Patient/${patient.id}` }, principal);
    const ids = INTAKE_QUESTIONNAIRES[principal.organisation.type] ?? INTAKE_QUESTIONNAIRES.default ?? [];
    const qs = ids.flatMap((id) => this.questionnaire(id) ?? []);
    const report = referralReport(qs, this.contextFor(view, principal), `ServiceRequest/${serviceRequestId}`);
    await this.auditClient(
      principal,
      view.patient?.id,
      'R',
      '$intake-report',
      [`ServiceRequest/${serviceRequestId}`],
      'implied-consent-referral',
    );
    return report;
  }

  private contextFor(view: RecordView, principal: Principal): Parameters<typeof populate>[1] {
    const filtered = filterForRecipient(
      view,
      { type: principal.organisation.type, identifier: principal.organisation.identifier },
      undefined,
      this.deps.now(),
    );
    const patient: Patient = view.patient ?? { resourceType: 'Patient' };
    return {
      patient,
      record: viewBundle(view, this.deps.endpoint, filtered.allowed),
      now: this.deps.now(),
      questionnaires: this.questionnaires(),
    };
  }

  /** The record of the subject, when the caller's organisation holds part of it; else 404 as if there were none. */
  async viewFor(subject: Subject, principal: Principal): Promise<RecordView> {
    const key = await this.keyOf(subject);
    const unknown = new OperationOutcomeError(
      notFound('No record of this client is available to this organisation'),
      404,
    );
    if (!key) throw unknown;
    const view = await loadView(key, this.record, this.deps.store);
    if (!(await this.mayUse(principal, view))) throw unknown;
    return view;
  }

  private async keyOf(subject: Subject): Promise<string | undefined> {
    if (subject.identifier) {
      if (subject.identifier.system !== SYSTEMS.bsn || !subject.identifier.value)
        throw new OperationOutcomeError(
          invalid('A subject identifier is a BSN', 'subject.identifier.system'),
          422,
        );
      return (await this.record.clientByBsn(subject.identifier.value)) ?? `bsn|${subject.identifier.value}`;
    }
    const target = subject.reference ? parseReference(subject.reference) : undefined;
    if (target?.type !== 'Patient')
      throw new OperationOutcomeError(
        invalid('The subject is a Patient reference or a BSN identifier', 'subject'),
        422,
      );
    const inRecord = await this.record.clientOfPatient(target.id);
    if (inRecord) return inRecord;
    try {
      const stored = await this.deps.store.read<Patient>('Patient', target.id);
      const bsn = stored.identifier?.find((i) => i.system === SYSTEMS.bsn)?.value;
      return bsn ? ((await this.record.clientByBsn(bsn)) ?? `bsn|${bsn}`) : undefined;
    } catch {
      return undefined;
    }
  }

  private async mayUse(principal: Principal, view: RecordView): Promise<boolean> {
    const org = principal.organisation.identifier;
    if (await this.record.holds(org, view.key)) return true;
    const patient = view.patient?.id;
    return patient !== undefined && (await new AccessGrants(this.deps.db).has(org, 'Patient', patient));
  }

  private async auditClient(
    principal: Principal | undefined,
    patient: string | undefined,
    action: AuditAction,
    interaction: string,
    what: readonly string[],
    legalBasis: LegalBasis,
  ): Promise<void> {
    if (!principal) return;
    await this.deps.auditLog.append(
      auditEvent({
        principal,
        action,
        interaction,
        outcome: '0',
        ...(patient ? { patient: { reference: `Patient/${patient}` } } : {}),
        what: what.map((reference) => ({ reference })),
        legalBasis,
        sourceSystem: this.deps.endpoint,
        recorded: this.deps.now(),
      }),
    );
  }
}
