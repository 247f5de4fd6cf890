/**
 * What searches share: the query as written (not express's parsed object, which turns `a[b]=c`
 * into nested objects), the check that every parameter is one the route declares (an unknown
 * parameter is an error: a filter silently dropped would disclose more than asked), and the
 * searchset Bundle with self/next/previous links. https://hl7.org/fhir/R4/search.html
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Request } from 'express';
import { badRequest, OperationOutcomeError } from '../../fhir/outcomes.js';
import { DEFAULT_COUNT, MAX_COUNT } from '../../store/search.js';
import type { SearchParamDoc } from '../routes.js';

/** Result parameters every search accepts. */
export const RESULT_PARAMS: ReadonlySet<string> = new Set([
  '_count',
  '_offset',
  '_total',
  '_sort',
  '_format',
  '_pretty',
]);

/** The only chain offered: from a reference to its target's identifier (`patient.identifier`). */
export const CHAINABLE = 'identifier';

export function queryOf(req: Request): URLSearchParams {
  const q = req.originalUrl.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : req.originalUrl.slice(q + 1));
}

function unknownParameter(
  type: string,
  name: string,
  declared: readonly SearchParamDoc[],
): OperationOutcomeError {
  const names = declared.map((d) => d.name).join(', ');
  return new OperationOutcomeError(
    badRequest(`Unknown search parameter '${name}' for ${type}; supported: ${names}`, name),
    400,
  );
}

/** Throws 400 naming the first parameter the route does not declare. */
export function checkParameters(
  type: string,
  query: URLSearchParams,
  declared: readonly SearchParamDoc[],
): void {
  for (const name of new Set(query.keys())) {
    if (RESULT_PARAMS.has(name)) continue;
    const [head = '', chain] = name.split('.', 2);
    const code = head.split(':')[0] ?? '';
    const param = declared.find((d) => d.name === code);
    if (!param) throw unknownParameter(type, name, declared);
    if (chain !== undefined && (param.type !== 'reference' || chain !== CHAINABLE)) {
      throw new OperationOutcomeError(
        badRequest(`Only reference parameters chain, and only to .${CHAINABLE}: '${name}'`, name),
        400,
      );
    }
  }
}

/** The page size a search used: `_count` as the store reads it. */
export function pageSize(query: URLSearchParams): number {
  const raw = query.get('_count');
  return raw !== null && /^\d{1,9}$/.test(raw) ? Math.min(Number(raw), MAX_COUNT) : DEFAULT_COUNT;
}

export interface SearchPage {
  resources: readonly Resource[];
  total?: number;
  nextOffset?: number;
}

/** A searchset Bundle; `base` is the FHIR base URL (`https://host/fhir`). */
export function searchsetBundle(
  base: string,
  type: string,
  query: URLSearchParams,
  page: SearchPage,
): Bundle {
  const count = pageSize(query);
  const offset = Number(query.get('_offset') ?? '0') || 0;
  const link = (relation: string, at: number): { relation: string; url: string } => {
    const q = new URLSearchParams(query);
    q.set('_count', String(count));
    q.set('_offset', String(at));
    return { relation, url: `${base}/${type}?${q.toString()}` };
  };
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(page.total !== undefined ? { total: page.total } : {}),
    link: [
      link('self', offset),
      ...(page.nextOffset !== undefined ? [link('next', page.nextOffset)] : []),
      ...(offset > 0 ? [link('previous', Math.max(0, offset - count))] : []),
    ],
    entry: page.resources.map((resource) => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id ?? ''}`,
      resource,
      search: { mode: 'match' as const },
    })),
  };
}
