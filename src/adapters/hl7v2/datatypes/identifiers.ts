/**
 * HL7 v2 identifiers (CX, EI, PLN, XON, XCN, HD) to FHIR Identifier: the system from the
 * assigning authority (namespace, OID) or the identifier type, Dutch identifier checks (BSN,
 * AGB), the type as an HL7 table 0203 code; and HD as a URL for MessageHeader endpoints.
 */
import { isValidBsn } from '../../../fhir/bsn.js';
import type { Json } from '../../paths.js';
import type { Cursor } from '../cursor.js';
import type { IdentifierSystemRule, SourceRule } from '../spec.js';
import type { ConvertEnv } from './env.js';
import { dateValue } from './primitives.js';

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

interface IdParts {
  value: number;
  authority?: number;
  namespace?: number;
  oid?: number;
  oidType?: number;
  typeCode?: number;
  start?: number;
  end?: number;
}

const ID_LAYOUT: Readonly<Record<string, IdParts>> = {
  CX: { value: 1, authority: 4, typeCode: 5, start: 7, end: 8 },
  EI: { value: 1, namespace: 2, oid: 3, oidType: 4 },
  PLN: { value: 1, typeCode: 2, end: 4 },
  XON: { value: 10, authority: 6, typeCode: 7 },
  XCN: { value: 1, authority: 9, typeCode: 13 },
};

export function identifier(cur: Cursor, _rule: SourceRule, env: ConvertEnv): Json | undefined {
  const type = cur.datatype ?? 'ST';
  if (type === 'HD') return hdIdentifier(cur);
  const layout = ID_LAYOUT[type];
  if (!layout) {
    const value = cur.get(1);
    return value ? { value } : undefined;
  }
  const rawValue = cur.peek(layout.value) || (type === 'XON' ? cur.peek(3) : '');
  if (!rawValue) return undefined;
  const valueAt = cur.peek(layout.value) ? layout.value : 3;
  const auth = layout.authority ? cur.sub(layout.authority) : undefined;
  const namespace = auth ? auth.peek(1) : layout.namespace ? cur.peek(layout.namespace) : '';
  const oid = auth ? auth.peek(2) : layout.oid ? cur.peek(layout.oid) : '';
  const oidType = auth ? auth.peek(3) : layout.oidType ? cur.peek(layout.oidType) : '';
  const typeCode = layout.typeCode ? cur.peek(layout.typeCode) : '';
  const out: Json = {};
  const known = env.identifierSystem({ namespace, oid, typeCode });
  if (known) {
    const problem = checkValue(known, rawValue);
    if (problem) cur.untranslatable(`${problem}; kept without the system ${known.system}`, valueAt);
    else out.system = known.system;
    useAuthority(cur, layout, auth, {
      namespace: !!known.namespaces?.some((n) => eqi(n, namespace)),
      oid: !!known.oids?.includes(oid),
    });
  } else if (oid && (oidType === '' || eqi(oidType, 'ISO'))) {
    out.system = `urn:oid:${oid}`;
    useAuthority(cur, layout, auth, { namespace: false, oid: true });
  }
  if (namespace && !usedNamespace(known, namespace)) {
    out.assigner = { display: auth ? auth.get(1) : cur.get(layout.namespace ?? 0) };
  }
  if (typeCode && known?.typeCodes?.some((t) => eqi(t, typeCode))) {
    // The type (NNNLD, AGB, ...) is what the system says: the system carries it.
    cur.get(layout.typeCode ?? 0);
  } else if (typeCode) {
    const typeText = cur.get(layout.typeCode ?? 0);
    const coded = type !== 'PLN' && env.codeInSystem(V2_0203, typeText) !== false;
    out.type = coded ? { coding: [{ system: V2_0203, code: typeText }] } : { text: typeText };
  }
  out.value = cur.get(valueAt);
  const start = layout.start ? dateValue(cur.sub(layout.start), 'date') : undefined;
  const end = layout.end ? dateValue(cur.sub(layout.end), 'date') : undefined;
  if (start || end) out.period = { ...(start ? { start } : {}), ...(end ? { end } : {}) };
  return out;
}

function usedNamespace(known: IdentifierSystemRule | undefined, namespace: string): boolean {
  return !!known?.namespaces?.some((n) => eqi(n, namespace));
}

function useAuthority(
  cur: Cursor,
  layout: IdParts,
  auth: Cursor | undefined,
  used: { namespace: boolean; oid: boolean },
): void {
  if (auth) {
    if (used.namespace) auth.get(1);
    if (used.oid) {
      auth.get(2);
      auth.get(3);
    }
    return;
  }
  if (used.namespace && layout.namespace) cur.get(layout.namespace);
  if (used.oid && layout.oid) {
    cur.get(layout.oid);
    if (layout.oidType) cur.get(layout.oidType);
  }
}

function eqi(a: string, b: string): boolean {
  return a.toUpperCase() === b.toUpperCase();
}

/** Dutch identifier checks (docs/artefacts.md): BSN 9 digits passing the 11-check; AGB 8 digits. */
export function checkValue(rule: IdentifierSystemRule, value: string): string | undefined {
  if (rule.check === 'bsn')
    return isValidBsn(value) ? undefined : 'not a valid BSN (9 digits and the 11-check)';
  if (rule.check === 'agb') return /^\d{8}$/.test(value) ? undefined : 'not a valid AGB code (8 digits)';
  return undefined;
}

function hdIdentifier(cur: Cursor): Json | undefined {
  const oid = cur.peek(2);
  const type = cur.peek(3);
  if (oid && (eqi(type, 'ISO') || type === '')) {
    cur.get(2);
    cur.get(3);
    return { system: 'urn:ietf:rfc:3986', value: `urn:oid:${oid}` };
  }
  const ns = cur.get(1);
  return ns ? { value: ns } : undefined;
}

/** HD to a URL for MessageHeader endpoints: an OID, UUID or URI if given, else a name-based URN. */
export function hdUrl(cur: Cursor): string | undefined {
  const id = cur.peek(2);
  const type = cur.peek(3).toUpperCase();
  if (id && (type === 'ISO' || type === 'UUID' || type === 'URI' || type === 'DNS')) {
    cur.get(2);
    cur.get(3);
    if (type === 'ISO') return `urn:oid:${id}`;
    if (type === 'UUID') return `urn:uuid:${id.toLowerCase()}`;
    return type === 'DNS' ? `https://${id}` : id;
  }
  const ns = cur.get(1);
  return ns ? `urn:hl7v2:${encodeURIComponent(ns)}` : undefined;
}
