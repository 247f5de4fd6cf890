/**
 * Feedback to the GP (terugrapportage) as HL7 v2.5 ORU^R01: what Dutch GP information systems
 * import over HL7 v2 is results and letters as ORU^R01 (the same message carries lab results); a
 * v2 referral's own answer, RRI^I12, is seldom implemented by them. One observation request (OBR)
 * stands for the report: its service is the feedback type, the placer order number the referral,
 * the filler order number the report. Each section is a series of OBX TX lines (OBX-4 the section
 * number), each coded entry of a section (a diagnosis) an OBX CWE, and the letter travels along as
 * an OBX ED with the HTML in base 64, so a HIS can show it as it is.
 */
import type { Bundle, Identifier, Resource } from '@medplum/fhirtypes';
import { issue, outcome } from '../../../fhir/outcomes.js';
import { noFeedback, readFeedback, type FeedbackReading } from '../feedback.js';
import { letterHtml } from '../letter.js';
import type { OutboundWriter, WriteResult } from '../types.js';
import { cwe, cx, xcn, xon, xpn } from './datatypes.js';
import { dtm, EMPTY, f, type Field, message, msh, segment } from './er7.js';
import { Hl7Vocabulary } from './vocabulary.js';

export const ORU_FORMAT = 'hl7v2-feedback';
/** Local code systems (HL7 table 0396 allows 99zzz names for local tables). */
const FEEDBACK_TYPE_SYSTEM = '99OVFT';
const FEEDBACK_SECTION_SYSTEM = '99OVFS';

export function createOruWriter(vocabulary: Hl7Vocabulary = Hl7Vocabulary.load()): OutboundWriter {
  return {
    format: ORU_FORMAT,
    describe: 'feedback report (ov-feedback) to the GP as HL7 v2.5 ORU^R01, with the letter attached',
    mediaType: 'x-application/hl7-v2+er7',
    write: (input) => writeOru(input, vocabulary),
  };
}

function writeOru(input: Bundle | Resource, v: Hl7Vocabulary): WriteResult {
  const fb = readFeedback(input);
  if (!fb) return noFeedback();
  if (!fb.patient)
    return {
      output: undefined,
      report: outcome([
        issue({
          severity: 'error',
          code: 'required',
          message: 'An ORU^R01 needs the client (PID); the Composition.subject is not in the input',
          expression: `${fb.compositionPath}.subject`,
        }),
      ]),
    };
  const c = fb.composition;
  const placer = fb.referral?.identifier?.[0];
  const filler = c.identifier ?? fb.bundle?.identifier ?? { value: c.id };
  const gp = fb.referrer?.practitioner;
  const orderer = gp ? [xcn(gp.identifier?.[0], gp.name?.[0], v)] : EMPTY;
  const segments = [
    msh([
      f(fb.custodian?.name), // MSH-3
      fb.custodian ? [xon(fb.custodian, v)] : EMPTY, // MSH-4
      EMPTY,
      fb.referrer?.organization ? [xon(fb.referrer.organization, v)] : EMPTY, // MSH-6
      f(dtm(c.date)),
      EMPTY,
      f('ORU', 'R01', 'ORU_R01'),
      f(filler.value),
      f('P'),
      f('2.5'),
      EMPTY,
      EMPTY,
      f('AL'),
      f('NE'),
      f('NLD'),
      f('UNICODE UTF-8'),
      f('nl', 'Nederlands', 'ISO639'),
    ]),
    segment('PID', [
      f('1'),
      EMPTY,
      (fb.patient.identifier ?? []).map((i) => cx(i, v)),
      EMPTY,
      (fb.patient.name ?? []).map(xpn),
      EMPTY,
      f(dtm(fb.patient.birthDate)),
      f(v.v2Code('hl7v2-0001-administrative-gender', fb.patient.gender)),
    ]),
    segment('ORC', [
      f('RE'),
      ei(placer),
      ei(filler),
      EMPTY,
      f('CM'),
      EMPTY,
      EMPTY,
      EMPTY,
      f(dtm(c.date)),
      EMPTY,
      EMPTY,
      orderer,
    ]),
    segment('OBR', obr(fb, placer, filler, orderer)),
    ...observations(fb, v),
  ];
  return { output: message(segments), report: outcome(unwritten(fb)) };
}

function ei(id: Identifier | undefined): Field {
  return id?.value ? f(id.value, id.assigner?.display ?? '') : EMPTY;
}

function obr(
  fb: FeedbackReading,
  placer: Identifier | undefined,
  filler: Identifier,
  orderer: Field,
): Field[] {
  const fields: Field[] = [
    f('1'),
    ei(placer),
    ei(filler),
    f(fb.feedbackType?.code ?? 'feedback-report', fb.composition.title, FEEDBACK_TYPE_SYSTEM),
    EMPTY,
    EMPTY,
    f(dtm(fb.composition.date)), // OBR-7
  ];
  while (fields.length < 15) fields.push(EMPTY);
  fields.push(orderer); // OBR-16
  while (fields.length < 21) fields.push(EMPTY);
  fields.push(f(dtm(fb.composition.date))); // OBR-22
  fields.push(EMPTY, EMPTY);
  fields.push(f(fb.composition.status === 'final' ? 'F' : fb.composition.status === 'amended' ? 'C' : 'P')); // OBR-25
  return fields;
}

function observations(fb: FeedbackReading, v: Hl7Vocabulary): string[] {
  const out: string[] = [];
  const status = fb.composition.status === 'final' ? 'F' : 'P';
  const obx = (type: string, id: Field, sub: string, value: Field): void => {
    out.push(
      segment('OBX', [
        f(String(out.length + 1)),
        f(type),
        id,
        f(sub),
        value,
        EMPTY,
        EMPTY,
        EMPTY,
        EMPTY,
        EMPTY,
        f(status),
      ]),
    );
  };
  fb.sections.forEach((s, i) => {
    const id = f(s.code, s.title, FEEDBACK_SECTION_SYSTEM);
    for (const p of s.paragraphs) obx('TX', id, String(i + 1), f(p));
    for (const { concept } of s.codes) obx('CWE', id, String(i + 1), [cwe(concept, v)]);
  });
  const html = Buffer.from(letterHtml(fb), 'utf8').toString('base64');
  obx('ED', f('letter', 'Brief', FEEDBACK_SECTION_SYSTEM), '', f('', 'TEXT', 'HTML', 'Base64', html));
  return out;
}

/** What an ORU^R01 of this writer does not carry. */
function unwritten(fb: FeedbackReading): ReturnType<typeof issue>[] {
  const out: ReturnType<typeof issue>[] = [];
  if (!fb.referrer)
    out.push(
      issue({
        severity: 'warning',
        code: 'not-found',
        message:
          'The referral is not in the input: no placer order number and no ordering provider (the GP) in ORC and OBR',
        expression: `${fb.compositionPath}.extension`,
      }),
    );
  fb.sections.forEach((s) => {
    if (s.paragraphs.length === 0 && s.codes.length === 0)
      out.push(
        issue({
          severity: 'information',
          code: 'informational',
          message: 'This section has no text and no coded entry to write',
          expression: s.path,
        }),
      );
  });
  return out;
}
