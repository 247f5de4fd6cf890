/**
 * The ZorgDomein document adapter: a FHIR document Bundle (Composition first, type referral
 * letter) in JSON or XML, to the referral message the gateway accepts, with the report of every
 * element that did not land in the output. The mapping is mappings/zorgdomein/referral-letter.yaml;
 * this module only wires reader, spec and engine together.
 */
import { join } from 'node:path';
import type { Adapter, ConversionContext, ParseOptions } from '../framework.js';
import { limitsWith, withoutDetail } from '../framework.js';
import { messageProfilesFor } from '../message-profiles.js';
import { loadSpecFile, mappingsDir } from '../spec-loader.js';
import { convertDocument, type DetailedResult } from './engine.js';
import { DEFAULT_ZD_LIMITS, parseZorgdomein, type ZdDocument, type ZdLimits } from './parse.js';
import { type ZorgdomeinSpec, zorgdomeinSpecSchema } from './spec.js';

export const ZORGDOMEIN_FORMAT = 'zorgdomein';

export interface ZorgdomeinAdapterOptions {
  /** Folder with referral-letter.yaml (default mappings/zorgdomein). */
  mappingDir?: string;
  /** Another mapping spec than the folder's referral-letter.yaml. */
  specFile?: string;
  limits?: Partial<ZdLimits>;
}

export interface ZorgdomeinAdapter extends Adapter<ZdDocument> {
  readonly spec: ZorgdomeinSpec;
  /** convert, with the element coverage (for coverage figures and tests). */
  convertDetailed(input: ZdDocument, ctx: ConversionContext): DetailedResult;
}

export function createZorgdomeinAdapter(options: ZorgdomeinAdapterOptions = {}): ZorgdomeinAdapter {
  const dir = options.mappingDir ?? mappingsDir('zorgdomein');
  const spec = loadSpecFile(options.specFile ?? join(dir, 'referral-letter.yaml'), zorgdomeinSpecSchema);
  const limits: ZdLimits = { ...DEFAULT_ZD_LIMITS, ...options.limits };
  const convertDetailed = (input: ZdDocument, ctx: ConversionContext): DetailedResult =>
    convertDocument(input, spec, ctx, limits.maxLeaves);
  return {
    format: ZORGDOMEIN_FORMAT,
    describe: spec.title,
    mediaTypes: ['application/fhir+json', 'application/fhir+xml', 'application/json', 'application/xml'],
    spec,
    parse: (bytes: Uint8Array, parseOptions?: ParseOptions) =>
      parseZorgdomein(bytes, limitsWith(limits, parseOptions)),
    convert: withoutDetail(convertDetailed),
    convertDetailed,
    profilesFor: messageProfilesFor,
  };
}
