/**
 * The floor of each conversion: reading the same bytes with a plain parser and nothing else -
 * @medplum/core's Hl7Message.parse for HL7 v2, the safe XML parser for XML, JSON.parse for JSON,
 * splitting on the segment terminator for EDIFACT and on lines and separators for CSV. A
 * conversion can hardly be faster than its floor; the ratio says what mapping and reporting cost.
 */
import { Hl7Message } from '@medplum/core';
import { parseXml } from '../../src/fhir/xml-parse.js';

export interface Floor {
  name: string;
  run(bytes: Buffer): unknown;
}

export function floorFor(bytes: Buffer): Floor {
  const head = bytes
    .subarray(0, 64)
    .toString('latin1')
    .replace(/^\uFEFF|^\u00EF\u00BB\u00BF/, '')
    .trimStart();
  if (head.startsWith('MSH') || head.startsWith('FHS') || head.startsWith('BHS') || head.startsWith('\u000b'))
    return { name: 'Hl7Message.parse', run: (b) => Hl7Message.parse(b.toString('utf8')) };
  if (head.startsWith('<')) return { name: 'XML parse', run: (b) => parseXml(b) };
  if (head.startsWith('{') || head.startsWith('['))
    return { name: 'JSON.parse', run: (b) => JSON.parse(b.toString('utf8')) as unknown };
  if (head.startsWith('UNA') || head.startsWith('UNB'))
    return {
      name: 'EDIFACT split',
      run: (b) =>
        b
          .toString('latin1')
          .split("'")
          .map((s) => s.split('+')),
    };
  return {
    name: 'CSV split',
    run: (b) =>
      b
        .toString('utf8')
        .split(/\r?\n/)
        .map((l) => l.split(/[,;]/)),
  };
}
