/**
 * 18-/18+ (R3). Youth mental-health care (Jeugdwet) ends at 18 and adult care (Zvw) begins.
 *
 * - Preparation: a client with an active episode in youth GGZ (a youth-GGZ organisation, or a
 *   Jeugdwet GGZ product: categories 51, 52, 54) who turns 18 within six months gets a
 *   transition-preparation Task that covers every life domain (one Task.input per life-domain
 *   code), due on the 18th birthday.
 * - Interruptions: for clients who were in youth GGZ, a gap of more than 30 days between the end
 *   of one episode or Task and the start of the next, at ages 18 to 23, is an interruption of
 *   care; reported per client and counted per month (the month the gap began).
 */
import type { EpisodeOfCare, Reference, Task } from '@medplum/fhirtypes';
import type { OrganisationType } from '../config/types.js';
import {
  BUSINESS_STATUS_SYSTEM,
  IJW_PRODUCT_CATEGORY_SYSTEM,
  LIFE_DOMAINS,
  LIFE_DOMAIN_SYSTEM,
  YOUTH_GGZ_PRODUCT_CATEGORIES,
  businessStatusConcept,
  isClosed,
} from './codes.js';
import {
  DEFAULT_TIME_ZONE,
  addMonths,
  ageOn,
  birthday,
  calendarDate,
  daysBetween,
  monthOf,
  toCalendarDate,
} from './dates.js';
import { taskReference } from './history.js';

export interface CareEpisode {
  episode: EpisodeOfCare;
  /** The type of the managing organisation (from configuration or the stored Organization). */
  organisationType?: OrganisationType;
}

/** A client as the 18-/18+ rules need them: no name, no BSN - a reference and a birth date. */
export interface YouthClient {
  patient: Reference;
  /** Patient.birthDate (YYYY-MM-DD). */
  birthDate: string;
  episodes: readonly CareEpisode[];
  /** The client's referral and handover Tasks, for the interruption check. */
  tasks?: readonly Task[];
}

export interface TransitionOptions {
  timeZone?: string;
  /** How long before the 18th birthday preparation starts; six months by default. */
  monthsAhead?: number;
}

const ACTIVE_EPISODE: readonly EpisodeOfCare['status'][] = ['active', 'onhold'];

/** Youth GGZ: at a youth-GGZ organisation, or a Jeugdwet GGZ product. */
export function isYouthGgz(e: CareEpisode): boolean {
  if (e.organisationType === 'youth-ggz-institution') return true;
  return (e.episode.type ?? []).some((t) =>
    (t.coding ?? []).some(
      (c) => c.system === IJW_PRODUCT_CATEGORY_SYSTEM && YOUTH_GGZ_PRODUCT_CATEGORIES.includes(c.code ?? ''),
    ),
  );
}

export interface TransitionCandidate {
  patient: Reference;
  turns18On: string;
  episode: EpisodeOfCare;
}

/** Clients who turn 18 within the window and have an active youth-GGZ episode (one candidate per episode). */
export function transitionCandidates(
  clients: readonly YouthClient[],
  now: Date,
  opts: TransitionOptions = {},
): TransitionCandidate[] {
  const today = calendarDate(now, opts.timeZone ?? DEFAULT_TIME_ZONE);
  const horizon = addMonths(today, opts.monthsAhead ?? 6);
  return clients.flatMap((client) => {
    const turns18On = birthday(client.birthDate, 18);
    if (turns18On <= today || turns18On > horizon) return [];
    return client.episodes
      .filter((e) => ACTIVE_EPISODE.includes(e.episode.status) && isYouthGgz(e))
      .map((e) => ({ patient: client.patient, turns18On, episode: e.episode }));
  });
}

/** The transition-preparation Task: owned by the organisation that manages the youth episode, due on the 18th birthday. */
export function transitionPreparationTask(candidate: TransitionCandidate, now: Date, id: string): Task {
  const at = now.toISOString();
  const organisation = candidate.episode.managingOrganization ?? {};
  return {
    resourceType: 'Task',
    id,
    status: 'requested',
    intent: 'plan',
    code: {
      coding: [{ system: BUSINESS_STATUS_SYSTEM, code: 'transition-preparation' }],
      text: 'Preparing the transition from youth to adult care',
    },
    businessStatus: businessStatusConcept('transition-preparation'),
    focus: { reference: `EpisodeOfCare/${candidate.episode.id ?? ''}` },
    for: candidate.patient,
    authoredOn: at,
    lastModified: at,
    requester: organisation,
    owner: organisation,
    restriction: { period: { end: candidate.turns18On } },
    input: LIFE_DOMAINS.map((code) => {
      const concept = { coding: [{ system: LIFE_DOMAIN_SYSTEM, code }] };
      return { type: concept, valueCodeableConcept: concept };
    }),
  };
}

