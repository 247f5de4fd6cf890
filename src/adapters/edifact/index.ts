/**
 * The EDIFACT adapter: GP referral letters in a documented MEDVRI-style subset of UN/EDIFACT
 * (mappings/edifact/) to the referral message Bundle, with the report of what was not mapped.
 * The tokenizer is generic over segments; the subset and its mapping are the spec.
 */
import { join } from 'node:path';
import type { Adapter, ConversionContext, ParseOptions } from '../framework.js';
import { limitsWith, withoutDetail } from '../framework.js';
import { messageProfilesFor } from '../message-profiles.js';
import { loadSpecFile, mappingsDir } from '../spec-loader.js';
import { convertEdifactMessage, type EdifactResult } from './convert.js';
import { type EdifactSpec, edifactSpecSchema } from './spec.js';
import {
  DEFAULT_EDIFACT_LIMITS,
  type EdifactLimits,
  type EdifactMessage,
  tokenizeEdifact,
} from './tokenize.js';

export const EDIFACT_FORMAT = 'edifact';

export interface EdifactAdapterOptions {
  /** Another mapping spec than mappings/edifact/medvri.yaml. */
  specFile?: string;
  limits?: Partial<EdifactLimits>;
}

export interface EdifactAdapter extends Adapter<EdifactMessage> {
  readonly spec: EdifactSpec;
  /** convert, with the field coverage (for coverage tests). */
  convertDetailed(input: EdifactMessage, ctx: ConversionContext): EdifactResult;
}

export function createEdifactAdapter(options: EdifactAdapterOptions = {}): EdifactAdapter {
  const file = options.specFile ?? join(mappingsDir('edifact'), 'medvri.yaml');
  const spec = loadSpecFile(file, edifactSpecSchema);
  const limits: EdifactLimits = { ...DEFAULT_EDIFACT_LIMITS, ...options.limits };
  const convertDetailed = (input: EdifactMessage, ctx: ConversionContext): EdifactResult =>
    convertEdifactMessage(input, spec, ctx);
  return {
    format: EDIFACT_FORMAT,
    describe: spec.title,
    mediaTypes: ['application/edifact', 'text/plain'],
    spec,
    parse: (bytes: Uint8Array, parseOptions?: ParseOptions) =>
      tokenizeEdifact(bytes, limitsWith(limits, parseOptions)),
    convert: withoutDetail(convertDetailed),
    convertDetailed,
    profilesFor: messageProfilesFor,
  };
}

export { type FeedbackWriteOptions, type FeedbackWriteResult, writeFeedbackEdifact } from './feedback.js';
export { type ReferralWriteResult, writeReferralEdifact } from './referral-writer.js';
