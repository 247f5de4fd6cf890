/**
 * The corpus of synthetic client journeys, generated from a seed (the same seed, the same bytes):
 * per journey a script (journey.json: the client, the consent case, the steps with the acting
 * organisation, the questionnaires it uses and the answers it records at intake) and the source
 * files the organisations import (a GP journal export, a ZRM CSV of the social team, a FHIR
 * Consent). All data is fictional; BSNs are test numbers of the 9999 series that pass the 11-check.
 *
 * `npx tsx test/journeys/generate.ts` writes test/journeys/corpus/; the test regenerates it in
 * memory and compares it byte for byte with what is committed. `--seed N --out DIR` writes
 * another corpus (other clients, dates, answers and consent choices) for `report:reuse --corpus`.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SEED = 2026;
export const CORPUS_DIR = join(import.meta.dirname, 'corpus');

export type JourneyKind = 'gp-ggz' | 'youth-adult' | 'ggz-social-gp' | 'returning';
/** allowed: nothing refused (and the explicit permit where the social domain takes part). */
export type ConsentCase = 'allowed' | 'refused' | 'withdrawn';
export type QuestionnaireId =
  'ggz-intake' | 'positive-health' | 'social-domain-conversation' | 'self-sufficiency-matrix';
export type Organisation = 'gp-de-linde' | 'ggz-noord' | 'jeugd-ggz-de-brug' | 'sociaal-team-oost';

export interface SourceFile {
  file: string;
  /** A format of the adapter registry, or `fhir`. */
  format: string;
  mediaType: string;
}

export interface Step {
  /** What happens, in words of the domain. */
  label: string;
  organisation: Organisation;
  /** The organisation that refers the client to this one ($process-message), if any. */
  referredBy?: Organisation;
  /** The organisation whose Task from this one completes first, with the feedback report ($complete). */
  feedbackFrom?: Organisation;
  /** A warm handover: the receiver receives, accepts and starts the Task. */
  warmHandover?: boolean;
  imports: SourceFile[];
  /** The receiver's intake questionnaires: pre-filled with $populate. */
  questionnaires: QuestionnaireId[];
  /** What the receiver records at intake ($extract), per questionnaire and linkId. */
  answers: Partial<Record<QuestionnaireId, Record<string, string | number>>>;
}

export interface JourneyScript {
  id: string;
  kind: JourneyKind;
  consent: ConsentCase;
  /** What the client decided (consent.json): care data between care providers goes on implied consent unless refused. */
  careSharing: 'implied' | 'refused';
  /** Sharing with or from the social domain: only with an explicit, active permit. */
  socialSharing: 'none' | 'permit' | 'refused' | 'withdrawn';
  bsn: string;
  client: { family: string; given: string; birthDate: string; gender: 'male' | 'female' };
  steps: Step[];
}

/** mulberry32: a small deterministic generator. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The n-th test BSN of the 9999 series (from 999960000 on) that passes the 11-check. */
export function testBsn(n: number): string {
  let found = -1;
  for (let v = 60000; v < 99999; v++) {
    const s = `9999${String(v).padStart(5, '0')}`;
    const sum = [...s].reduce((acc, d, i) => acc + Number(d) * (i === 8 ? -1 : 9 - i), 0);
    if (sum % 11 === 0 && ++found === n) return s;
  }
  throw new Error('out of test BSNs');
}

