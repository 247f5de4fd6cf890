import { describe, expect, it } from 'vitest';
import { runAdapter } from '../../../src/adapters/framework.js';
import { createZorgdomeinAdapter } from '../../../src/adapters/zorgdomein/index.js';
import { edited, fixture, issuesAt, run, setup } from './support.js';

const P76 = 'zd-verwijsbrief-p76.json';

function fatalOf(bytes: Uint8Array): string[] {
  const started = performance.now();
  const result = run(bytes);
  expect(performance.now() - started).toBeLessThan(2000);
  expect(result.records.every((r) => r.output === undefined)).toBe(true);
  return (result.report.issue ?? []).filter((i) => i.severity === 'fatal').map((i) => i.diagnostics ?? '');
}

describe('ZorgDomein document adapter: hostile and broken input', () => {
  it.each([
    ['empty', new Uint8Array(0), /empty/],
    ['binary', new Uint8Array([0x00, 0xff, 0xfe, 0x13, 0x37, 0x80]), /UTF-8|JSON/],
    ['UTF-16', Buffer.from('\ufeff{"resourceType":"Bundle"}', 'utf16le'), /UTF-8|JSON/],
    ['truncated JSON', fixture(P76).subarray(0, 300), /JSON/],
    ['nested 10000 deep', Buffer.from(`${'['.repeat(10_000)}${']'.repeat(10_000)}`), /nested|deep/],
    [
      'an XML entity bomb',
      Buffer.from(
        '<?xml version="1.0"?><!DOCTYPE b [<!ENTITY a "aaaa">]><Bundle xmlns="http://hl7.org/fhir">&a;</Bundle>',
      ),
      /DTD|DOCTYPE|doctype/i,
    ],
    ['a Patient, not a Bundle', Buffer.from('{"resourceType":"Patient"}'), /not a Bundle/],
    ['a message Bundle', Buffer.from('{"resourceType":"Bundle","type":"message"}'), /neither a document/],
  ])('when the input is %s, then a fatal issue says so and nothing converts', (_name, bytes, message) => {
    const fatal = fatalOf(bytes);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatch(message);
  });

  it('when the input is larger than the limit, then it is refused before it is read', () => {
    const { ctx } = setup();
    const result = runAdapter(createZorgdomeinAdapter({ limits: { maxBytes: 1000 } }), fixture(P76), ctx);
    expect(result.report.issue?.[0]?.code).toBe('too-costly');
  });

  it('when a document has more values than the limit, then the record is refused as too costly', () => {
    const { ctx } = setup();
    const result = runAdapter(createZorgdomeinAdapter({ limits: { maxLeaves: 50 } }), fixture(P76), ctx);
    expect(result.records[0]?.report.issue?.[0]?.code).toBe('too-costly');
  });

  it('when a document has thousands of entries and references, then it converts in time linear in its size', () => {
    const bytes = edited(P76, (doc) => {
      const encounter = doc.entry[12];
      const referral = doc.entry[6]?.resource ?? {};
      const many = Array.from({ length: 5000 }, (_v, i) => ({
        fullUrl: `urn:uuid:0b7c5d2e-1a00-4d6e-9e00-1${String(i).padStart(11, '0')}`,
        resource: { ...(encounter?.resource ?? {}), id: `consult-${i}` },
      }));
      referral.performer = many.map((e) => ({ reference: e.fullUrl }));
      doc.entry.push(...many);
    });
    const started = performance.now();
    const result = run(bytes);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(result.records[0]?.output).toBeDefined();
  });

  it('when the first entry is not the Composition, then the record fails naming that entry', () => {
    const bytes = edited(P76, (doc) => doc.entry.reverse());
    const issue = run(bytes).report.issue?.[0];
    expect(issue?.severity).toBe('error');
    expect(issue?.location).toEqual(['Bundle.entry[0]']);
  });

  it('when the document type is a request form, then the record is refused as not supported at Composition.type', () => {
    const bytes = edited(P76, (doc) => {
      const composition = doc.entry[0]?.resource ?? {};
      composition.type = {
        coding: [{ system: 'https://fhir.zorgdomein.nl/CodeSystem/document-type', code: 'request-form' }],
      };
    });
    const issue = run(bytes).report.issue?.[0];
    expect(issue?.code).toBe('not-supported');
    expect(issue?.location).toEqual(['Bundle.entry[0].resource.type']);
  });

  it('when a batch holds a good and a bad document, then the bad one is reported with its location and the good one converts', () => {
    const good = JSON.parse(fixture(P76).toString('utf8')) as Record<string, unknown>;
    const bad = edited(P76, (doc) => {
      doc.entry = doc.entry.filter((e) => e.resource.resourceType !== 'Patient');
    });
    const batch = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { resource: good },
        { resource: JSON.parse(bad.toString('utf8')) as unknown },
        { resource: { resourceType: 'Patient' } },
      ],
    };
    const result = run(Buffer.from(JSON.stringify(batch)));
    expect(result.records.map((r) => r.output !== undefined)).toEqual([true, false, false]);
    expect(
      issuesAt(result.records[1]?.report.issue, 'Bundle.entry[1].resource.entry')[0]?.diagnostics,
    ).toMatch(/exactly one Patient/);
    expect(issuesAt(result.report.issue, 'Bundle.entry[2].resource')[0]?.severity).toBe('error');
  });
});
