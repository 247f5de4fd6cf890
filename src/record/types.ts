/** The client record's vocabulary: entries, where they came from, and what an import did. */
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { OrganisationKey } from '../intake/ports.js';

/** Where data comes from: care (`treatment`) or the social domain, which needs explicit consent to pass on. */
export type Domain = 'treatment' | 'social-domain';

/** Where an import came from (its Provenance). */
export interface RecordSource {
  /** The organisation that supplied the data (its AGB or URA); absent for data of unknown origin. */
  organisation?: OrganisationKey & { name?: string };
  /** The adapter format (`hl7v2`, `assessments`, `fhir`, ...) or `referral`, `questionnaire`. */
  format: string;
  /** The file name or request the data came in, never its content. */
  name?: string;
  domain: Domain;
}

/** One resource of a client's record with its provenance. */
export interface RecordEntry {
  clientKey: string;
  resource: Resource & { id: string };
  domain: Domain;
  organisation?: string;
  format: string;
  sourceName?: string;
  provenanceId: string;
  recordedAt: string;
}

export interface ClientImport {
  clientKey: string;
  /** Whether the client is known by BSN (joined) or kept apart (no BSN). */
  joinedByBsn: boolean;
  added: number;
  /** Entries already held (same content): left as they were. */
  unchanged: number;
  /** The Provenance of this import, when something was added. */
  provenance?: string;
}

export interface ImportReport {
  clients: ClientImport[];
  added: number;
  unchanged: number;
  /** Records of the input that held no client (Patient) and were not stored. */
  skipped: number;
  /** The adapter's report (unmapped fields with their source locations) plus what was not stored. */
  report: OperationOutcome;
}
