/**
 * The indicators for regional data platforms (R11) as Measures: their ids, groups, populations
 * and stratifiers. The Measure resources themselves are in the package
 * (profiles/input/fsh/measures.fsh); these constants are the codes both sides use.
 */
import { cs } from '../fhir/codes.js';

export const MEASURE_BASE = 'https://overdracht.dev/fhir/Measure/';
export const MEASURE_GROUP_SYSTEM = cs('measure-group');
export const MEASURE_STRATIFIER_SYSTEM = cs('measure-stratifier');
export const MEASURE_POPULATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/measure-population';
export const DATA_ABSENT_REASON = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';
/** CBS municipality codes (GMxxxx) as the subject of a report; `unknown` where no code was recorded. */
export const MUNICIPALITY_SYSTEM = 'https://overdracht.dev/fhir/NamingSystem/cbs-municipality';
export const UNKNOWN_MUNICIPALITY = 'unknown';
/** Cells with fewer distinct clients than this are suppressed. */
export const MIN_CELL_CLIENTS = 10;

export type MeasureId =
  | 'ov-referrals'
  | 'ov-waiting-times'
  | 'ov-regional-table'
  | 'ov-youth-transition'
  | 'ov-revolving-door'
  | 'ov-intake-prefill';

export type PopulationCode = 'initial-population' | 'denominator' | 'numerator';

/** count: how many; proportion: numerator / denominator; median: the median of a number of days. */
export type GroupKind = 'count' | 'proportion' | 'median-days';

export interface GroupDefinition {
  code: string;
  kind: GroupKind;
  stratifiers?: readonly string[];
}

export interface MeasureDefinition {
  id: MeasureId;
  groups: readonly GroupDefinition[];
}

export const MEASURES: readonly MeasureDefinition[] = [
  {
    id: 'ov-referrals',
    groups: [{ code: 'referrals', kind: 'count', stratifiers: ['referrer-type', 'destination'] }],
  },
  {
    id: 'ov-waiting-times',
    groups: [
      { code: 'intake-within-4-weeks', kind: 'proportion' },
      { code: 'treatment-within-10-weeks', kind: 'proportion' },
      { code: 'days-to-intake', kind: 'median-days' },
    ],
  },
  {
    id: 'ov-regional-table',
    groups: [
      { code: 'completed', kind: 'count' },
      { code: 'sent-to-regional-table', kind: 'count' },
    ],
  },
  {
    id: 'ov-youth-transition',
    groups: [
      { code: 'handovers-at-18', kind: 'count' },
      { code: 'interruptions-18-23', kind: 'count' },
    ],
  },
  { id: 'ov-revolving-door', groups: [{ code: 're-referrals-12-months', kind: 'proportion' }] },
  { id: 'ov-intake-prefill', groups: [{ code: 'prefilled-answers', kind: 'proportion' }] },
];

export function measureUrl(id: MeasureId): string {
  return `${MEASURE_BASE}${id}`;
}

export function groupDefinition(measure: MeasureId, group: string): GroupDefinition | undefined {
  return MEASURES.find((m) => m.id === measure)?.groups.find((g) => g.code === group);
}
