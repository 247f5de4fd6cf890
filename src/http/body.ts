/**
 * Reads a FHIR JSON request body: the media type must be FHIR JSON (415 otherwise), the size is
 * bounded while reading (413, the rest is not read), and the bytes go through the safe parser
 * (400 with a path for anything malformed).
 */
import type { Request } from 'express';
import { parseJsonBytes } from '../fhir/json.js';
import { OperationOutcomeError, tooLarge, unsupportedMediaType } from '../fhir/outcomes.js';

const FHIR_JSON = /^application\/(fhir\+)?json\s*(;|$)/i;
const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;

export function isFhirJson(req: Request): boolean {
  return FHIR_JSON.test(req.headers['content-type'] ?? '');
}

export async function readRawBody(req: Request, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    throw new OperationOutcomeError(
      tooLarge(`The body is ${declared} bytes; at most ${limitBytes} are accepted`),
      413,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      req.unpipe?.();
      req.resume();
      throw new OperationOutcomeError(tooLarge(`The body exceeds ${limitBytes} bytes`), 413);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** The parsed JSON body of a FHIR request. */
export async function readFhirJson(req: Request, limitBytes: number): Promise<unknown> {
  if (!isFhirJson(req)) {
    throw new OperationOutcomeError(
      unsupportedMediaType(
        `Content-Type must be application/fhir+json (was ${req.headers['content-type'] ?? 'none'})`,
      ),
      415,
    );
  }
  return parseJsonBytes(await readRawBody(req, limitBytes));
}

/** An OAuth token request body (application/x-www-form-urlencoded). */
export async function readForm(req: Request, limitBytes: number): Promise<Record<string, string>> {
  if (!FORM.test(req.headers['content-type'] ?? '')) {
    throw new OperationOutcomeError(
      unsupportedMediaType('Content-Type must be application/x-www-form-urlencoded'),
      415,
    );
  }
  const params = new URLSearchParams((await readRawBody(req, limitBytes)).toString('utf8'));
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of params) out[k] = v;
  return out;
}