const FAMILIES = ['Jansen', 'de Vries', 'Bakker', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder', 'Bos'];
const GIVEN = ['Anna', 'Sanne', 'Lotte', 'Daan', 'Sem', 'Noah', 'Emma', 'Julia', 'Lucas', 'Finn'];
const HOUSING = ['Huurwoning, dreigende huurachterstand', 'Woont bij ouders', 'Zelfstandig, koopwoning'];
const WORK = ['Werkloos sinds vorig jaar', 'Werkt 24 uur per week', 'Volgt een mbo-opleiding'];
const DEBTS = ['Schulden, in de schuldhulpverlening', 'Geen schulden', 'Bewindvoering aangevraagd'];
const NETWORK = ['Klein netwerk: een zus', 'Vrienden van de sportclub', 'Weinig contacten'];
const DAILY = ['Dagbesteding drie ochtenden', 'Geen vaste dagstructuur', 'Vrijwilligerswerk'];

const PH_ITEMS = [
  'ph-bodily-functions',
  'ph-mental-wellbeing',
  'ph-meaningfulness',
  'ph-quality-of-life',
  'ph-participation',
  'ph-daily-functioning',
];

function pick<T>(r: () => number, list: readonly T[]): T {
  const value = list[Math.floor(r() * list.length)];
  if (value === undefined) throw new Error('empty list');
  return value;
}

function positiveHealth(r: () => number): Record<string, number> {
  return Object.fromEntries(PH_ITEMS.map((id) => [id, Math.floor(r() * 11)]));
}

function ggzIntake(r: () => number): Record<string, string> {
  return {
    'ggz-housing': pick(r, HOUSING),
    'ggz-work-education': pick(r, WORK),
    'ggz-income-debts': pick(r, DEBTS),
  };
}

function keukentafel(r: () => number): Record<string, string> {
  return {
    'ktg-social-network': pick(r, NETWORK),
    'ktg-daily-activities': pick(r, DAILY),
  };
}

const GP_JOURNAL: SourceFile = {
  file: 'gp-journal.json',
  format: 'gp-journal',
  mediaType: 'application/json',
};
const ZRM: SourceFile = { file: 'zrm.csv', format: 'assessments', mediaType: 'text/csv' };
const HL7_REFERRAL: SourceFile = {
  file: 'referral.hl7',
  format: 'hl7v2',
  mediaType: 'application/octet-stream',
};
const WMO_REQUEST: SourceFile = { file: 'wmo315.xml', format: 'iwmo-ijw', mediaType: 'application/xml' };
const CONSENT: SourceFile = { file: 'consent.json', format: 'fhir', mediaType: 'application/fhir+json' };

function steps(kind: JourneyKind, consent: ConsentCase, r: () => number): Step[] {
  const consentFile = consent === 'allowed' && kind !== 'ggz-social-gp' ? [] : [CONSENT];
  const gp = (label: string, imports: SourceFile[]): Step => ({
    label,
    organisation: 'gp-de-linde',
    imports,
    questionnaires: ['positive-health'],
    answers: { 'positive-health': positiveHealth(r) },
  });
  const ggz = (label: string, referredBy: Organisation | undefined, imports: SourceFile[] = []): Step => ({
    label,
    organisation: 'ggz-noord',
    ...(referredBy ? { referredBy } : {}),
    imports,
    questionnaires: ['ggz-intake', 'positive-health'],
    answers: { 'ggz-intake': ggzIntake(r) },
  });
  switch (kind) {
    case 'gp-ggz':
      return [
        gp('GP: exploratory conversation (Positive Health)', [GP_JOURNAL, ...consentFile]),
        ggz('GGZ: intake after the GP referral (its HL7 v2 letter imported)', 'gp-de-linde', [HL7_REFERRAL]),
      ];
    case 'youth-adult':
      return [
        {
          label: 'youth GGZ: treatment of the minor after the GP referral',
          organisation: 'jeugd-ggz-de-brug',
          referredBy: 'gp-de-linde',
          imports: consentFile,
          questionnaires: ['ggz-intake', 'positive-health'],
          answers: { 'ggz-intake': ggzIntake(r), 'positive-health': positiveHealth(r) },
        },
        {
          ...ggz('adult GGZ: intake after the warm handover at 18', 'jeugd-ggz-de-brug'),
          warmHandover: true,
        },
      ];
    case 'ggz-social-gp':
      return [
        gp('GP: exploratory conversation (Positive Health)', [GP_JOURNAL]),
        ggz('GGZ: intake after the GP referral', 'gp-de-linde', consentFile),
        {
          label: 'social team: keukentafelgesprek after the GGZ referral',
          organisation: 'sociaal-team-oost',
          referredBy: 'ggz-noord',
          imports: [ZRM, WMO_REQUEST],
          questionnaires: ['social-domain-conversation', 'self-sufficiency-matrix', 'positive-health'],
          answers: { 'social-domain-conversation': keukentafel(r) },
        },
        {
          label: 'GP: feedback of GGZ, follow-up conversation',
          organisation: 'gp-de-linde',
          feedbackFrom: 'ggz-noord',
          imports: [],
          questionnaires: ['positive-health'],
          answers: {},
        },
      ];
    case 'returning':
      return [
        gp('GP: exploratory conversation (Positive Health)', [GP_JOURNAL, ...consentFile]),
        ggz('GGZ: intake of a first treatment', 'gp-de-linde'),
        gp('GP: follow-up after the treatment', []),
        ggz('GGZ: intake of the returning client', 'gp-de-linde'),
      ];
  }
}

/** The journeys: every kind, and the consent cases where they make a difference. */
const PLAN: readonly [JourneyKind, ConsentCase][] = [
  ['gp-ggz', 'allowed'],
  ['gp-ggz', 'allowed'],
  ['gp-ggz', 'refused'],
  ['youth-adult', 'allowed'],
  ['youth-adult', 'allowed'],
  ['youth-adult', 'refused'],
  ['ggz-social-gp', 'allowed'],
  ['ggz-social-gp', 'allowed'],
  ['ggz-social-gp', 'refused'],
  ['ggz-social-gp', 'withdrawn'],
  ['returning', 'allowed'],
  ['returning', 'allowed'],
];

export function generate(seed = SEED): JourneyScript[] {
  const r = random(seed);
  return PLAN.map(([kind, consent], i) => {
    const youth = kind === 'youth-adult';
    const year = youth ? 2008 : 1960 + Math.floor(r() * 45);
    const birthDate = `${year}-${String(1 + Math.floor(r() * 12)).padStart(2, '0')}-${String(1 + Math.floor(r() * 28)).padStart(2, '0')}`;
    return {
      id: `j${String(i + 1).padStart(2, '0')}-${kind}-${consent}`,
      kind,
      consent,
      careSharing: consent === 'refused' && kind !== 'ggz-social-gp' ? 'refused' : 'implied',
      socialSharing: kind !== 'ggz-social-gp' ? 'none' : consent === 'allowed' ? 'permit' : consent,
      bsn: testBsn(i),
      client: {
        family: pick(r, FAMILIES),
        given: pick(r, GIVEN),
        birthDate,
        gender: r() < 0.5 ? 'female' : 'male',
      },
      steps: steps(kind, consent, r),
    };
  });
}

const SHARING = 'https://overdracht.dev/fhir/CodeSystem/sharing-purpose';

/** The client's Consent as the organisation that records it exports it (a FHIR collection Bundle). */
function consentBundle(j: JourneyScript): unknown {
  const social = j.kind === 'ggz-social-gp';
  const status =
    j.consent === 'refused' && social ? 'rejected' : j.consent === 'withdrawn' ? 'inactive' : 'active';
  const provision =
    j.consent === 'refused' && !social
      ? { type: 'deny', purpose: [{ system: SHARING, code: 'treatment-referral' }] }
      : { type: 'permit', purpose: [{ system: SHARING, code: 'social-domain' }] };
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      {
        resource: {
          resourceType: 'Patient',
          id: 'client',
          identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: j.bsn }],
          name: [{ family: j.client.family, given: [j.client.given] }],
          birthDate: j.client.birthDate,
        },
      },
      {
        resource: {
          resourceType: 'Consent',
          id: 'consent',
          status,
          scope: {
            coding: [
              { system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' },
            ],
          },
          category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
          patient: { reference: 'Patient/client' },
          dateTime: '2026-03-15T10:00:00+01:00',
          verification: [{ verified: true }],
          provision,
        },
      },
    ],
  };
}

