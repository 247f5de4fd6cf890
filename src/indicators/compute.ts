/**
 * The indicators computed from what the gateway holds, per municipality and month (R8, R9, R3,
 * R5, R2, R11). Pure: resources in, items out - one item per referral (or answer, or
 * interruption) counted, with the client it is about, so that suppression can count distinct
 * clients per cell. `report.ts` turns the items into MeasureReports.
 *
 * - the month of a referral is the month it was registered (Task.authoredOn), in Dutch time;
 * - the municipality is the CBS code on the referral or the client's address
 *   (ov-municipality-code), else `unknown`: no postcode table exists offline to derive it.
 */
import type {
  Address,
  EpisodeOfCare,
  Extension,
  Organization,
  Patient,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { SYSTEMS } from '../fhir/codes.js';
import { isReferralTask } from '../workflow/codes.js';
import { ageOn, DEFAULT_TIME_ZONE, daysBetween, monthOf, toCalendarDate } from '../workflow/dates.js';
import { historyOf } from '../workflow/history.js';
import { waitingTime, type TaskRecord } from '../workflow/waiting-times.js';
import { interruptions, type CareEpisode } from '../workflow/youth-transition.js';
import { UNKNOWN_MUNICIPALITY, type MeasureId } from './measures.js';

export const MUNICIPALITY_EXTENSION = 'https://overdracht.dev/fhir/StructureDefinition/ov-municipality-code';
const ANSWER_SOURCE = 'https://overdracht.dev/fhir/StructureDefinition/ov-answer-source';
const INTAKE_QUESTIONNAIRES = [
  'https://overdracht.dev/fhir/Questionnaire/ggz-intake',
  'https://overdracht.dev/fhir/Questionnaire/social-domain-conversation',
];
const GGZ_CATEGORIES = new Set(['ggz-basic', 'ggz-specialist', 'youth-ggz', 'crisis', 'poh-ggz']);

export interface IndicatorInputs {
  /** Tasks with their recorded history (Provenance). */
  tasks: readonly TaskRecord[];
  serviceRequests: readonly ServiceRequest[];
  patients: readonly Patient[];
  organizations: readonly Organization[];
  questionnaireResponses: readonly QuestionnaireResponse[];
  episodes: readonly EpisodeOfCare[];
}

/** One thing counted: which cell, which group, which client, and what it adds. */
export interface Item {
  measure: MeasureId;
  group: string;
  municipality: string;
  /** YYYY-MM */
  month: string;
  /** `Patient/<id>`: distinct clients decide suppression. */
  client: string;
  /** For proportions: whether the item is in the numerator too. */
  numerator?: boolean;
  /** For medians. */
  days?: number;
  /** Stratifier code -> stratum value. */
  strata?: Record<string, string>;
}

export interface ComputeOptions {
  timeZone?: string;
}

const byId = <T extends { id?: string }>(list: readonly T[], type: string): Map<string, T> =>
  new Map(list.flatMap((r) => (r.id ? [[`${type}/${r.id}`, r]] : [])));

function municipalityOf(extensions: readonly Extension[] | undefined): string | undefined {
  const code = extensions?.find((e) => e.url === MUNICIPALITY_EXTENSION)?.valueCoding?.code;
  return code && /^\d{4}$/.test(code) ? `GM${code}` : undefined;
}

function addressMunicipality(addresses: readonly Address[] | undefined): string | undefined {
  const ordered = [...(addresses ?? [])].sort((a, b) => Number(b.use === 'home') - Number(a.use === 'home'));
  for (const address of ordered) {
    const found = municipalityOf(address.extension);
    if (found) return found;
  }
  return undefined;
}

const organisationType = (org: Organization | undefined): string | undefined =>
  org?.type?.flatMap((t) => t.coding ?? []).find((c) => c.system === SYSTEMS.organizationType)?.code;

function destinationOf(sr: ServiceRequest | undefined): string {
  const code = sr?.category
    ?.flatMap((c) => c.coding ?? [])
    .find((c) => c.system === SYSTEMS.referralCategory)?.code;
  if (!code) return 'other';
  if (GGZ_CATEGORIES.has(code)) return 'ggz';
  return code === 'exploratory-conversation' || code === 'social-domain' ? code : 'other';
}

/** Everything one computation looks up, indexed once. */
class Context {
  readonly srs: Map<string, ServiceRequest>;
  readonly patients: Map<string, Patient>;
  readonly orgs: Map<string, Organization>;
  readonly tz: string;

  constructor(
    readonly inputs: IndicatorInputs,
    options: ComputeOptions,
  ) {
    this.srs = byId(inputs.serviceRequests, 'ServiceRequest');
    this.patients = byId(inputs.patients, 'Patient');
    this.orgs = byId(inputs.organizations, 'Organization');
    this.tz = options.timeZone ?? DEFAULT_TIME_ZONE;
  }

  serviceRequestOf(task: Task): ServiceRequest | undefined {
    return task.focus?.reference ? this.srs.get(task.focus.reference) : undefined;
  }

  municipality(client: string, sr?: ServiceRequest): string {
    return (
      municipalityOf(sr?.extension) ??
      addressMunicipality(this.patients.get(client)?.address) ??
      UNKNOWN_MUNICIPALITY
    );
  }

  orgType(reference: string | undefined): string | undefined {
    return reference ? organisationType(this.orgs.get(reference)) : undefined;
  }

  date(value: string | undefined): string | undefined {
    return value ? toCalendarDate(value, this.tz) : undefined;
  }
}

interface Referral {
  record: TaskRecord;
  client: string;
  registered: string;
  month: string;
  municipality: string;
  sr: ServiceRequest | undefined;
}

function referralsOf(ctx: Context): Referral[] {
  return ctx.inputs.tasks.flatMap((record): Referral[] => {
    const { task } = record;
    const registered = ctx.date(task.authoredOn);
    const client = task.for?.reference;
    if (!isReferralTask(task) || !registered || !client?.startsWith('Patient/')) return [];
    const sr = ctx.serviceRequestOf(task);
    return [
      {
        record,
        client,
        registered,
        month: monthOf(registered),
        municipality: ctx.municipality(client, sr),
        sr,
      },
    ];
  });
}

const cell = (r: Referral) => ({ municipality: r.municipality, month: r.month, client: r.client });

function referralItems(ctx: Context, referrals: readonly Referral[]): Item[] {
  return referrals.map((r) => ({
    measure: 'ov-referrals',
    group: 'referrals',
    ...cell(r),
    strata: {
      'referrer-type': ctx.orgType(r.record.task.requester?.reference) ?? 'unknown',
      destination: destinationOf(r.sr),
    },
  }));
}

function waitingItems(referrals: readonly Referral[], now: Date, tz: string): Item[] {
  return referrals.flatMap((r): Item[] => {
    const w = waitingTime(r.record, now, { timeZone: tz });
    if (!w) return [];
    const items: Item[] = [];
    const decided = (s: string) => s === 'met' || s === 'exceeded';
    if (decided(w.intakeNorm))
      items.push({
        measure: 'ov-waiting-times',
        group: 'intake-within-4-weeks',
        ...cell(r),
        numerator: w.intakeNorm === 'met',
      });
    if (decided(w.treatmentNorm))
      items.push({
        measure: 'ov-waiting-times',
        group: 'treatment-within-10-weeks',
        ...cell(r),
        numerator: w.treatmentNorm === 'met',
      });
    if (w.daysToIntake !== undefined)
      items.push({ measure: 'ov-waiting-times', group: 'days-to-intake', ...cell(r), days: w.daysToIntake });
    return items;
  });
}

function regionalTableItems(referrals: readonly Referral[]): Item[] {
  return referrals.flatMap((r): Item[] => {
    const items: Item[] = [];
    if (r.record.task.status === 'completed')
      items.push({ measure: 'ov-regional-table', group: 'completed', ...cell(r) });
    const current =
      r.record.task.businessStatus?.coding?.some((c) => c.code === 'to-regional-table') ?? false;
    if (current || historyOf(r.record.history).some((s) => s.businessStatus === 'to-regional-table'))
      items.push({ measure: 'ov-regional-table', group: 'sent-to-regional-table', ...cell(r) });
    return items;
  });
}

/** Handovers from youth GGZ to adult GGZ of clients aged 17 or 18 when the handover was registered. */
function handoverItems(ctx: Context, referrals: readonly Referral[]): Item[] {
  return referrals.flatMap((r): Item[] => {
    const birthDate = ctx.patients.get(r.client)?.birthDate;
    if (!birthDate || !/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) return [];
    const age = ageOn(birthDate, r.registered);
    const from = ctx.orgType(r.record.task.requester?.reference);
    const to = ctx.orgType(r.record.task.owner?.reference);
    if (from !== 'youth-ggz-institution' || to !== 'ggz-institution' || age < 17 || age > 18) return [];
    return [{ measure: 'ov-youth-transition', group: 'handovers-at-18', ...cell(r) }];
  });
}

/** Interruptions of care at 18-23 (youth-transition.ts), in the month the gap began. */
function interruptionItems(ctx: Context): Item[] {
  const episodesOf = new Map<string, CareEpisode[]>();
  for (const episode of ctx.inputs.episodes) {
    const client = episode.patient.reference;
    if (!client) continue;
    const organisationType = ctx.orgType(episode.managingOrganization?.reference);
    const list = episodesOf.get(client) ?? [];
    list.push({
      episode,
      ...(organisationType ? { organisationType: organisationType as CareEpisode['organisationType'] } : {}),
    });
    episodesOf.set(client, list);
  }
  const tasksOf = new Map<string, Task[]>();
  for (const { task } of ctx.inputs.tasks) {
    const client = task.for?.reference;
    if (client && isReferralTask(task)) tasksOf.set(client, [...(tasksOf.get(client) ?? []), task]);
  }
  return [...episodesOf].flatMap(([client, episodes]) => {
    const birthDate = ctx.patients.get(client)?.birthDate;
    if (!birthDate || !/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) return [];
    const found = interruptions(
      { patient: { reference: client }, birthDate, episodes, tasks: tasksOf.get(client) ?? [] },
      { timeZone: ctx.tz },
    );
    const municipality = ctx.municipality(client);
    return found.map((i): Item => ({
      measure: 'ov-youth-transition',
      group: 'interruptions-18-23',
      municipality,
      month: i.month,
      client,
    }));
  });
}

/** Of the referrals registered in a month, those whose client had another referral in the 12 months before (R5). */
function revolvingDoorItems(referrals: readonly Referral[]): Item[] {
  const byClient = new Map<string, string[]>();
  for (const r of referrals) byClient.set(r.client, [...(byClient.get(r.client) ?? []), r.registered]);
  return referrals.map((r) => {
    const earlier = (byClient.get(r.client) ?? []).some((d) => {
      const gap = daysBetween(d, r.registered);
      return gap > 0 && gap <= 365;
    });
    return { measure: 'ov-revolving-door', group: 're-referrals-12-months', ...cell(r), numerator: earlier };
  });
}

function answers(items: readonly QuestionnaireResponseItem[] | undefined): { prefilled: boolean }[] {
  return (items ?? []).flatMap((item) => [
    ...(item.answer ?? []).flatMap((a) => [
      { prefilled: (a.extension ?? []).some((e) => e.url === ANSWER_SOURCE) },
      ...answers(a.item),
    ]),
    ...answers(item.item),
  ]);
}

/** Of the answers in intake questionnaires, those pre-filled from the record (R2). */
function prefillItems(ctx: Context): Item[] {
  return ctx.inputs.questionnaireResponses.flatMap((qr): Item[] => {
    const client = qr.subject?.reference;
    const authored = ctx.date(qr.authored);
    const questionnaire = qr.questionnaire?.split('|')[0] ?? '';
    if (!client?.startsWith('Patient/') || !authored || !INTAKE_QUESTIONNAIRES.includes(questionnaire))
      return [];
    const municipality = ctx.municipality(client);
    return answers(qr.item).map((a) => ({
      measure: 'ov-intake-prefill',
      group: 'prefilled-answers',
      municipality,
      month: monthOf(authored),
      client,
      numerator: a.prefilled,
    }));
  });
}

/** Every item of every indicator, over all months the data covers; `now` decides who is still waiting. */
export function computeItems(inputs: IndicatorInputs, now: Date, options: ComputeOptions = {}): Item[] {
  const ctx = new Context(inputs, options);
  const referrals = referralsOf(ctx);
  return [
    ...referralItems(ctx, referrals),
    ...waitingItems(referrals, now, ctx.tz),
    ...regionalTableItems(referrals),
    ...handoverItems(ctx, referrals),
    ...interruptionItems(ctx),
    ...revolvingDoorItems(referrals),
    ...prefillItems(ctx),
  ];
}
