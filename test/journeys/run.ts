/**
 * Runs the journeys of the corpus through the HTTP API of one gateway, as the organisations would:
 * each step's source files are imported (`POST /fhir/$import-record`), a referral is sent by the
 * organisation before (`$process-message`) and taken on with the Task operations, the receiver's
 * questionnaires are pre-filled (`$populate`) and what it records at intake is written back
 * (`$extract`), so that the next step has it.
 *
 * Per step and questionnaire it counts the facts an earlier step recorded (the baseline: asked
 * again when nothing travels), those `$populate` did not pre-fill (`asked again`), and the target:
 * the facts whose every recorder may not pass them to this receiver under the consent rules,
 * computed here from the journey script, apart from the gateway's own consent code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  Bundle,
  Parameters,
  Questionnaire,
  QuestionnaireItem,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
} from '@medplum/fhirtypes';
import type { Express } from 'express';
import request from 'supertest';
import { referralMessage, type OrganisationId } from '../../src/demo/referral.js';
import { DEFAULT_PACKAGE_DIR } from '../../src/package/load.js';
import type { JourneyScript, Organisation, QuestionnaireId, Step } from './generate.js';

const SDC = 'http://hl7.org/fhir/uv/sdc/StructureDefinition/';
const MONITORING = 'https://overdracht.dev/fhir/StructureDefinition/ov-monitoring-item';
const FHIR_JSON = 'application/fhir+json';

interface OrganisationInfo {
  client: string;
  id: OrganisationId & { type: string };
  social: boolean;
}

export const ORGANISATIONS: Record<Organisation, OrganisationInfo> = {
  'gp-de-linde': {
    client: 'demo-gp',
    id: {
      system: 'http://fhir.nl/fhir/NamingSystem/agb-z',
      value: '01004567',
      name: 'Huisartsenpraktijk De Linde',
      type: 'gp-practice',
    },
    social: false,
  },
  'ggz-noord': {
    client: 'demo-ggz',
    id: {
      system: 'http://fhir.nl/fhir/NamingSystem/agb-z',
      value: '06001234',
      name: 'GGZ Noord-Groningen',
      type: 'ggz-institution',
    },
    social: false,
  },
  'jeugd-ggz-de-brug': {
    client: 'demo-youth-ggz',
    id: {
      system: 'http://fhir.nl/fhir/NamingSystem/agb-z',
      value: '06005678',
      name: 'Jeugd-GGZ De Brug',
      type: 'youth-ggz-institution',
    },
    social: false,
  },
  'sociaal-team-oost': {
    client: 'demo-social-team',
    id: {
      system: 'http://fhir.nl/fhir/NamingSystem/ura',
      value: '90001234',
      name: 'Sociaal Team Oost',
      type: 'social-domain-organisation',
    },
    social: true,
  },
};

/** A fact: what an observation-linked question asks, by its first code (system|code). */
export function factOf(item: QuestionnaireItem): string | undefined {
  const c = item.code?.[0];
  return c?.system && c.code ? `${c.system}|${c.code}` : undefined;
}

function isMonitoring(item: QuestionnaireItem): boolean {
  return (item.extension ?? []).some((e) => e.url === MONITORING && e.valueBoolean === true);
}

function isObservationLinked(item: QuestionnaireItem): boolean {
  return (item.extension ?? []).some((e) => e.url === `${SDC}sdc-questionnaire-observationExtract`);
}

/** The non-monitoring questions of a questionnaire that a fact answers: linkId to fact. */
export function factItems(q: Questionnaire): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (items: readonly QuestionnaireItem[]) => {
    for (const i of items) {
      const fact = factOf(i);
      if (fact && isObservationLinked(i) && !isMonitoring(i)) out.set(i.linkId, fact);
      visit(i.item ?? []);
    }
  };
  visit(q.item ?? []);
  return out;
}

export function packageQuestionnaire(id: QuestionnaireId): Questionnaire {
  return JSON.parse(
    readFileSync(join(DEFAULT_PACKAGE_DIR, `Questionnaire-${id}.json`), 'utf8'),
  ) as Questionnaire;
}

/**
 * The consent rules, from the journey script: may what `from` recorded reach `to`? Its own data
 * always; between care providers unless the client refused; from or to the social domain only
 * with the client's explicit permit (absent when refused or withdrawn).
 */
