/**
 * Field coverage of the HL7 v2 adapter next to FHIR-Converter's, per message: which populated
 * source fields each side carries into its FHIR output, as a table per segment.
 *
 * Ours is exact (the coverage tracker knows every leaf's fate: mapped, structural, reported or
 * unmapped). FHIR-Converter's is estimated from its published output: a source value counts as
 * mapped when it appears there verbatim (dates also as YYYY-MM-DD). Codes it translates (M to
 * male) are therefore undercounted and short values that occur elsewhere overcounted; the same
 * estimate is shown for our output for a like-for-like column.
 *
 *   npx tsx scripts/adapters/hl7v2-coverage.ts            (the FHIR-Converter samples)
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { createConversionContext } from '../../src/adapters/index.js';
import { createHl7v2Adapter, type Hl7v2Adapter } from '../../src/adapters/hl7v2/index.js';
import type { ConversionContext } from '../../src/adapters/framework.js';
import type { LeafState } from '../../src/adapters/coverage.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SAMPLES_DIR = resolve(root, '..', 'shared', 'external', 'fhir-converter-referrals');

export interface LeafRow {
  location: string;
  segment: string;
  value: string;
  ours: LeafState;
  oursVerbatim: boolean;
  fhirConverter: boolean | undefined;
}

export interface MessageCoverage {
  message: string;
  leaves: LeafRow[];
  /** Leaves neither in our output nor covered by an issue of our report (must be empty). */
  unaccounted: string[];
}

/** Every string and number in a JSON document, lower-cased. */
function valuesOf(json: unknown): string[] {
  const out: string[] = [];
  const stack: unknown[] = [json];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') out.push(v.toLowerCase());
    else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
    else if (Array.isArray(v)) stack.push(...v);
    else if (v && typeof v === 'object') stack.push(...Object.values(v));
  }
  return out;
}

function forms(value: string): string[] {
  const v = value.trim().toLowerCase();
  const out = [v];
  const dtm = /^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?/.exec(v);
  if (dtm) out.push(`${dtm[1]}-${dtm[2]}-${dtm[3]}${dtm[4] ? `t${dtm[4]}:${dtm[5] ?? '00'}` : ''}`);
  if (/^[+-]?\d+(\.\d+)?$/.test(v)) out.push(String(Number(v)));
  return out;
}

function verbatim(value: string, haystack: readonly string[], exact: ReadonlySet<string>): boolean {
  return forms(value).some((f) => exact.has(f) || (f.length >= 4 && haystack.some((h) => h.includes(f))));
}

/** Whether an issue location names this leaf or a part that contains it (`PID-11` contains `PID-11.3`). */
export function covers(issueLocation: string, leafLocation: string): boolean {
  if (leafLocation === issueLocation) return true;
  if (!leafLocation.startsWith(issueLocation)) return false;
  const next = leafLocation.charAt(issueLocation.length);
  return next === '-' || next === '.' || next === '[';
}

export function measure(
  adapter: Hl7v2Adapter,
  ctx: ConversionContext,
  file: string,
  expectedFile?: string,
): MessageCoverage {
  const parsed = adapter.parse(readFileSync(file));
  const record = parsed.records[0];
  if (!record?.ok) throw new Error(`${basename(file)} does not parse`);
  const result = adapter.convertDetailed(record.input, ctx);
  const ourValues = valuesOf(result.output);
  const expected =
    expectedFile && existsSync(expectedFile)
      ? valuesOf(JSON.parse(readFileSync(expectedFile, 'utf8')))
      : undefined;
  const issues: OperationOutcomeIssue[] = result.report.issue ?? [];
  const locate = new Map<string, { location: string; value: string }>();
  for (const seg of record.input.segments) {
    seg.fields.forEach((field, f) =>
      field?.forEach((rep, r) =>
        rep.forEach((comp, c) =>
          comp.forEach((value, s) =>
            locate.set(`${seg.position}|${f}|${r + 1}|${c + 1}|${s + 1}`, { location: '', value }),
          ),
        ),
      ),
    );
  }
  const leaves: LeafRow[] = result.coverage.allLeaves().map((leaf) => {
    const location = leaf.path[leaf.path.length - 1] ?? '';
    const value = locate.get(leaf.key)?.value ?? '';
    const ours = result.coverage.state(leaf.key) ?? 'unmapped';
    return {
      location,
      segment: leaf.path[0] ?? '',
      value,
      ours,
      oursVerbatim: verbatim(value, ourValues, new Set(ourValues)),
      fhirConverter: expected ? verbatim(value, expected, new Set(expected)) : undefined,
    };
  });
  const unaccounted = leaves.filter((l) => !accounted(l, issues)).map((l) => l.location);
  return { message: basename(file), leaves, unaccounted };
}

function accounted(leaf: LeafRow, issues: readonly OperationOutcomeIssue[]): boolean {
  switch (leaf.ours) {
    case 'mapped':
    case 'structural':
      return true;
    case 'reported':
      return issues.some(
        (i) => i.severity !== 'information' && (i.location ?? []).some((l) => covers(l, leaf.location)),
      );
    case 'unmapped':
      return issues.some(
        (i) => i.severity === 'information' && (i.location ?? []).some((l) => covers(l, leaf.location)),
      );
    default:
      return leaf.ours satisfies never;
  }
}

export function markdownTable(m: MessageCoverage): string {
  const segments = [...new Set(m.leaves.map((l) => l.segment))];
  const count = (rows: LeafRow[], pred: (l: LeafRow) => boolean): number => rows.filter(pred).length;
  const lines = [
    `### ${m.message}`,
    '',
    '| segment | populated | ours: mapped | ours: structural | ours: reported | ours: unmapped (in report) | ours: verbatim in output | FHIR-Converter: verbatim in output |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const row = (name: string, rows: LeafRow[]): string =>
    `| ${name} | ${rows.length} | ${count(rows, (l) => l.ours === 'mapped')} | ${count(rows, (l) => l.ours === 'structural')} | ${count(rows, (l) => l.ours === 'reported')} | ${count(rows, (l) => l.ours === 'unmapped')} | ${count(rows, (l) => l.oursVerbatim)} | ${m.leaves.some((l) => l.fhirConverter !== undefined) ? count(rows, (l) => l.fhirConverter === true) : '-'} |`;
  for (const seg of segments)
    lines.push(
      row(
        seg,
        m.leaves.filter((l) => l.segment === seg),
      ),
    );
  lines.push(row('**total**', m.leaves));
  return lines.join('\n');
}

export function samplePairs(): { message: string; expected: string }[] {
  const dir = join(SAMPLES_DIR, 'hl7v2');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hl7'))
    .sort()
    .map((f) => ({
      message: join(dir, f),
      expected: join(SAMPLES_DIR, 'expected', f.replace(/\.hl7$/, '-expected.json')),
    }));
}

function main(): void {
  const adapter = createHl7v2Adapter();
  const ctx = createConversionContext({ channel: { referralCategory: 'ggz-basic' } });
  const pairs = samplePairs();
  if (pairs.length === 0) {
    console.error(`No samples in ${SAMPLES_DIR}`);
    process.exitCode = 1;
    return;
  }
  for (const p of pairs) {
    const m = measure(adapter, ctx, p.message, p.expected);
    console.log(`${markdownTable(m)}\n`);
    if (m.unaccounted.length > 0) console.log(`Unaccounted: ${m.unaccounted.join(', ')}\n`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
