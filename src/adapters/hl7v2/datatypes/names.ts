/**
 * HL7 v2 names, addresses and telecom (XPN and the name of XCN, XAD, XTN) to FHIR HumanName,
 * Address and ContactPoint, with the Dutch surname and street parts as the standard extensions
 * and the name, address and telecom codes translated through their ConceptMaps.
 */
import type { Json } from '../../paths.js';
import type { Cursor } from '../cursor.js';
import type { SourceRule } from '../spec.js';
import { codeFromTable } from './coded.js';
import type { ConvertEnv } from './env.js';
import { periodOf } from './primitives.js';

const EXT = 'http://hl7.org/fhir/StructureDefinition/';

/** XPN (offset 0) or the name part of XCN (offset 1), with Dutch surname parts as extensions. */
export function humanName(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
  const o = cur.datatype === 'XCN' ? 1 : 0;
  const out: Json = {};
  const fam = familyName(cur.sub(1 + o));
  if (fam) Object.assign(out, fam);
  const given = [cur.get(2 + o), cur.get(3 + o)].filter(Boolean);
  if (given.length) out.given = given;
  const prefix = cur.get(5 + o);
  if (prefix) out.prefix = [prefix];
  const suffix = [cur.get(4 + o), cur.get(o === 0 ? 6 : 7), cur.get(o === 0 ? 14 : 21)].filter(Boolean);
  if (suffix.length) out.suffix = suffix;
  if (Object.keys(out).length === 0) return undefined;
  const typeAt = o === 0 ? 7 : 10;
  const use =
    codeFromTable(
      cur,
      typeAt,
      'HL70200',
      'https://overdracht.dev/fhir/ConceptMap/hl7v2-0200-name-use',
      env,
    ) ?? rule.use;
  if (use) out.use = use;
  if (o === 0) {
    const period = periodOf(cur, 12, 13);
    if (period) out.period = period;
  }
  return out;
}

function familyName(fn: Cursor): Json | undefined {
  const parts: [number, string][] = [
    [2, 'humanname-own-prefix'],
    [3, 'humanname-own-name'],
    [4, 'humanname-partner-prefix'],
    [5, 'humanname-partner-name'],
  ];
  const extension = parts.flatMap(([i, name]) => {
    const v = fn.get(i);
    return v ? [{ url: `${EXT}${name}`, valueString: v }] : [];
  });
  const composed = [fn.peek(2), fn.peek(3)].filter(Boolean).join(' ');
  const family = fn.get(1) || composed;
  if (!family) return undefined;
  return extension.length ? { family, _family: { extension } } : { family };
}

export function address(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
  const out: Json = {};
  const sad = cur.sub(1);
  const street = sad.get(1) || [sad.peek(2), sad.peek(3)].filter(Boolean).join(' ');
  const lineExt = [
    [2, 'iso21090-ADXP-streetName'],
    [3, 'iso21090-ADXP-houseNumber'],
  ].flatMap(([i, name]) => {
    const v = sad.get(Number(i));
    return v ? [{ url: `${EXT}${String(name)}`, valueString: v }] : [];
  });
  const lines = [street, cur.get(2)].filter(Boolean);
  if (lines.length) out.line = lines;
  if (lineExt.length) out._line = [{ extension: lineExt }];
  const simple: [number, string][] = [
    [3, 'city'],
    [4, 'state'],
    [5, 'postalCode'],
    [6, 'country'],
    [9, 'district'],
  ];
  for (const [i, key] of simple) {
    const v = cur.get(i);
    if (v) out[key] = v;
  }
  if (Object.keys(out).length === 0) return undefined;
  const kind = cur.peek(7);
  if (kind) {
    const use = codeFromTable(
      cur,
      7,
      'HL70190',
      'https://overdracht.dev/fhir/ConceptMap/hl7v2-0190-address-use',
      env,
      false,
    );
    const type = codeFromTable(
      cur,
      7,
      'HL70190',
      'https://overdracht.dev/fhir/ConceptMap/hl7v2-0190-address-type',
      env,
      false,
    );
    if (use) out.use = use;
    if (type) out.type = type;
    if (!use && !type) cur.untranslatable('address type not known (HL7 table 0190)', 7);
  }
  if (!out.use && rule.use) out.use = rule.use;
  const period = periodOf(cur, 13, 14);
  if (period) out.period = period;
  return out;
}

export function contactPoint(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
  const value = telecomValue(cur);
  if (!value) return undefined;
  const map = (kind: string): string => `https://overdracht.dev/fhir/ConceptMap/hl7v2-${kind}`;
  const byType = codeFromTable(cur, 3, 'HL70202', map('0202-contact-point-system'), env, false);
  // Some use codes (NET, BPN) say what the address is rather than what it is for.
  const byUse = codeFromTable(cur, 2, 'HL70201', map('0201-contact-point-system'), env, false);
  const use = codeFromTable(cur, 2, 'HL70201', map('0201-contact-point-use'), env, false);
  if (cur.peek(3) && !byType)
    cur.untranslatable('telecommunication equipment type not known (HL7 table 0202)', 3);
  if (cur.peek(2) && !byUse && !use)
    cur.untranslatable('telecommunication use code not known (HL7 table 0201)', 2);
  const out: Json = { system: byType ?? byUse ?? (value.includes('@') ? 'email' : 'phone'), value };
  const mobile = cur.peek(3).toUpperCase() === 'CP';
  const finalUse = use ?? (mobile ? 'mobile' : rule.use);
  if (finalUse) out.use = finalUse;
  const rank = cur.peek(18);
  if (/^\d+$/.test(rank) && Number(rank) > 0) out.rank = Number(cur.get(18));
  const period = periodOf(cur, 13, 14);
  if (period) out.period = period;
  return out;
}

/** The number as the sender wrote it: XTN.1, the email address (XTN.4), the parts, or XTN.12. */
function telecomValue(cur: Cursor): string | undefined {
  const legacy = cur.get(1);
  if (legacy) return legacy;
  const email = cur.get(4);
  if (email) return email;
  if (cur.peek(7)) {
    const country = cur.get(5);
    const area = cur.get(6);
    const local = cur.get(7);
    const ext = cur.get(8);
    return (
      [
        country ? `+${country.replace(/^\+/, '')}` : '',
        area ? (country ? area.replace(/^0/, '') : area) : '',
        local,
      ]
        .filter(Boolean)
        .join(' ') + (ext ? ` x${ext}` : '')
    );
  }
  return cur.get(12) || undefined;
}