export function mayTravel(
  from: Organisation,
  to: Organisation,
  j: Pick<JourneyScript, 'careSharing' | 'socialSharing'>,
): boolean {
  if (from === to) return true;
  const social = ORGANISATIONS[from].social || ORGANISATIONS[to].social;
  if (!social) return j.careSharing === 'implied';
  return j.socialSharing === 'permit';
}

export interface QuestionnaireCount {
  questionnaire: QuestionnaireId;
  /** Non-monitoring questions. */
  questions: number;
  /** Questions an earlier step recorded the answer of: asked again when nothing travels. */
  baseline: number;
  /** Of those, the ones $populate did not pre-fill. */
  askedAgain: number;
  /** What the consent rules predict for askedAgain. */
  target: number;
  /** Non-monitoring questions $populate pre-filled. */
  prefilled: number;
  /** linkIds asked again that the rules said would travel, or the reverse. */
  misses: string[];
}

export interface StepResult {
  step: number;
  label: string;
  organisation: Organisation;
  counts: QuestionnaireCount[];
}

export interface JourneyResult {
  journey: JourneyScript;
  steps: StepResult[];
}

export type Tokens = (clientId: string) => Promise<string>;

class Api {
  constructor(
    private readonly app: Express,
    private readonly tokens: Tokens,
  ) {}

  async post(org: Organisation, path: string, body: string, type = FHIR_JSON): Promise<request.Response> {
    const res = await request(this.app)
      .post(path)
      .set('Authorization', `Bearer ${await this.tokens(ORGANISATIONS[org].client)}`)
      .type(type)
      .send(body);
    if (res.status !== 200)
      throw new Error(`${org} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 3000)}`);
    return res;
  }
}

function param(p: Parameters, name: string): NonNullable<Parameters['parameter']>[number] | undefined {
  return p.parameter?.find((x) => x.name === name);
}

/** linkIds with at least one answer, at any depth. */
function answered(qr: QuestionnaireResponse): Set<string> {
  const out = new Set<string>();
  const visit = (items: readonly QuestionnaireResponseItem[]) => {
    for (const i of items) {
      if ((i.answer ?? []).length > 0) out.add(i.linkId);
      visit(i.item ?? []);
      for (const a of i.answer ?? []) visit(a.item ?? []);
    }
  };
  visit(qr.item ?? []);
  return out;
}

function answerItem(item: QuestionnaireItem, value: string | number): QuestionnaireResponseItem {
  const answer = typeof value === 'number' ? { valueInteger: value } : { valueString: value };
  return { linkId: item.linkId, ...(item.text ? { text: item.text } : {}), answer: [answer] };
}

/** The intake answers of a step as a completed QuestionnaireResponse (top-level questions). */
function responseOf(
  q: Questionnaire,
  subject: string,
  answers: Record<string, string | number>,
  authored: string,
): QuestionnaireResponse {
  return {
    resourceType: 'QuestionnaireResponse',
    questionnaire: q.url,
    status: 'completed',
    subject: { reference: subject },
    authored,
    item: (q.item ?? []).flatMap((i) => {
      const v = answers[i.linkId];
      return v === undefined ? [] : [answerItem(i, v)];
    }),
  };
}

async function sendReferral(
  api: Api,
  j: JourneyScript,
  index: number,
  step: Step,
  from: Organisation,
): Promise<string> {
  const message = referralMessage({
    messageId: `${j.id}-step-${index}`,
    bsn: j.bsn,
    client: j.client,
    sender: ORGANISATIONS[from].id,
    receiver: ORGANISATIONS[step.organisation].id,
    ...(ORGANISATIONS[step.organisation].social && j.socialSharing === 'permit'
      ? { consentPurpose: 'social-domain' as const }
      : {}),
  });
  const res = await api.post(from, '/fhir/$process-message', JSON.stringify(message));
  const task = (res.body as Bundle).entry?.find((e) => e.resource?.resourceType === 'Task')?.resource;
  if (!task?.id) throw new Error(`${j.id}: the answer to the referral names no Task`);
  return task.id;
}

