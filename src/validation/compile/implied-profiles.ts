import { isRecord } from '../../fhir/records.js';
/**
 * Profiles a resource must conform to without claiming them.
 *
 * Vital signs: "If a resource is found with an Observation.code of these codes, then it SHALL
 * conform to the profile" - the LOINC codes of the R4 vital signs table, plus their common
 * equivalents (more specific LOINC codes and SNOMED CT concepts) as the HL7 validator maps them.
 * Spec: https://hl7.org/fhir/R4/observation-vitalsigns.html
 *
 * ImplementationGuide.global: every resource of the type must conform to the profile.
 * Spec: https://hl7.org/fhir/R4/implementationguide-definitions.html#ImplementationGuide.global
 */

type Json = Record<string, unknown>;

const SD = 'http://hl7.org/fhir/StructureDefinition/';
const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';

interface VitalSign {
  readonly profile: string;
  readonly loinc: readonly string[];
  readonly snomed: readonly string[];
}

/** In order: the first vital sign whose codes match decides. */
const VITAL_SIGNS: readonly VitalSign[] = [
  { profile: 'vitalspanel', loinc: ['85353-1'], snomed: ['46680005'] },
  {
    profile: 'resprate',
    loinc: ['9279-1', '76170-0', '76172-6', '76171-8', '19840-8', '33438-3', '76270-8', '11291-2'],
    snomed: ['86290005', '271625008', '271306003'],
  },
  {
    profile: 'heartrate',
    loinc: [
      '8867-4',
      '60978-4',
      '73795-7',
      '73799-9',
      '76476-1',
      '76477-9',
      '8889-8',
      '8890-6',
      '8891-4',
      '8892-2',
      '8893-0',
      '40443-4',
      '55425-3',
      '68999-2',
      '11328-2',
      '69000-8',
      '8886-4',
    ],
    snomed: ['249043002', '444981005', '399017001', '251670001', '429525003', '429614003'],
  },
  {
    profile: 'oxygensat',
    loinc: [
      '2708-6',
      '59408-5',
      '19224-5',
      '20564-1',
      '2709-4',
      '2710-2',
      '2713-6',
      '51733-4',
      '59417-6',
      '89276-0',
      '97549-0',
    ],
    snomed: ['442476006', '431314004'],
  },
  {
    profile: 'bodytemp',
    loinc: [
      '8310-5',
      '60834-9',
      '60835-6',
      '60836-4',
      '60838-0',
      '60955-2',
      '61009-7',
      '75539-7',
      '75987-8',
      '76010-8',
      '76011-6',
      '76278-1',
      '8309-7',
      '8328-7',
      '8329-5',
      '8330-3',
      '8331-1',
      '8332-9',
      '8333-7',
      '8334-5',
      '91371-5',
      '98657-0',
      '98663-8',
    ],
    snomed: [
      '386725007',
      '276885007',
      '300076005',
      '1222808002',
      '364246006',
      '307047009',
      '708499008',
      '431598003',
      '698831002',
      '698832009',
      '415882003',
      '415974002',
      '415929009',
      '415945006',
    ],
  },
  {
    profile: 'bodyheight',
    loinc: ['8302-2', '3137-7', '3138-5', '8306-3', '8308-9'],
    snomed: ['1153637007', '1162419008', '50373000', '1162418000', '1230278008', '1162392001', '1162417005'],
  },
  {
    profile: 'headcircum',
    loinc: ['9843-4', '8287-5'],
    snomed: ['363812007', '169876006', '1269262007', '363811000'],
  },
  {
    profile: 'bodyweight',
    loinc: ['29463-7', '3141-9', '3142-7', '75292-3', '79348-9', '8350-1', '8351-9'],
    snomed: ['735395000', '425024002', '424927000', '784399000', '1162416001', '1162415002'],
  },
  { profile: 'bmi', loinc: ['39156-5', '89270-3'], snomed: ['60621009'] },
  {
    profile: 'bp',
    loinc: ['85354-9', '35094-2', '8459-0', '76534-7', '55284-4', '8480-6'],
    snomed: [
      '251076008',
      '163033001',
      '163035008',
      '386534000',
      '386536003',
      '271649006',
      '271650006',
      '407556006',
      '407554009',
      '716579001',
      '399304008',
    ],
  },
];

interface VitalSignHit {
  readonly order: number;
  readonly profile: string;
}

/** Per system (LOINC, SNOMED CT): code -> the vital sign (first match in table order). */
const BY_CODE: {
  readonly loinc: ReadonlyMap<string, VitalSignHit>;
  readonly snomed: ReadonlyMap<string, VitalSignHit>;
} = (() => {
  const loinc = new Map<string, VitalSignHit>();
  const snomed = new Map<string, VitalSignHit>();
  const add = (m: Map<string, VitalSignHit>, code: string, order: number, profile: string): void => {
    if (!m.has(code)) m.set(code, { order, profile });
  };
  VITAL_SIGNS.forEach((v, i) => v.loinc.forEach((c) => add(loinc, c, i, SD + v.profile)));
  // SNOMED CT codes are considered only after every LOINC code (ordered after the LOINC table).
  VITAL_SIGNS.forEach((v, i) =>
    v.snomed.forEach((c) => add(snomed, c, VITAL_SIGNS.length + i, SD + v.profile)),
  );
  return { loinc, snomed };
})();

/** The vital signs profile an Observation must conform to, if its code is a vital sign. */
export function vitalSignsProfile(observation: Json): string | undefined {
  const code = observation.code;
  if (!isRecord(code) || !Array.isArray(code.coding)) return undefined;
  let best: VitalSignHit | undefined;
  for (const c of code.coding) {
    if (!isRecord(c) || typeof c.system !== 'string' || typeof c.code !== 'string') continue;
    const byCode = c.system === LOINC ? BY_CODE.loinc : c.system === SNOMED ? BY_CODE.snomed : undefined;
    const hit = byCode?.get(c.code);
    if (hit && (!best || hit.order < best.order)) best = hit;
  }
  return best?.profile;
}

/** `ImplementationGuide.global`: resource type -> profiles, from the guides given to a validator. */
export function globalProfiles(guide: Json): { type: string; profile: string }[] {
  if (!Array.isArray(guide.global)) return [];
  const out: { type: string; profile: string }[] = [];
  for (const g of guide.global) {
    if (isRecord(g) && typeof g.type === 'string' && typeof g.profile === 'string')
      out.push({ type: g.type, profile: g.profile });
  }
  return out;
}
