/**
 * `POST /fhir/convert/{format}`: the bytes an integrator's system emits (an HL7 v2 message, a
 * ZorgDomein document, an assessments export, ...) converted by the format's adapter, answered
 * as a Parameters resource with `output` (the FHIR resource or Bundle) and `report` (the
 * OperationOutcome of everything not mapped). It converts only; nothing is stored.
 *
 * In this order: an unknown format is 404; a media type that is neither one of the adapter's nor
 * application/octet-stream is 415; a body over the limit is 413; an input of which no record
 * converts is its report, 400 when it cannot be read and 422 otherwise. What the source cannot say
 * (e.g. the organisation types an HL7 v2 message has no field for) comes as `?channel.KEY=VALUE`.
 *
 * `POST /fhir/convert/to/{format}` is the other way: a FHIR resource (a referral message, a
 * feedback document) to what an integrator's system reads (an HL7 v2 REF^I12 or ORU^R01, an
 * EDIFACT letter or terugrapportage, an iJw/iWmo 315, a letter). The answer is the bytes in the
 * writer's media type, or, with `Accept: application/fhir+json`, a Parameters resource with
 * `output` and `report`. Values the target needs but FHIR has no element for come as
 * `?channel.KEY=VALUE` (e.g. the municipality code of a 315, `syntax=UNOW` for UTF-8 EDIFACT).
 * When nothing can be written the report is the answer, 422.
 */
import type { Request } from 'express';
import type { OperationOutcome, Parameters, Resource } from '@medplum/fhirtypes';
import type { AdapterRegistry, ConversionContext, RegisteredAdapter } from '../../adapters/index.js';
import { batchOutput } from '../../adapters/index.js';
import type { WriterRegistry } from '../../adapters/outbound/index.js';
import {
  hasErrors,
  httpStatus,
  invalid,
  notFound,
  OperationOutcomeError,
  unsupportedMediaType,
} from '../../fhir/outcomes.js';
import { readFhirJson, readRawBody } from '../body.js';
import { sendOutcome, sendResource } from '../respond.js';
import type { FhirRoute } from '../routes.js';

export interface ConvertDeps {
  /** The adapters and their context; called per request, so the caller decides when they are built. */
  adapters(): { registry: AdapterRegistry; context: ConversionContext };
  /** The writers of `POST /convert/to/{format}`; without them that route is not offered. */
  writers?: () => WriterRegistry;
  bodyLimitBytes: number;
}

/** The scope the route needs: `system/Bundle.c` (the sending clients' `system/*.cruds` covers it). */
export const CONVERT_SCOPE = { type: 'Bundle', interaction: 'c' } as const;

const OCTET_STREAM = 'application/octet-stream';
const OPERATIONS = 'https://overdracht.dev/fhir/OperationDefinition/';

function outboundRoute(deps: ConvertDeps & { writers: () => WriterRegistry }): FhirRoute {
  return {
    method: 'post',
    path: '/convert/to/:format',
    operation: { name: 'convert-to', level: 'system', definition: `${OPERATIONS}convert-to` },
    scope: CONVERT_SCOPE,
    async handler({ req, res }) {
      const registry = deps.writers();
      const writer = registry.get(String(req.params.format));
      res.locals.route = writer ? `convert-to:${writer.format}` : 'convert-to';
      if (!writer) {
        const formats = registry.formats().map((w) => w.format);
        throw new OperationOutcomeError(
          notFound(`No such format; the formats are ${formats.join(', ')}`),
          404,
        );
      }
      const input = (await readFhirJson(req, deps.bodyLimitBytes)) as Resource;
      if (typeof input !== 'object' || input === null || typeof input.resourceType !== 'string')
        throw new OperationOutcomeError(invalid('The body is not a FHIR resource', 'resourceType'), 400);
      const { context } = deps.adapters();
      const written = writer.write(input, { ...context, channel: { ...context.channel, ...channelOf(req) } });
      if (written.output === undefined) {
        sendOutcome(res, failure(written.report), 422);
        return;
      }
      if (/application\/(fhir\+)?json/i.test(req.headers.accept ?? '')) {
        const text = typeof written.output === 'string' ? written.output : undefined;
        sendResource(res, 200, {
          resourceType: 'Parameters',
          parameter: [
            text !== undefined
              ? { name: 'output', valueString: text }
              : { name: 'output', valueBase64Binary: Buffer.from(written.output).toString('base64') },
            { name: 'report', resource: written.report },
          ],
        });
        return;
      }
      res.status(200).set('Content-Type', writer.mediaType).send(Buffer.from(written.output));
    },
  };
}

/** `?channel.KEY=VALUE` query parameters as channel settings. */
function channelOf(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.query))
    if (key.startsWith('channel.') && typeof value === 'string') out[key.slice(8)] = value;
  return out;
}

export function convertRoutes(deps: ConvertDeps): FhirRoute[] {
  const writers = deps.writers;
  return [
    ...(writers ? [outboundRoute({ ...deps, writers })] : []),
    {
      method: 'post',
      path: '/convert/:format',
      operation: { name: 'convert', level: 'system', definition: `${OPERATIONS}convert` },
      scope: CONVERT_SCOPE,
      async handler({ req, res }) {
        const { registry, context } = deps.adapters();
        const adapter = registry.get(String(req.params.format));
        // Only a known format name goes into logs and metrics; the path is the caller's text.
        res.locals.route = adapter ? `convert:${adapter.format}` : 'convert';
        if (!adapter) throw unknownFormat(registry);
        checkMediaType(adapter, req.headers['content-type']);
        const bytes = await readRawBody(req, deps.bodyLimitBytes);
        const channel = { ...context.channel, ...channelOf(req) };
        const batch = adapter.run(bytes, { ...context, channel }, { maxBytes: deps.bodyLimitBytes });
        const output = batchOutput(batch);
        if (!output) {
          sendOutcome(res, failure(batch.report), failureStatus(batch.report));
          return;
        }
        sendResource(res, 200, conversionParameters(output, batch.report));
      },
    },
  ];
}

function unknownFormat(registry: AdapterRegistry): OperationOutcomeError {
  const formats = registry.formats().map((f) => f.format);
  return new OperationOutcomeError(notFound(`No such format; the formats are ${formats.join(', ')}`), 404);
}

/** The media type without parameters must be the adapter's, or application/octet-stream. */
function checkMediaType(adapter: RegisteredAdapter, contentType: string | undefined): void {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === OCTET_STREAM || adapter.mediaTypes.includes(type)) return;
  const accepted = [...adapter.mediaTypes, OCTET_STREAM].join(', ');
  throw new OperationOutcomeError(
    unsupportedMediaType(
      `Content-Type for ${adapter.format} must be one of ${accepted} (was ${type || 'none'})`,
    ),
    415,
  );
}

/** A report without an error still failed when nothing converted: say so. */
function failure(report: OperationOutcome): OperationOutcome {
  return hasErrors(report) ? report : invalid('The input holds no record that converts');
}

/** 400 for an unreadable input, 413 and 415 as the adapter says, any other failure 422. */
function failureStatus(report: OperationOutcome): number {
  const status = httpStatus(failure(report));
  return status === 400 || status === 413 || status === 415 ? status : 422;
}

function conversionParameters(output: Resource, report: OperationOutcome): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'output', resource: output },
      { name: 'report', resource: report },
    ],
  };
}