/** Runs one journey; `read` gives the bytes of a file of the journey's folder. */
export async function runJourney(
  app: Express,
  tokens: Tokens,
  j: JourneyScript,
  read: (file: string) => Buffer,
  now: () => Date = () => new Date(),
): Promise<JourneyResult> {
  const api = new Api(app, tokens);
  const subjectByBsn = {
    name: 'subject',
    valueIdentifier: { system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: j.bsn },
  };
  /** fact -> the organisations of the earlier steps that recorded it. */
  const recorded = new Map<string, Set<Organisation>>();
  const steps: StepResult[] = [];
  /** The open Task of each referral, by receiver and sender. */
  const tasks = new Map<string, string>();
  for (const [index, step] of j.steps.entries()) {
    const org = step.organisation;
    for (const source of step.imports)
      await api.post(
        org,
        `/fhir/$import-record?format=${source.format}&source=${source.file}`,
        read(source.file).toString('utf8'),
        source.mediaType,
      );
    if (step.referredBy) {
      const task = await sendReferral(api, j, index, step, step.referredBy);
      const actions = step.warmHandover ? ['$receive', '$accept', '$start'] : ['$accept'];
      for (const action of actions)
        await api.post(org, `/fhir/Task/${task}/${action}`, '{"resourceType":"Parameters"}');
      tasks.set(`${org} ${step.referredBy}`, task);
    }
    const feedbackTask = step.feedbackFrom && tasks.get(`${step.feedbackFrom} ${org}`);
    if (step.feedbackFrom && feedbackTask) {
      await api.post(step.feedbackFrom, `/fhir/Task/${feedbackTask}/$start`, '{"resourceType":"Parameters"}');
      await api.post(
        step.feedbackFrom,
        `/fhir/Task/${feedbackTask}/$complete`,
        JSON.stringify({
          resourceType: 'Parameters',
          parameter: [
            { name: 'outcome', valueString: 'Behandeling afgerond; verwezen naar het sociaal team.' },
          ],
        }),
      );
    }
    const counts: QuestionnaireCount[] = [];
    let subject = '';
    for (const id of step.questionnaires) {
      const q = packageQuestionnaire(id);
      const res = await api.post(
        org,
        `/fhir/Questionnaire/${id}/$populate`,
        JSON.stringify({ resourceType: 'Parameters', parameter: [subjectByBsn] }),
      );
      const response = param(res.body as Parameters, 'response')?.resource as QuestionnaireResponse;
      subject = response.subject?.reference ?? subject;
      const filled = answered(response);
      const items = factItems(q);
      let baseline = 0;
      let askedAgain = 0;
      let target = 0;
      const misses: string[] = [];
      for (const [linkId, fact] of items) {
        const by = recorded.get(fact);
        if (!by) continue;
        baseline++;
        const again = !filled.has(linkId);
        const expected = ![...by].some((from) => mayTravel(from, org, j));
        if (again) askedAgain++;
        if (expected) target++;
        if (again !== expected) misses.push(linkId);
      }
      counts.push({
        questionnaire: id,
        questions: items.size,
        baseline,
        askedAgain,
        target,
        prefilled: [...items.keys()].filter((l) => filled.has(l)).length,
        misses,
      });
    }
    steps.push({ step: index + 1, label: step.label, organisation: org, counts });
    for (const [id, answers] of Object.entries(step.answers) as [
      QuestionnaireId,
      Record<string, string | number>,
    ][]) {
      const q = packageQuestionnaire(id);
      // Each step a week after the one before, the last one a week ago: within every link period.
      const authored = new Date(now().getTime() - (j.steps.length - index) * 7 * 86_400_000).toISOString();
      const qr = responseOf(q, subject, answers, authored);
      await api.post(
        org,
        '/fhir/QuestionnaireResponse/$extract',
        JSON.stringify({
          resourceType: 'Parameters',
          parameter: [{ name: 'questionnaire-response', resource: qr }],
        }),
      );
      const items = factItems(q);
      for (const linkId of Object.keys(answers)) {
        const fact = items.get(linkId);
        if (!fact) continue;
        const by = recorded.get(fact) ?? new Set<Organisation>();
        by.add(org);
        recorded.set(fact, by);
      }
    }
  }
  return { journey: j, steps };
}

export function corpusJourneys(dir: string): JourneyScript[] {
  const ids = (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { journeys: string[] }).journeys;
  return ids.map((id) => JSON.parse(readFileSync(join(dir, id, 'journey.json'), 'utf8')) as JourneyScript);
}
