/**
 * The feedback report as a readable letter to the GP: one self-contained HTML page (Dutch, A4 print
 * style, no script, no external resource; a Content-Security-Policy that forbids both), every value
 * escaped, the narrative reduced to paragraphs of text so that no markup of the source reaches it.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { issue, outcome } from '../../fhir/outcomes.js';
import { type FeedbackReading, noFeedback, personName, readFeedback } from './feedback.js';
import type { OutboundWriter, WriteResult } from './types.js';

export const LETTER_FORMAT = 'letter';

export function createLetterWriter(): OutboundWriter {
  return {
    format: LETTER_FORMAT,
    describe: 'feedback report (ov-feedback) as a readable HTML letter to the referrer',
    mediaType: 'text/html; charset=utf-8',
    write: (input) => writeLetter(input),
  };
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function writeLetter(input: Bundle | Resource): WriteResult {
  const feedback = readFeedback(input);
  if (!feedback) return noFeedback();
  return { output: letterHtml(feedback), report: outcome(missingParts(feedback)) };
}

function missingParts(f: FeedbackReading): ReturnType<typeof issue>[] {
  const out: ReturnType<typeof issue>[] = [];
  const warn = (message: string, expression: string): void => {
    out.push(issue({ severity: 'warning', code: 'not-found', message, expression }));
  };
  if (!f.patient)
    warn('The client is not in the input; the letter names no client', `${f.compositionPath}.subject`);
  if (!f.referrer)
    warn(
      'The referral and its requester are not in the input; the letter has no addressee',
      `${f.compositionPath}.extension`,
    );
  return out;
}

const STYLE = `body{font-family:Georgia,serif;max-width:40em;margin:2em auto;line-height:1.45;color:#111}
header,footer{font-family:Arial,sans-serif;font-size:.9em}.from{text-align:right}table{border-collapse:collapse}
td{padding:.1em .8em .1em 0;vertical-align:top}h1{font-size:1.3em;margin-top:1.5em}h2{font-size:1.05em;margin:1.2em 0 .3em}
@media print{body{margin:0}@page{size:A4;margin:2cm}}`;

export function letterHtml(f: FeedbackReading): string {
  const e = escapeHtml;
  const c = f.composition;
  const from = f.custodian;
  const to = f.referrer;
  const bsn = f.patient?.identifier?.find((i) => i.system === 'http://fhir.nl/fhir/NamingSystem/bsn')?.value;
  const row = (label: string, value: string | undefined): string =>
    value ? `<tr><td>${e(label)}</td><td>${e(value)}</td></tr>` : '';
  const sections = f.sections
    .map((s) => {
      const codes = s.codes.map(({ concept }) => {
        const coding = concept.coding?.[0];
        const label = concept.text ?? coding?.display ?? '';
        return `<li>${e(label)}${coding?.code ? ` (${e(coding.code)})` : ''}</li>`;
      });
      return `<section><h2>${e(s.title || s.code)}</h2>${s.paragraphs.map((p) => `<p>${e(p)}</p>`).join('')}${codes.length ? `<ul>${codes.join('')}</ul>` : ''}</section>`;
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${e(c.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<div class="from">${e(from?.name ?? '')}${from?.identifier?.[0]?.value ? `<br>AGB ${e(from.identifier[0].value)}` : ''}</div>
<div class="to">${e(personName(to?.practitioner))}${to?.organization?.name ? `<br>${e(to.organization.name)}` : ''}</div>
</header>
<h1>${e(c.title)}</h1>
<table>
${row('Betreft', personName(f.patient))}${row('Geboortedatum', f.patient?.birthDate)}${row('BSN', bsn)}${row('Datum', c.date?.slice(0, 10))}${row('Soort', f.feedbackType?.display ?? f.feedbackType?.code)}${row('Uw verwijzing', f.referral?.identifier?.[0]?.value)}
</table>
${sections}
<footer><p>Met vriendelijke groet,<br>${e(from?.name ?? '')}</p></footer>
</body>
</html>
`;
}
