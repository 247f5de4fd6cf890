/**
 * The HL7 v2 referral adapter (REF^I12, REF^I14; v2.4 to v2.8): bytes to a referral message
 * Bundle shaped like the gateway expects, with the report of what was not mapped. The mapping is
 * the spec in mappings/hl7v2/; this module only wires parser, spec and engine together.
 */
import { join } from 'node:path';
import type { Adapter, ConversionContext, ParseOptions } from '../framework.js';
import { limitsWith, withoutDetail } from '../framework.js';
import { messageProfilesFor } from '../message-profiles.js';
import { loadSpecFile, mappingsDir } from '../spec-loader.js';
import { convertMessage, type DetailedResult } from './engine.js';
import { parseHl7v2 } from './parse.js';
import type { Hl7v2Spec } from './spec.js';
import { hl7v2SpecSchema } from './spec-schema.js';
import { Hl7Structure } from './structure.js';
import { DEFAULT_HL7_LIMITS, type Hl7Limits, type Hl7Message } from './types.js';

export const HL7V2_FORMAT = 'hl7v2';

export function defaultMappingDir(): string {
  return mappingsDir('hl7v2');
}

export interface Hl7v2AdapterOptions {
  /** Folder with structure.yaml and referral.yaml (default mappings/hl7v2). */
  mappingDir?: string;
  /** Another mapping spec than the folder's referral.yaml (the structure stays the folder's). */
  specFile?: string;
  limits?: Partial<Hl7Limits>;
}

export interface Hl7v2Adapter extends Adapter<Hl7Message> {
  readonly spec: Hl7v2Spec;
  readonly structure: Hl7Structure;
  /** convert, with the field coverage (for coverage tables and tests). */
  convertDetailed(input: Hl7Message, ctx: ConversionContext): DetailedResult;
}

export function createHl7v2Adapter(options: Hl7v2AdapterOptions = {}): Hl7v2Adapter {
  const dir = options.mappingDir ?? defaultMappingDir();
  const structure = Hl7Structure.load(join(dir, 'structure.yaml'));
  const spec = loadSpecFile(options.specFile ?? join(dir, 'referral.yaml'), hl7v2SpecSchema(structure));
  const limits: Hl7Limits = { ...DEFAULT_HL7_LIMITS, ...options.limits };
  const convertDetailed = (input: Hl7Message, ctx: ConversionContext): DetailedResult =>
    convertMessage(input, {
      spec,
      structure,
      translator: ctx.translator,
      channel: ctx.channel ?? {},
      timeZone: ctx.channel?.timeZone ?? 'Europe/Amsterdam',
      inValueSet: ctx.inValueSet,
      codeInSystem: ctx.codeInSystem,
    });
  return {
    format: HL7V2_FORMAT,
    describe: spec.title,
    mediaTypes: ['x-application/hl7-v2+er7', 'application/hl7-v2', 'text/plain'],
    spec,
    structure,
    parse: (bytes: Uint8Array, parseOptions?: ParseOptions) =>
      parseHl7v2(bytes, structure, limitsWith(limits, parseOptions)),
    convert: withoutDetail(convertDetailed),
    convertDetailed,
    profilesFor: messageProfilesFor,
  };
}