function gpJournal(j: JourneyScript, r: () => number): unknown {
  const [icpc, text] = r() < 0.6 ? ['P76', 'Depressie'] : ['P74', 'Angststoornis'];
  return {
    exportdatum: '2026-01-10',
    systeem: 'Voorbeeld HIS 7.4',
    praktijk: { agb: '01004567', naam: 'Huisartsenpraktijk De Linde', plaats: 'Groningen' },
    patienten: [
      {
        patientnummer: `HDL-${j.bsn.slice(-4)}`,
        bsn: j.bsn,
        achternaam: j.client.family,
        voornaam: j.client.given,
        geboortedatum: j.client.birthDate,
        geslacht: j.client.gender === 'female' ? 'V' : 'M',
        huisarts: { agb: '01012345', naam: 'P. de Vries' },
        episodes: [{ id: 'E-1', icpc, omschrijving: text, begin: '2025-11-15', status: 'actief' }],
        journaal: [
          {
            datum: '2025-11-15',
            episode: 'E-1',
            S: 'Sinds september somber, slaapt slecht.',
            E: text,
            P: 'Verwijzing GGZ.',
          },
        ],
      },
    ],
  };
}

function zrmCsv(j: JourneyScript, r: () => number): string {
  const score = () => String(1 + Math.floor(r() * 5));
  const header =
    'bsn;datum;beoordelaar_agb;organisatie_agb;organisatie_naam;organisatie_type;zrm_financien;zrm_financien_toelichting;zrm_werk_opleiding;zrm_huisvesting;zrm_huisvesting_toelichting;zrm_geestelijke_gezondheid;zrm_sociaal_netwerk;zrm_justitie;ph_mentaal_welbevinden;ph_meedoen;opmerking';
  const row = [
    j.bsn,
    '20-01-2026',
    '12345678',
    '87654321',
    'Sociaal Wijkteam Groningen-Oost',
    'social-domain-organisation',
    score(),
    '',
    score(),
    score(),
    '',
    score(),
    score(),
    '5',
    '',
    '',
    '',
  ];
  return `${header}\n${row.join(';')}\n`;
}

