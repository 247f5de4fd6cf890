/**
 * Plain-text rendering of a conformance report: one agreement table per validator (a row per
 * module and the total), a one-line-per-validator summary, the excluded and skipped runs, and
 * verbose per-run lines on request.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issueElement, isError } from './compare.js';
import type { ConformanceReport, RunResult, Tally } from './runner.js';
import type { ValidatorName } from './validators.js';

export function ratio(x: number, y: number): string {
  return y === 0 ? '-' : `${x}/${y} ${pct(x, y)}`;
}

export function pct(x: number, y: number): string {
  return y === 0 ? '-' : `${((100 * x) / y).toFixed(1)}%`;
}

const HEADER = [
  'module',
  'runs',
  'valid runs agree',
  'invalid runs agree',
  'verdict agrees',
  'error count =',
  'flagged element =',
  'crashed',
  'ms',
];

export function tallyRows(tallies: readonly Tally[]): string[][] {
  return tallies.map((t) => [
    t.module,
    String(t.runs),
    ratio(t.validAgree, t.validRuns),
    ratio(t.invalidAgree, t.invalidRuns),
    ratio(t.validAgree + t.invalidAgree, t.runs),
    pct(t.countMatch, t.runs),
    ratio(t.elementMatch, t.elementRuns),
    String(t.crashed),
    t.ms.toFixed(0),
  ]);
}

/** A Markdown table; the first `textColumns` columns are left-aligned, the rest (figures) right-aligned. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  textColumns = 1,
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < textColumns ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function formatReport(report: ConformanceReport): string {
  const out: string[] = [];
  for (const name of report.validators) {
    const tallies = report.tallies[name] ?? [];
    out.push(`\n## ${name}\n`, formatTable(HEADER, tallyRows(tallies)));
    const note = report.notes[name];
    if (note) out.push(`(${note})`);
    const crashes = crashedRuns(report.results, name);
    if (crashes.length > 0) out.push(crashNote(tallies), `crashed on: ${crashes.join('; ')}`);
  }
  for (const [name, why] of Object.entries(report.unavailable)) out.push(`\n${name}: not available (${why})`);
  out.push('\n## Totals\n', formatTable(['validator', ...HEADER.slice(1)], totalsRows(report)));
  out.push(
    listing(
      'Excluded runs (committed list)',
      report.excluded.map((e) => `${e.case} [${e.run}] (${e.module}): ${e.reason}`),
    ),
  );
  out.push(
    listing(
      'Skipped runs',
      report.skipped.map((s) => `${s.id} (${s.module}): ${s.reason}`),
    ),
  );
  return out.join('\n');
}

/** Some harnesses count any throw as an "invalid" verdict; this gives that figure next to ours. */
function crashNote(tallies: readonly Tally[]): string {
  const t = tallies.find((x) => x.module === 'total');
  if (!t) return '';
  const agree = t.validAgree + t.invalidAgree + t.crashedOnInvalid;
  return `counting a crash as an "invalid" verdict instead: ${ratio(agree, t.runs)} (invalid runs ${ratio(t.invalidAgree + t.crashedOnInvalid, t.invalidRuns)})`;
}

function totalsRows(report: ConformanceReport): string[][] {
  return report.validators.map((name) => {
    const total = (report.tallies[name] ?? []).find((t) => t.module === 'total');
    const row = total ? tallyRows([total])[0] : undefined;
    return [name, ...(row ?? []).slice(1)];
  });
}

function crashedRuns(results: readonly RunResult[], name: ValidatorName): string[] {
  return results.flatMap((r) => {
    const crashed = r.byValidator[name]?.crashed;
    return crashed ? [`${r.id}: ${crashed}`] : [];
  });
}

function listing(title: string, lines: readonly string[]): string {
  return `\n## ${title} (${lines.length})\n${lines.map((l) => `- ${l}`).join('\n')}`;
}

/** The verbose line block of one run: expected versus each validator, with the error issues. */
export function formatRun(r: RunResult): string {
  const out = [`${r.id} (${r.module}) expected ${verdict(r.expected.valid)}, ${r.expected.errors} error(s)`];
  for (const i of r.expectedIssues.filter(isError)) out.push(`    expected: ${issueLine(i)}`);
  if (r.unloaded.length > 0) out.push(`    not loaded: ${r.unloaded.join(', ')}`);
  for (const [name, own] of Object.entries(r.byValidator)) {
    if (!own) continue;
    const mark = own.comparison.verdictAgrees ? 'agree' : 'DISAGREE';
    const what = own.crashed
      ? `crashed: ${own.crashed}`
      : `${verdict(own.summary?.valid ?? false)}, ${own.summary?.errors ?? 0} error(s)`;
    out.push(`  ${name}: ${mark}, ${what}`);
    for (const i of own.issues.filter(isError)) out.push(`    ${issueLine(i)}`);
    if (own.comparison.missedElements.length > 0)
      out.push(`    missed elements: ${own.comparison.missedElements.join(', ')}`);
  }
  return out.join('\n');
}

function verdict(valid: boolean): string {
  return valid ? 'valid' : 'invalid';
}

function issueLine(i: OperationOutcomeIssue): string {
  const text = i.details?.text ?? i.diagnostics ?? '';
  return `${i.severity} ${i.code} @ ${issueElement(i) ?? '-'}: ${text.slice(0, 200)}`;
}
