/**
 * The iWmo / iJw 3.2 adapter: 301 (assignment), 305 / 307 (start / stop of care) and 315 (request
 * for assignment) XML to FHIR, by the spec in mappings/iwmo-ijw/messages.yaml. A 315 becomes the
 * referral message the gateway accepts; 301 a Task and ServiceRequest; 305 and 307 a CarePlan.
 */
import { join } from 'node:path';
import type { Adapter, ConversionContext, ParseOptions } from '../framework.js';
import { limitsWith, withoutDetail } from '../framework.js';
import { messageProfilesFor } from '../message-profiles.js';
import { loadSpecFile, mappingsDir } from '../spec-loader.js';
import { convertRecord, type DetailedResult } from './engine.js';
import { DEFAULT_SOCIAL_LIMITS, parseSocial, type SocialLimits, type SocialRecord } from './parse.js';
import { type SocialSpec, socialSpecSchema } from './spec.js';

export const SOCIAL_FORMAT = 'iwmo-ijw';

export function loadSocialSpec(specFile?: string): SocialSpec {
  return loadSpecFile(specFile ?? join(mappingsDir('iwmo-ijw'), 'messages.yaml'), socialSpecSchema);
}

export interface SocialAdapterOptions {
  specFile?: string;
  limits?: Partial<SocialLimits>;
}

export interface SocialAdapter extends Adapter<SocialRecord> {
  readonly spec: SocialSpec;
  convertDetailed(input: SocialRecord, ctx: ConversionContext): DetailedResult;
}

export function createSocialAdapter(options: SocialAdapterOptions = {}): SocialAdapter {
  const spec = loadSocialSpec(options.specFile);
  const limits: SocialLimits = { ...DEFAULT_SOCIAL_LIMITS, ...options.limits };
  const convertDetailed = (input: SocialRecord, ctx: ConversionContext): DetailedResult =>
    convertRecord(input, spec, ctx);
  return {
    format: SOCIAL_FORMAT,
    describe: spec.title,
    mediaTypes: ['application/xml', 'text/xml'],
    spec,
    parse: (bytes: Uint8Array, parseOptions?: ParseOptions) =>
      parseSocial(bytes, spec, limitsWith(limits, parseOptions)),
    convert: withoutDetail(convertDetailed),
    convertDetailed,
    profilesFor: messageProfilesFor,
  };
}