/** The GP's referral letter as the GGZ institution's EHR receives it: HL7 v2.5 REF^I12, segments ending in CR. */
function hl7Referral(j: JourneyScript, index: number): string {
  const birth = j.client.birthDate.replaceAll('-', '');
  const sex = j.client.gender === 'female' ? 'F' : 'M';
  return [
    `MSH|^~\\&|HIS De Linde|DELINDE|GGZ-EPD|GGZNG|20260301093000+0100||REF^I12^REF_I12|HDL2026${String(index).padStart(6, '0')}|P|2.5|||AL|NE|NLD|UNICODE UTF-8|nl^Nederlands^ISO639`,
    'RF1|P^In behandeling^HL70283|R^Routine^HL70280|Psy^Psychiatrisch^HL70281||O^Poliklinisch^HL70284|' +
      `HDL-VW-${j.bsn.slice(-4)}^HDL|20260301|20260601|20260301093000|||||Somberheid en slaapproblemen||||||||||Graag beoordeling voor basis-GGZ`,
    'PRD|RP^Verwijzer^HL70286|de Vries&de&Vries^Pieter^P.^^dr.^^L|||||01012345^AGB|||Huisartsenpraktijk De Linde^^^^^&2.16.840.1.113883.2.4.6.1&ISO^AGB^^^01004567',
    'PRD|RT^Verwezen naar^HL70286|||||||||GGZ Noord-Groningen^^^^^&2.16.840.1.113883.2.4.6.1&ISO^AGB^^^06001234',
    `PID|1||${j.bsn}^^^NLMINBIZA&2.16.840.1.113883.2.4.6.3&ISO^NNNLD||${j.client.family}^${j.client.given}^^^^^L||${birth}|${sex}`,
    'DG1|1||P76^Depressie^ICPC||20251115|W',
    'PV1|1|O',
    '',
  ].join('\r');
}

