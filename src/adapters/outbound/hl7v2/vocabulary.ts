/**
 * The HL7 v2 names of FHIR things, read backwards from the inbound adapter's own tables, so that
 * writer and reader can never disagree: coding-system names (table 0396) and identifier
 * authorities from mappings/hl7v2/referral.yaml, and codes through the inverse of the ConceptMaps
 * of mappings/hl7v2/conceptmaps (only `equivalent` and `equal` targets are inverted; a wider or
 * narrower mapping does not run backwards).
 */
import { defaultConceptMapDirs } from '../../index.js';
import { createHl7v2Adapter } from '../../hl7v2/index.js';
import type { IdentifierSystemRule } from '../../hl7v2/spec.js';
import { type ConceptMapResource, loadConceptMaps } from '../../translator.js';

export interface Authority {
  namespace?: string;
  oid?: string;
  typeCode?: string;
}

export class Hl7Vocabulary {
  private readonly systemNames = new Map<string, string>();
  private readonly authorities = new Map<string, Authority>();
  private readonly inverse = new Map<string, Map<string, string>>();

  constructor(
    codingSystems: Record<string, string>,
    identifiers: readonly IdentifierSystemRule[],
    maps: readonly ConceptMapResource[],
  ) {
    // The first name listed for a system is its usual one (LN before LOINC).
    for (const [name, system] of Object.entries(codingSystems))
      if (!this.systemNames.has(system) && !/^\d/.test(name)) this.systemNames.set(system, name);
    for (const rule of identifiers)
      this.authorities.set(rule.system, {
        namespace: rule.namespaces?.[0],
        oid: rule.oids?.[0],
        typeCode: rule.typeCodes?.[0],
      });
    for (const map of maps) {
      const inverse = new Map<string, string>();
      for (const group of map.group ?? [])
        for (const element of group.element)
          for (const target of element.target ?? [])
            if (
              target.code &&
              ['equivalent', 'equal'].includes(target.equivalence) &&
              !inverse.has(target.code)
            )
              inverse.set(target.code, element.code);
      this.inverse.set(map.url, inverse);
    }
  }

  static load(): Hl7Vocabulary {
    const spec = createHl7v2Adapter().spec;
    return new Hl7Vocabulary(
      spec.codingSystems,
      spec.identifierSystems,
      loadConceptMaps(defaultConceptMapDirs()),
    );
  }

  /** The table 0396 name of a FHIR system (`http://loinc.org` -> `LN`); v2 tables as `HL7nnnn`. */
  systemName(system: string | undefined): string {
    if (!system) return '';
    const table = /^http:\/\/terminology\.hl7\.org\/CodeSystem\/v2-(\d{4})$/.exec(system);
    if (table) return `HL7${table[1]}`;
    return this.systemNames.get(system) ?? (system.startsWith('urn:oid:') ? system.slice(8) : '');
  }

  authority(system: string | undefined): Authority | undefined {
    return system ? this.authorities.get(system) : undefined;
  }

  /** The v2 code a ConceptMap (v2 -> FHIR) maps to this FHIR code. */
  v2Code(conceptMapId: string, fhirCode: string | undefined): string | undefined {
    return fhirCode
      ? this.inverse.get(`https://overdracht.dev/fhir/ConceptMap/${conceptMapId}`)?.get(fhirCode)
      : undefined;
  }
}
