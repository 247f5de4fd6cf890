/**
 * Rules on a Bundle as a whole, beyond its invariants (bdl-*): fullUrl form and consistency with
 * the resource id, link relations, the shape of documents (Composition first, its references
 * resolvable, every entry reachable) and messages (MessageHeader first, focus resolvable), and
 * search result modes.
 *
 * Spec: https://hl7.org/fhir/R4/bundle.html, https://hl7.org/fhir/R4/documents.html,
 *       https://hl7.org/fhir/R4/messaging.html, https://hl7.org/fhir/R4/search.html#bundle
 */
import type { IssueCode, Severity } from '../fhir/outcomes.js';
import { type BundleIndex, parseReference, resolveInBundle } from './references.js';
import { isRecord } from '../fhir/records.js';

type Json = Record<string, unknown>;
export type BundleReport = (severity: Severity, code: IssueCode, message: string, relPath: string) => void;
type IsType = (name: string) => boolean;

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

interface Entry {
  readonly index: number;
  readonly entry: Json;
  readonly resource: Json | undefined;
  readonly fullUrl: string | undefined;
}

const SEARCH_LINKS = ['first', 'previous', 'next', 'last'];
const ABSOLUTE_URL = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
const UUID_LIKE = /^[0-9a-f-]{36}$/;

export function validateBundleRules(
  bundle: Json,
  index: BundleIndex,
  report: BundleReport,
  isType: IsType,
): void {
  const type = typeof bundle.type === 'string' ? bundle.type : '';
  const entries: Entry[] = [];
  list(bundle.entry).forEach((e, index) => {
    if (!isRecord(e)) return;
    entries.push({
      index,
      entry: e,
      resource: isRecord(e.resource) ? e.resource : undefined,
      fullUrl: typeof e.fullUrl === 'string' ? e.fullUrl : undefined,
    });
  });
  checkLinks(bundle, type, report);
  for (const e of entries) checkEntryFullUrl(e, type, report, isType);
  if (type !== 'history') checkDuplicateIds(entries, report, isType);
  if ((type === 'document' || type === 'message') && entries.length === 0) {
    report('error', 'invalid', `A ${type} Bundle must contain at least one entry`, '');
    return;
  }
  if (type === 'document') checkDocument(entries, index, report, isType);
  else if (type === 'message') checkMessage(entries, index, report, isType);
  else if (type === 'searchset') checkSearchSet(bundle, entries, report, isType);
}

/** Link relations: paging relations belong to searches and histories; each relation once. */
function checkLinks(bundle: Json, type: string, report: BundleReport): void {
  const seen = new Set<string>();
  list(bundle.link).forEach((l, i) => {
    if (!isRecord(l) || typeof l.relation !== 'string') return;
    const rel = l.relation;
    const paging = type === 'searchset' || type === 'history';
    if (!paging && SEARCH_LINKS.includes(rel) && type !== '') {
      report(
        'error',
        'invalid',
        `The link relationship type '${rel}' is not allowed in a ${type} Bundle (it is for search results)`,
        `.link[${i}].relation`,
      );
    }
    if ((paging && (SEARCH_LINKS.includes(rel) || rel === 'self')) || rel === 'self') {
      if (seen.has(rel))
        report('error', 'invalid', `The link relationship type '${rel}' can only occur once`, `.link[${i}]`);
    }
    seen.add(rel);
  });
}

/** The path of an entry, made only when an issue names it. */
function entryPath(e: Entry): string {
  return `.entry[${e.index}]`;
}

/**
 * fullUrl: absolute; a RESTful fullUrl ends with the resource's type and id; required except in
 * transactions and batches. Spec: https://hl7.org/fhir/R4/bundle.html#bundle-unique
 */
function checkEntryFullUrl(e: Entry, type: string, report: BundleReport, isType: IsType): void {
  const fullUrl = e.fullUrl;
  if (fullUrl === undefined) {
    const optional = ['transaction', 'transaction-response', 'batch', 'batch-response'].includes(type);
    if (!optional && e.resource) {
      report(
        'error',
        'invalid',
        'Except for transactions and batches, each entry in a Bundle must have a fullUrl which is the identity of the resource in the entry',
        entryPath(e),
      );
    }
    return;
  }
  if (!ABSOLUTE_URL.test(fullUrl)) {
    report('error', 'invalid', `The fullUrl must be an absolute URL (not '${fullUrl}')`, entryPath(e));
    return;
  }
  const r = e.resource;
  if (!r || typeof r.resourceType !== 'string') return;
  const parsed = parseReference(fullUrl, isType);
  if (parsed.kind === 'absolute' && parsed.type) {
    if (typeof r.id !== 'string') {
      report(
        'error',
        'invalid',
        `The fullUrl '${fullUrl}' looks like a RESTful server URL, but the resource has no id`,
        entryPath(e),
      );
    } else if (!parsed.unversioned.endsWith(`/${r.resourceType}/${r.id}`)) {
      report(
        'error',
        'invalid',
        `The fullUrl '${fullUrl}' looks like a RESTful server URL, so it must end with the correct type and id (/${r.resourceType}/${r.id})`,
        entryPath(e),
      );
    }
  } else if (
    parsed.kind === 'urn' &&
    typeof r.id === 'string' &&
    fullUrl.startsWith('urn:uuid:') &&
    fullUrl.slice(9) !== r.id &&
    UUID_LIKE.test(r.id)
  ) {
    report(
      'warning',
      'invalid',
      `The resource id '${r.id}' does not match the uuid of its fullUrl '${fullUrl}'`,
      entryPath(e),
    );
  }
}

