/**
 * Database errors become OperationOutcomeErrors that name the kind of failure and nothing else.
 * A driver's own message, detail and query text may hold row values (a BSN, a name), so none of
 * them is copied: only the SQLSTATE class and, where there is one, the constraint name (schema,
 * not data) survive.
 * SQLSTATE codes: https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
import type { IssueCode } from '../fhir/outcomes.js';
import { OperationOutcomeError, issue, outcome } from '../fhir/outcomes.js';

export class DatabaseError extends OperationOutcomeError {
  /** The five-character SQLSTATE, or the Node error code of a connection failure. */
  readonly sqlState: string | undefined;
  /** The violated constraint's name, for integrity errors. */
  readonly constraint: string | undefined;

  constructor(kind: ErrorKind, sqlState: string | undefined, constraint: string | undefined) {
    // A client may see the SQLSTATE of its own mistake (4xx); a server fault says nothing internal.
    const detailCode = kind.status < 500 && sqlState ? `db-${sqlState}` : undefined;
    super(
      outcome([issue({ severity: kind.severity, code: kind.code, message: kind.message, detailCode })]),
      kind.status,
    );
    this.name = 'DatabaseError';
    // For logs: the SQLSTATE names the failure without quoting data.
    this.message = `${kind.message} (SQLSTATE ${sqlState ?? 'none'})`;
    this.sqlState = sqlState;
    this.constraint = constraint;
  }
}

interface ErrorKind {
  code: IssueCode;
  severity: 'error' | 'fatal';
  status: number;
  message: string;
}

const UNIQUE: ErrorKind = {
  code: 'duplicate',
  severity: 'error',
  status: 409,
  message: 'A record with the same key already exists.',
};
const INTEGRITY: ErrorKind = {
  code: 'invalid',
  severity: 'error',
  status: 422,
  message: 'The data violates a database constraint.',
};
const DATA: ErrorKind = {
  code: 'invalid',
  severity: 'error',
  status: 400,
  message: 'A value could not be stored or compared.',
};
const CONFLICT: ErrorKind = {
  code: 'transient',
  severity: 'error',
  status: 503,
  message: 'The database was busy; retry the request.',
};
const TIMEOUT: ErrorKind = {
  code: 'timeout',
  severity: 'error',
  status: 503,
  message: 'The database did not answer in time.',
};
const UNAVAILABLE: ErrorKind = {
  code: 'transient',
  severity: 'fatal',
  status: 503,
  message: 'The database is unavailable.',
};
const REFUSED: ErrorKind = {
  code: 'forbidden',
  severity: 'error',
  status: 403,
  message: 'The operation is not allowed on this table.',
};
const INTERNAL: ErrorKind = {
  code: 'exception',
  severity: 'fatal',
  status: 500,
  message: 'Internal error; the request was not processed.',
};

const NODE_CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

/** SQLSTATEs on which a whole transaction may be retried. */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01']);

function kindOf(code: string | undefined): ErrorKind {
  if (!code) return INTERNAL;
  if (NODE_CONNECTION_ERRORS.has(code)) return UNAVAILABLE;
  if (code === '23505') return UNIQUE;
  if (RETRYABLE_SQLSTATES.has(code)) return CONFLICT;
  if (code === '55P03' || code === '57014') return TIMEOUT;
  if (code === 'P0001') return REFUSED;
  switch (code.slice(0, 2)) {
    case '23':
      return INTEGRITY;
    case '22':
      return DATA;
    case '08':
    case '53':
    case '57':
      return UNAVAILABLE;
    default:
      return INTERNAL;
  }
}

function stringField(err: object, field: string): string | undefined {
  const value: unknown = (err as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

/** Any error a driver throws becomes a `DatabaseError`; an OperationOutcomeError passes through. */
export function toDatabaseError(err: unknown): OperationOutcomeError {
  if (err instanceof OperationOutcomeError) return err;
  if (typeof err !== 'object' || err === null) return new DatabaseError(INTERNAL, undefined, undefined);
  const code = stringField(err, 'code');
  return new DatabaseError(kindOf(code), code, stringField(err, 'constraint'));
}

/** The SQLSTATE of an error thrown by a driver or already wrapped, if it has one. */
export function sqlStateOf(err: unknown): string | undefined {
  if (err instanceof DatabaseError) return err.sqlState;
  if (typeof err === 'object' && err !== null) return stringField(err, 'code');
  return undefined;
}
