import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STEPS } from '../../src/workflow/steps.js';
import { TRANSITIONS, type EventSpec, type TransitionRule } from '../../src/workflow/transitions.js';

const README = readFileSync(new URL('../../src/workflow/README.md', import.meta.url), 'utf8');

/** The text under a heading, up to the next heading. */
function section(heading: string): string {
  const start = README.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const rest = README.slice(start + heading.length + 1);
  const end = rest.search(/^#+ /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The cells of the table rows whose first cell is `code`. */
function rows(text: string, columns: number): string[][] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) =>
      l
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    )
    .filter((cells) => cells.length === columns)
    .map((cells) => [cells[0]!.replace(/`/g, ''), ...cells.slice(1)]);
}

function eventText(e: EventSpec): string {
  switch (e.kind) {
    case 'feedback-due':
      return `feedback-due (${e.feedbackType})`;
    case 'delivery-needed':
      return `delivery-needed (${e.cause})`;
    case 'regional-table':
    case 'cancellation':
    case 'delivery-failed':
    case 'escalated':
      return e.kind;
    default:
      return e satisfies never;
  }
}

function asReadmeRow(rule: TransitionRule): string[] {
  return [
    rule.action,
    rule.from.join(', '),
    rule.by === 'regional-table' ? 'regional table' : rule.by,
    rule.to === 'unchanged' ? '(unchanged)' : rule.to,
    rule.businessStatus === undefined
      ? '(kept)'
      : rule.businessStatus === 'input'
        ? 'the step'
        : rule.businessStatus,
    rule.reason === 'none' ? '-' : rule.reason,
    rule.newOwner === 'table' ? 'the regional table' : rule.newOwner === 'receiver' ? 'the receiver' : '-',
    rule.emits.length === 0 ? '-' : rule.emits.map(eventText).join(', '),
  ];
}

describe('src/workflow/README.md', () => {
  it('when the README shows the state machine, then it is the table in the code, row by row', () => {
    expect(rows(section('## The Task state machine'), 8)).toEqual(TRANSITIONS.map(asReadmeRow));
  });

  it('when the README shows the business-status steps, then they are the steps in the code', () => {
    const documented = rows(section('### Business-status steps'), 4).map(
      ([step, allowed, notAfter, feedback]) => [
        step,
        allowed?.replace(' (after the intake)', ''),
        notAfter,
        feedback,
      ],
    );
    expect(documented).toEqual(
      STEPS.map((s) => [
        s.step,
        s.allowedIn.join(', '),
        s.notAfter.length ? s.notAfter.join(', ') : '-',
        s.feedback ?? '-',
      ]),
    );
  });
});