/** A stretch of care: an episode, or a Task from its registration until it closed. */
export interface CarePeriod {
  source: Reference;
  start: string;
  /** Undefined while it goes on. */
  end?: string;
}

export function periodsOf(client: YouthClient, timeZone: string = DEFAULT_TIME_ZONE): CarePeriod[] {
  const date = (v: string | undefined) => (v ? toCalendarDate(v, timeZone) : undefined);
  const fromEpisodes = client.episodes.flatMap(({ episode }): CarePeriod[] => {
    const start = date(episode.period?.start);
    if (!start || episode.status === 'entered-in-error') return [];
    const end = date(episode.period?.end);
    return [{ source: { reference: `EpisodeOfCare/${episode.id ?? ''}` }, start, ...(end ? { end } : {}) }];
  });
  const fromTasks = (client.tasks ?? []).flatMap((task): CarePeriod[] => {
    const start = date(task.authoredOn);
    if (!start || task.status === 'entered-in-error') return [];
    const end = isClosed(task.status) ? date(task.executionPeriod?.end ?? task.lastModified) : undefined;
    return [{ source: taskReference(task), start, ...(end ? { end } : {}) }];
  });
  return [...fromEpisodes, ...fromTasks].sort((a, b) => a.start.localeCompare(b.start));
}

export interface Interruption {
  patient: Reference;
  /** The care that ended, and the care that started after the gap. */
  after: Reference;
  before: Reference;
  from: string;
  to: string;
  days: number;
  /** The month the gap began (YYYY-MM). */
  month: string;
}

export interface InterruptionOptions {
  timeZone?: string;
  /** A gap longer than this is an interruption; 30 days by default. */
  maxGapDays?: number;
}

/** Gaps of more than 30 days in the care of a client who was in youth GGZ, where the gap touches ages 18 to 23. */
export function interruptions(client: YouthClient, opts: InterruptionOptions = {}): Interruption[] {
  if (!client.episodes.some(isYouthGgz)) return [];
  const maxGap = opts.maxGapDays ?? 30;
  const from18 = birthday(client.birthDate, 18);
  const until24 = birthday(client.birthDate, 24);
  const found: Interruption[] = [];
  let covered: CarePeriod | undefined;
  for (const p of periodsOf(client, opts.timeZone)) {
    if (covered && covered.end !== undefined) {
      const gap = daysBetween(covered.end, p.start);
      if (gap > maxGap && p.start > from18 && covered.end < until24) {
        found.push({
          patient: client.patient,
          after: covered.source,
          before: p.source,
          from: covered.end,
          to: p.start,
          days: gap,
          month: monthOf(covered.end),
        });
      }
    }
    covered = laterEnd(covered, p);
  }
  return found;
}

/** The period that reaches furthest; an open one reaches furthest of all. */
function laterEnd(a: CarePeriod | undefined, b: CarePeriod): CarePeriod {
  if (!a) return b;
  if (a.end === undefined) return a;
  if (b.end === undefined) return b;
  return b.end > a.end ? b : a;
}

export interface InterruptionReport {
  asOf: string;
  /** Clients aged 18 to 23 who were in youth GGZ. */
  clients: number;
  interruptions: Interruption[];
  /** Interruptions per month (YYYY-MM), ascending. */
  perMonth: { month: string; count: number }[];
}

/** Interruptions of all clients aged 18-23 on `now` who were in youth GGZ, counted per month. */
export function interruptionReport(
  clients: readonly YouthClient[],
  now: Date,
  opts: InterruptionOptions = {},
): InterruptionReport {
  const today = calendarDate(now, opts.timeZone ?? DEFAULT_TIME_ZONE);
  const inScope = clients.filter((c) => {
    const age = ageOn(c.birthDate, today);
    return age >= 18 && age <= 23 && c.episodes.some(isYouthGgz);
  });
  const list = inScope.flatMap((c) => interruptions(c, opts));
  const counts = new Map<string, number>();
  for (const i of list) counts.set(i.month, (counts.get(i.month) ?? 0) + 1);
  return {
    asOf: now.toISOString(),
    clients: inScope.length,
    interruptions: list,
    perMonth: [...counts.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([month, count]) => ({ month, count })),
  };
}