/**
 * Two entries with the same resource type and id that nothing else tells apart (no fullUrl, or
 * RESTful fullUrls on the same server) are the same resource twice.
 * Spec: https://hl7.org/fhir/R4/bundle.html#bundle-unique
 */
function checkDuplicateIds(entries: readonly Entry[], report: BundleReport, isType: IsType): void {
  const seen = new Map<string, Entry>();
  for (const e of entries) {
    const r = e.resource;
    if (!r || typeof r.resourceType !== 'string' || typeof r.id !== 'string') continue;
    const base = e.fullUrl === undefined ? '' : serverBase(e.fullUrl, isType);
    if (base === undefined) continue;
    const version = isRecord(r.meta) && typeof r.meta.versionId === 'string' ? r.meta.versionId : '';
    const key = `${base}|${r.resourceType}/${r.id}|${version}`;
    const first = seen.get(key);
    // The same fullUrl twice is bdl-7's to report.
    if (first && (first.fullUrl === undefined || first.fullUrl !== e.fullUrl)) {
      report(
        'error',
        'duplicate',
        `Duplicate resource ${r.resourceType}/${r.id} in the Bundle (also in entry ${first.index})`,
        `.entry[${e.index}]`,
      );
    } else if (!first) {
      seen.set(key, e);
    }
  }
}

/** The server base of a RESTful fullUrl; undefined for other fullUrls (urn:uuid etc.). */
function serverBase(fullUrl: string, isType: IsType): string | undefined {
  const p = parseReference(fullUrl, isType);
  if (p.kind !== 'absolute' || !p.type || !p.id) return undefined;
  return p.unversioned.slice(0, p.unversioned.length - `${p.type}/${p.id}`.length);
}

function resolve(index: BundleIndex, ref: string, from: Entry, isType: IsType): Json | undefined {
  return resolveInBundle(index, parseReference(ref, isType), from.fullUrl, isType);
}

/** References made from `holder` under the given property names must resolve in the Bundle. */
function requireResolvable(
  holder: unknown,
  props: readonly string[],
  from: Entry,
  index: BundleIndex,
  report: BundleReport,
  isType: IsType,
  relPath: string,
  what: string,
): void {
  if (!isRecord(holder)) return;
  for (const p of props) {
    const values = holder[p];
    list(values).forEach((ref, i) => {
      if (!isRecord(ref) || typeof ref.reference !== 'string' || ref.reference.startsWith('#')) return;
      if (!resolve(index, ref.reference, from, isType)) {
        const at = Array.isArray(values) ? `${relPath}.${p}[${i}]` : `${relPath}.${p}`;
        report('error', 'not-found', `Can't find '${ref.reference}' in the bundle (${what}.${p})`, at);
      }
    });
  }
}

function checkDocument(entries: Entry[], index: BundleIndex, report: BundleReport, isType: IsType): void {
  const first = entries[0];
  const composition = first?.resource;
  if (!first || !composition || composition.resourceType !== 'Composition') {
    report(
      'error',
      'invalid',
      'The first entry in a document must be a Composition',
      `.entry[${first?.index ?? 0}]`,
    );
    return;
  }
  const base = `.entry[${first.index}].resource`;
  requireResolvable(
    composition,
    ['subject', 'author', 'encounter', 'custodian'],
    first,
    index,
    report,
    isType,
    base,
    'Composition',
  );
  list(composition.attester).forEach((a, i) =>
    requireResolvable(
      a,
      ['party'],
      first,
      index,
      report,
      isType,
      `${base}.attester[${i}]`,
      'Composition.attester',
    ),
  );
  list(composition.event).forEach((ev, i) =>
    requireResolvable(
      ev,
      ['detail'],
      first,
      index,
      report,
      isType,
      `${base}.event[${i}]`,
      'Composition.event',
    ),
  );
  const sections = (holder: unknown, path: string, depth: number): void => {
    if (!isRecord(holder) || depth > 50) return;
    list(holder.section).forEach((s, i) => {
      const at = `${path}.section[${i}]`;
      requireResolvable(
        s,
        ['author', 'focus', 'entry'],
        first,
        index,
        report,
        isType,
        at,
        'Composition.section',
      );
      sections(s, at, depth + 1);
    });
  };
  sections(composition, base, 0);
  checkReachable(entries, index, report, 'error', 'Composition');
}

