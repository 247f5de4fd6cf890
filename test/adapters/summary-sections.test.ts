import { describe, expect, it } from 'vitest';
import { SYSTEMS } from '../../src/fhir/codes.js';
import { emptyReason, summarySection } from '../../src/adapters/summary-sections.js';

const condition = {
  resourceType: 'Condition',
  code: { coding: [{ system: 'http://snomed.info/sct', code: '35489007', display: 'Depressie' }] },
};

describe('summary sections', () => {
  it('when a section lists entries, then each has a line (label and code) and a reference, texts after', () => {
    const section = summarySection('diagnoses-problems', {
      title: 'Diagnoses',
      entries: [{ reference: 'urn:uuid:1', resource: condition }],
      texts: ['Angst & <somberheid>'],
      empty: { lines: ['not used'], reason: emptyReason('nilknown') },
    });
    expect(section).toEqual({
      title: 'Diagnoses',
      code: { coding: [{ system: SYSTEMS.summarySection, code: 'diagnoses-problems' }] },
      text: {
        status: 'generated',
        div: '<div xmlns="http://www.w3.org/1999/xhtml"><ul><li>Depressie (35489007)</li><li>Angst &amp; &lt;somberheid&gt;</li></ul></div>',
      },
      entry: [{ reference: 'urn:uuid:1' }],
    });
  });

  it('when a section lists nothing, then it has its empty text as one paragraph and the emptyReason', () => {
    const section = summarySection('diagnoses-problems', {
      title: 'Diagnoses',
      entries: [],
      empty: { lines: ['Niet bekend'], reason: emptyReason('unavailable') },
    });
    expect(section.text).toEqual({
      status: 'generated',
      div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Niet bekend</p></div>',
    });
    expect(section.emptyReason).toEqual({
      coding: [{ system: SYSTEMS.listEmptyReason, code: 'unavailable' }],
    });
    expect(section.entry).toBeUndefined();
  });

  it('when an entry has no concept, then its line is its resource type (never a name)', () => {
    const section = summarySection('care-team', {
      title: 'Zorgteam',
      entries: [{ reference: 'urn:uuid:2', resource: { resourceType: 'CareTeam', name: 'Team Jansen' } }],
      empty: { lines: [], reason: emptyReason('nilknown') },
    });
    expect(JSON.stringify(section.text)).toContain('<p>CareTeam</p>');
    expect(JSON.stringify(section.text)).not.toContain('Jansen');
  });

  it('when the caller gives its own line and asks for a list, then one entry is a list item of that line, escaped', () => {
    const section = summarySection('diagnoses-problems', {
      title: 'Diagnoses',
      entries: [{ reference: 'urn:uuid:1', resource: condition }],
      empty: { lines: ['not used'], reason: emptyReason('nilknown') },
      describe: (resource) => `${String(resource.resourceType)} <1>`,
      alwaysList: true,
    });
    expect(section.text).toEqual({
      status: 'generated',
      div: '<div xmlns="http://www.w3.org/1999/xhtml"><ul><li>Condition &lt;1&gt;</li></ul></div>',
    });
  });

  it('when a section that asks for a list is empty, then its empty text is still one paragraph', () => {
    const section = summarySection('diagnoses-problems', {
      title: 'Diagnoses',
      entries: [],
      empty: { lines: ['Niet bekend'], reason: emptyReason('nilknown') },
      alwaysList: true,
    });
    expect(section.text).toEqual({
      status: 'generated',
      div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Niet bekend</p></div>',
    });
  });
});