/** The social team's iWmo 3.2 request for support (WMO315) for the client, after the keukentafelgesprek. */
function wmo315(j: JourneyScript, index: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Bericht xmlns="http://www.istandaarden.nl/iwmo/3_2/wmo315/schema">
  <Header>
    <BerichtCode>436</BerichtCode>
    <BerichtVersie>3</BerichtVersie>
    <BerichtSubversie>2</BerichtSubversie>
    <Afzender>75001234</Afzender>
    <Ontvanger>0014</Ontvanger>
    <BerichtIdentificatie>
      <Identificatie>WMO315-${String(index).padStart(6, '0')}</Identificatie>
      <Dagtekening>2026-04-08</Dagtekening>
    </BerichtIdentificatie>
  </Header>
  <Client>
    <Bsn>${j.bsn}</Bsn>
    <Geboortedatum>
      <Datum>${j.client.birthDate}</Datum>
      <DatumGebruik>1</DatumGebruik>
    </Geboortedatum>
    <Geslacht>${j.client.gender === 'female' ? '2' : '1'}</Geslacht>
    <Naam>
      <Geslachtsnaam>
        <Achternaam>${j.client.family}</Achternaam>
      </Geslachtsnaam>
      <Voornamen>${j.client.given}</Voornamen>
    </Naam>
    <AangevraagdProduct>
      <ReferentieAanbieder>BG-${j.bsn.slice(-4)}</ReferentieAanbieder>
      <Product>
        <Categorie>02</Categorie>
        <Code>02A03</Code>
      </Product>
      <ToewijzingIngangsdatum>2026-04-15</ToewijzingIngangsdatum>
      <Omvang>
        <Volume>3</Volume>
        <Eenheid>04</Eenheid>
        <Frequentie>2</Frequentie>
      </Omvang>
      <Verwijzer>
        <Type>01</Type>
      </Verwijzer>
    </AangevraagdProduct>
  </Client>
</Bericht>
`;
}

/** Every file of the corpus, by path relative to the corpus folder. */
export function corpusFiles(seed = SEED): Map<string, string> {
  const r = random(seed ^ 0x5eed);
  const files = new Map<string, string>();
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  const journeys = generate(seed);
  files.set('index.json', json({ seed, journeys: journeys.map((j) => j.id) }));
  for (const [index, j] of journeys.entries()) {
    files.set(`${j.id}/journey.json`, json(j));
    const sources = new Set(j.steps.flatMap((s) => s.imports.map((i) => i.file)));
    if (sources.has('gp-journal.json')) files.set(`${j.id}/gp-journal.json`, json(gpJournal(j, r)));
    if (sources.has('referral.hl7')) files.set(`${j.id}/referral.hl7`, hl7Referral(j, index));
    if (sources.has('wmo315.xml')) files.set(`${j.id}/wmo315.xml`, wmo315(j, index));
    if (sources.has('zrm.csv')) files.set(`${j.id}/zrm.csv`, zrmCsv(j, r));
    if (sources.has('consent.json')) files.set(`${j.id}/consent.json`, json(consentBundle(j)));
  }
  return files;
}

/** `--seed N` and `--out DIR` of the command line (default: the committed corpus). */
function commandLine(argv: readonly string[]): { seed: number; out: string } {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const seed = Number(value('--seed') ?? SEED);
  if (!Number.isInteger(seed)) throw new Error('--seed takes an integer');
  return { seed, out: value('--out') ?? CORPUS_DIR };
}

if (process.argv[1] === import.meta.filename) {
  const { seed, out } = commandLine(process.argv.slice(2));
  rmSync(out, { recursive: true, force: true });
  for (const [path, text] of corpusFiles(seed)) {
    mkdirSync(join(out, path, '..'), { recursive: true });
    writeFileSync(join(out, path), text);
  }
  process.stdout.write(`wrote the corpus of seed ${String(seed)} to ${out}\n`);
}
