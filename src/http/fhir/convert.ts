/**
 * `POST /fhir/convert/{format}`: the bytes an integrator's system emits (an HL7 v2 message, a
 * ZorgDomein document, an assessments export, ...) converted by the format's adapter, answered
 * as a Parameters resource with `output` (the FHIR resource or Bundle) and `report` (the
 * OperationOutcome of everything not mapped). It converts only; nothing is stored.
 *
 * In this order: an unknown format is 404; a media type that is neither one of the adapter's nor
 * application/octet-stream is 415; a body over the limit is 413; an input of which no record
 * converts is its report, 400 when it cannot be read and 422 otherwise.
 */
import type { OperationOutcome, Parameters, Resource } from '@medplum/fhirtypes';
import type { AdapterRegistry, ConversionContext, RegisteredAdapter } from '../../adapters/index.js';
import { batchOutput } from '../../adapters/index.js';
import {
  hasErrors,
  httpStatus,
  invalid,
  notFound,
  OperationOutcomeError,
  unsupportedMediaType,
} from '../../fhir/outcomes.js';
import { readRawBody } from '../body.js';
import { sendOutcome, sendResource } from '../respond.js';
import type { FhirRoute } from '../routes.js';

export interface ConvertDeps {
  /** The adapters and their context; called per request, so the caller decides when they are built. */
  adapters(): { registry: AdapterRegistry; context: ConversionContext };
  bodyLimitBytes: number;
}

/** The scope the route needs: `system/Bundle.c` (the sending clients' `system/*.cruds` covers it). */
export const CONVERT_SCOPE = { type: 'Bundle', interaction: 'c' } as const;

const OCTET_STREAM = 'application/octet-stream';

export function convertRoutes(deps: ConvertDeps): FhirRoute[] {
  return [
    {
      method: 'post',
      path: '/convert/:format',
      scope: CONVERT_SCOPE,
      async handler({ req, res }) {
        const { registry, context } = deps.adapters();
        const adapter = registry.get(String(req.params.format));
        // Only a known format name goes into logs and metrics; the path is the caller's text.
        res.locals.route = adapter ? `convert:${adapter.format}` : 'convert';
        if (!adapter) throw unknownFormat(registry);
        checkMediaType(adapter, req.headers['content-type']);
        const bytes = await readRawBody(req, deps.bodyLimitBytes);
        const batch = adapter.run(bytes, context, { maxBytes: deps.bodyLimitBytes });
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
