/**
 * The EDIFACT writers of src/adapters/edifact as outbound formats: `edifact` (a referral message
 * as a MEDVRI-subset letter, document VRB) and `edifact-feedback` (a feedback report as the same
 * subset with document TRG), named as the HL7 v2 pair is. Channel settings: `syntax` (`UNOC`, the
 * default, ISO 8859-1 as older GP systems read it, or `UNOW`, UTF-8) and `controlReference` (UNB
 * element 5; default from the message's identifier or the Composition's id).
 *
 * The output is bytes: a UNOC interchange is ISO 8859-1, not UTF-8.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { writeFeedbackEdifact } from '../edifact/feedback.js';
import { writeReferralEdifact } from '../edifact/referral-writer.js';
import type { ConversionContext } from '../framework.js';
import { defaultConceptMapDirs } from '../index.js';
import { type ConceptMapResource, loadConceptMaps } from '../translator.js';
import { issue, outcome } from '../../fhir/outcomes.js';
import type { OutboundWriter, WriteResult } from './types.js';

export const EDIFACT_REFERRAL_FORMAT = 'edifact';
export const EDIFACT_FEEDBACK_FORMAT = 'edifact-feedback';
/** RFC 1767. */
const MEDIA_TYPE = 'application/edifact';

type Syntax = 'UNOC' | 'UNOW';

/** `maps` are the ConceptMaps the letter's codes go back through; loaded on first use by default. */
export function createEdifactReferralWriter(
  maps: () => readonly ConceptMapResource[] = projectConceptMaps,
): OutboundWriter {
  return {
    format: EDIFACT_REFERRAL_FORMAT,
    describe: 'EDIFACT referral letter (MEDVRI subset, document VRB), from a referral message',
    mediaType: MEDIA_TYPE,
    write: (input, ctx) => {
      if (input.resourceType !== 'Bundle' || input.type !== 'message')
        return refused(
          'The input must be a referral message (a Bundle of type message)',
          input.resourceType === 'Bundle' ? 'Bundle.type' : input.resourceType,
        );
      const settings = channel(ctx);
      if (typeof settings === 'string') return refused(settings, 'channel.syntax');
      const written = writeReferralEdifact(input, maps(), {
        controlReference: settings.controlReference ?? reference(input.identifier?.value ?? input.id),
        syntax: settings.syntax,
      });
      return written.ok ? { output: written.bytes, report: written.report } : failed(written.report);
    },
  };
}

export function createEdifactFeedbackWriter(): OutboundWriter {
  return {
    format: EDIFACT_FEEDBACK_FORMAT,
    describe: 'feedback report (ov-feedback) to the GP as an EDIFACT terugrapportage (document TRG)',
    mediaType: MEDIA_TYPE,
    write: (input, ctx) => {
      if (input.resourceType !== 'Bundle')
        return refused(
          'The input must be a Bundle holding the feedback Composition and the resources it references',
          input.resourceType,
        );
      const settings = channel(ctx);
      if (typeof settings === 'string') return refused(settings, 'channel.syntax');
      const written = writeFeedbackEdifact(input, settings);
      return written.ok ? { output: written.bytes, report: written.report } : failed(written.report);
    },
  };
}

let loaded: readonly ConceptMapResource[] | undefined;
function projectConceptMaps(): readonly ConceptMapResource[] {
  loaded ??= loadConceptMaps(defaultConceptMapDirs());
  return loaded;
}

/** The channel's syntax and control reference, or what is wrong with them. */
function channel(ctx: ConversionContext): { syntax: Syntax; controlReference?: string } | string {
  const syntax = (ctx.channel?.syntax ?? 'UNOC').toUpperCase();
  if (syntax !== 'UNOC' && syntax !== 'UNOW')
    return 'The channel setting syntax must be UNOC (ISO 8859-1) or UNOW (UTF-8)';
  const given = ctx.channel?.controlReference;
  return { syntax, controlReference: given ? reference(given) : undefined };
}

/** UNB element 5 is an..14: letters and digits only. */
function reference(value: string | undefined): string {
  return (value ?? '').replace(/[^A-Za-z0-9]/g, '').slice(0, 14) || '1';
}

function refused(message: string, expression: string): WriteResult {
  return {
    output: undefined,
    report: outcome([issue({ severity: 'error', code: 'invalid', message, expression })]),
  };
}

/** The writers' refusals are errors already; the answer is the report. */
function failed(report: OperationOutcome): WriteResult {
  return { output: undefined, report };
}