function checkMessage(entries: Entry[], index: BundleIndex, report: BundleReport, isType: IsType): void {
  const first = entries[0];
  const header = first?.resource;
  if (!first || !header || header.resourceType !== 'MessageHeader') {
    report(
      'error',
      'invalid',
      'The first entry in a message must be a MessageHeader',
      `.entry[${first?.index ?? 0}]`,
    );
    return;
  }
  requireResolvable(
    header,
    ['focus'],
    first,
    index,
    report,
    isType,
    `.entry[${first.index}].resource`,
    'MessageHeader',
  );
  checkReachable(entries, index, report, 'warning', 'MessageHeader');
}

/**
 * Every entry of a document (or message) must be reachable from the first entry by following
 * references forwards, or backwards (an entry that points at a reachable one).
 */
function checkReachable(
  entries: Entry[],
  index: BundleIndex,
  report: BundleReport,
  severity: Severity,
  from: string,
): void {
  const first = entries.find((e) => e.resource)?.resource;
  if (!first) return;
  // Reachable forwards, or backwards (an entry pointing at a reachable one, and then what it
  // points to): the entries connected to the first one when links are followed both ways. The
  // links were found while the entries were walked.
  const bundleSize = Array.isArray(index.bundle.entry) ? index.bundle.entry.length : 0;
  const visited = new Uint8Array(bundleSize);
  const queue: Json[] = [first];
  visited[index.entryIndex.get(first) ?? 0] = 1;
  while (queue.length > 0) {
    const next = index.links.get(queue.pop() as Json);
    if (!next) continue;
    for (let i = 0; i < next.length; i++) {
      const n = next[i] as Json;
      const at = index.entryIndex.get(n);
      if (at === undefined || visited[at]) continue;
      visited[at] = 1;
      queue.push(n);
    }
  }
  for (const e of entries) {
    if (!e.resource || visited[e.index]) continue;
    const name = e.fullUrl ? `'${e.fullUrl}'` : `${e.index}`;
    report(
      severity,
      'informational',
      `Entry ${name} isn't reachable by traversing links (forward or backward) from the ${from}`,
      `.entry[${e.index}]`,
    );
  }
}

/** The resource types a search self link asks for (`.../Patient?x` or `?_type=A,B`). */
function searchTypes(url: string, isType: IsType): string[] {
  const q = url.indexOf('?');
  const head = (q >= 0 ? url.slice(0, q) : url).split('/');
  const last = head[head.length - 1] ?? '';
  if (isType(last)) return [last];
  if (q < 0) return [];
  const out: string[] = [];
  for (const p of url.slice(q + 1).split('&')) if (p.startsWith('_type=')) out.push(...p.slice(6).split(','));
  return out;
}

/** Search results: matches and includes have ids, matches are of the searched type, outcomes are OperationOutcomes. */
function checkSearchSet(bundle: Json, entries: Entry[], report: BundleReport, isType: IsType): void {
  const self = list(bundle.link).find((l) => isRecord(l) && l.relation === 'self');
  const types = isRecord(self) && typeof self.url === 'string' ? searchTypes(self.url, isType) : [];
  for (const e of entries) {
    const at = `.entry[${e.index}]`;
    const mode =
      isRecord(e.entry.search) && typeof e.entry.search.mode === 'string' ? e.entry.search.mode : undefined;
    const r = e.resource;
    if (!mode) continue;
    if (!r) {
      report('error', 'invalid', 'Search results must contain a resource in each entry', at);
      continue;
    }
    const rt = String(r.resourceType);
    if (mode === 'match' || mode === 'include') {
      if (typeof r.id !== 'string')
        report('error', 'invalid', 'Search results must have ids', `${at}.resource`);
      if (mode === 'match' && types.length > 0 && !types.includes(rt)) {
        report(
          'error',
          'invalid',
          `This is not a matching resource type for the specified search (${rt} expecting [${types.join(', ')}])`,
          `${at}.resource`,
        );
      }
    } else if (mode === 'outcome' && rt !== 'OperationOutcome') {
      report('error', 'invalid', `This is not an OperationOutcome (${rt})`, `${at}.resource`);
    }
  }
}
