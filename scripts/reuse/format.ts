/** The text of the reuse report, from the journeys' results; pure. */
import type { JourneyResult, QuestionnaireCount } from '../../test/journeys/run.js';

const pct = (a: number, b: number): string => (b === 0 ? '-' : `${((100 * a) / b).toFixed(0)}%`);

function line(c: QuestionnaireCount): string {
  const mark = c.askedAgain === c.target ? 'ok' : 'MISSED';
  const misses = c.misses.length > 0 ? ` (${c.misses.join(', ')})` : '';
  return `      ${c.questionnaire.padEnd(28)} baseline ${String(c.baseline).padStart(2)}  asked again: ${c.askedAgain} (target ${c.target})  pre-filled ${String(c.prefilled).padStart(2)}/${String(c.questions).padEnd(2)} ${pct(c.prefilled, c.questions).padStart(4)}  ${mark}${misses}`;
}

export function formatReport(results: readonly JourneyResult[]): { text: string; failures: number } {
  const lines: string[] = [];
  let failures = 0;
  const total = { baseline: 0, askedAgain: 0, target: 0 };
  const byQuestionnaire = new Map<string, { questions: number; prefilled: number }>();
  for (const r of results) {
    const j = r.journey;
    lines.push(
      `${j.id}: ${j.kind}, consent ${j.consent} (care: ${j.careSharing}, social domain: ${j.socialSharing})`,
    );
    for (const s of r.steps) {
      lines.push(`  step ${s.step} ${s.organisation}: ${s.label}`);
      for (const c of s.counts) {
        lines.push(line(c));
        if (c.askedAgain !== c.target || c.misses.length > 0) failures++;
        total.baseline += c.baseline;
        total.askedAgain += c.askedAgain;
        total.target += c.target;
        const q = byQuestionnaire.get(c.questionnaire) ?? { questions: 0, prefilled: 0 };
        q.questions += c.questions;
        q.prefilled += c.prefilled;
        byQuestionnaire.set(c.questionnaire, q);
      }
    }
  }
  lines.push(
    '',
    `journeys: ${results.length}; questions an earlier step answered (baseline, nothing travels): ${total.baseline}; asked again with the system: ${total.askedAgain} (target ${total.target})`,
    ...[...byQuestionnaire].map(
      ([id, q]) =>
        `  ${id.padEnd(28)} pre-filled ${q.prefilled}/${q.questions} (${pct(q.prefilled, q.questions)})`,
    ),
    failures === 0 ? 'every count meets its target' : `${failures} count(s) differ from their target`,
    '',
  );
  return { text: lines.join('\n'), failures };
}
