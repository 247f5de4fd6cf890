/**
 * The contract of an outbound writer: FHIR in (a referral message, a feedback document), the
 * bytes of another format out (an iJw/iWmo 315, an HL7 v2 message, a letter), with a report of
 * what the target format cannot carry. The mirror of the inbound Adapter.
 */
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { ConversionContext } from '../framework.js';

export interface WriteResult {
  /** undefined when the input lacks what the target format requires (the report says what). */
  output: string | Uint8Array | undefined;
  report: OperationOutcome;
}

export interface OutboundWriter {
  /** The name in `POST /fhir/convert/to/{format}` and `overdracht convert --to FORMAT`. */
  readonly format: string;
  readonly describe: string;
  /** The media type of the output. */
  readonly mediaType: string;
  write(input: Bundle | Resource, ctx: ConversionContext): WriteResult;
}
