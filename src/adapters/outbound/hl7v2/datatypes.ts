/**
 * FHIR datatypes as HL7 v2 datatypes, the mirror of the inbound converters in
 * src/adapters/hl7v2/datatypes/: HumanName to XPN / XCN (Dutch surname parts in FN), Identifier to
 * CX, Address to XAD (street and house number in SAD), ContactPoint to XTN, CodeableConcept to CWE,
 * Organization to XON.
 */
import type {
  Address,
  CodeableConcept,
  ContactPoint,
  HumanName,
  Identifier,
  Organization,
} from '@medplum/fhirtypes';
import type { Comp, Rep } from './er7.js';
import type { Hl7Vocabulary } from './vocabulary.js';

const EXT = 'http://hl7.org/fhir/StructureDefinition/';

function ext(
  element: { extension?: { url: string; valueString?: string }[] } | undefined,
  name: string,
): string {
  return element?.extension?.find((e) => e.url === `${EXT}${name}`)?.valueString ?? '';
}

const c = (...subs: (string | undefined)[]): Comp => subs.map((s) => s ?? '');

/** FN: surname, own prefix, own name, partner prefix, partner name. */
function fn(name: HumanName): Comp {
  const parts = (name as { _family?: { extension?: { url: string; valueString?: string }[] } })._family;
  return c(
    name.family,
    ext(parts, 'humanname-own-prefix'),
    ext(parts, 'humanname-own-name'),
    ext(parts, 'humanname-partner-prefix'),
    ext(parts, 'humanname-partner-name'),
  );
}

const NAME_USE: Record<string, string> = {
  official: 'L',
  usual: 'D',
  nickname: 'N',
  anonymous: 'S',
  maiden: 'M',
};

export function xpn(name: HumanName): Rep {
  const given = name.given ?? [];
  return [
    fn(name),
    c(given[0]),
    c(given.slice(1).join(' ')),
    c(name.suffix?.[0]),
    c(name.prefix?.[0]),
    c(),
    c(NAME_USE[name.use ?? '']),
  ];
}

/** XCN: the identifier first, then the name as XPN. */
export function xcn(
  identifier: Identifier | undefined,
  name: HumanName | undefined,
  vocabulary: Hl7Vocabulary,
): Rep {
  const a = vocabulary.authority(identifier?.system);
  const person = name ? xpn(name) : [];
  return [
    c(identifier?.value),
    ...person.slice(0, 6),
    c(),
    c(a?.namespace, a?.oid, a?.oid ? 'ISO' : undefined),
    c(),
    c(),
    c(),
    c(a?.typeCode),
  ];
}

export function cx(identifier: Identifier, vocabulary: Hl7Vocabulary): Rep {
  const a = vocabulary.authority(identifier.system);
  const authority = a ? c(a.namespace, a.oid, a.oid ? 'ISO' : undefined) : c(identifier.assigner?.display);
  return [
    c(identifier.value),
    c(),
    c(),
    authority,
    c(a?.typeCode ?? identifier.type?.coding?.[0]?.code ?? identifier.type?.text),
  ];
}

const ADDRESS_USE: Record<string, string> = { home: 'H', work: 'O', temp: 'C', old: 'BA' };

export function xad(address: Address): Rep {
  const lineExt =
    (address as { _line?: ({ extension?: { url: string; valueString?: string }[] } | null)[] })._line?.[0] ??
    undefined;
  const [first, second] = address.line ?? [];
  return [
    c(first, ext(lineExt, 'iso21090-ADXP-streetName'), ext(lineExt, 'iso21090-ADXP-houseNumber')),
    c(second),
    c(address.city),
    c(address.state),
    c(address.postalCode),
    c(address.country),
    c(ADDRESS_USE[address.use ?? ''] ?? (address.type === 'postal' ? 'M' : '')),
  ];
}

export function xtn(contact: ContactPoint): Rep {
  const use = contact.use === 'work' ? 'WPN' : contact.use === 'mobile' ? 'PRN' : 'PRN';
  if (contact.system === 'email')
    return [c(), c(contact.use === 'work' ? 'WPN' : 'NET'), c('Internet'), c(contact.value)];
  const equipment = contact.use === 'mobile' ? 'CP' : contact.system === 'fax' ? 'FX' : 'PH';
  return [c(contact.value), c(use), c(equipment)];
}

export function cwe(concept: CodeableConcept | undefined, vocabulary: Hl7Vocabulary): Rep {
  const coding = concept?.coding?.[0];
  if (!coding) return concept?.text ? [c(), c(concept.text)] : [];
  return [c(coding.code), c(coding.display ?? concept.text), c(vocabulary.systemName(coding.system))];
}

/** XON: name, and the identifier with its authority (the Dutch way: AGB OID in XON.6, type XON.7). */
export function xon(org: Organization | undefined, vocabulary: Hl7Vocabulary): Rep {
  if (!org) return [];
  const id = org.identifier?.[0];
  const a = vocabulary.authority(id?.system);
  return [
    c(org.name),
    c(),
    c(),
    c(),
    c(),
    c(a?.namespace && !a.oid ? a.namespace : '', a?.oid, a?.oid ? 'ISO' : undefined),
    c(a?.typeCode),
    c(),
    c(),
    c(id?.value),
  ];
}
