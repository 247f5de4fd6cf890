/**
 * The engine's output pinned byte for byte on the bench:export data: two hundred generated clients
 * (2,000 resources of ten types) through the demo policy and key, with the terminology's displays
 * and the export's postcode areas. Work on the engine's speed must not change a byte of what a
 * recipient gets; a deliberate change of output updates the digest here, and says why.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientResources } from '../../bench/export/data.js';
import { projectRoot } from '../../src/config/load.js';
import { pageOf, transformPage } from '../../src/export/pages.js';
import {
  codeSystemDisplays,
  coarsenAreas,
  countClientsPerArea,
  readDemoKeyRing,
  readPolicyFile,
} from '../../src/export/pseudonymise/index.js';
import { createTerminologyService } from '../../src/terminology/service.js';

const DIGEST = '787eafcb0a32ed151805c792794157174809bac084f116b39b6b9cb9a050b51b';

describe('pseudonymised output of the bench:export data', () => {
  it('when the generated clients go through the demo policy, then the NDJSON is the pinned one, byte for byte', () => {
    const policy = readPolicyFile(
      join(projectRoot(), 'config', 'export-policies', 'regioplatform-noord.yaml'),
    );
    const terminology = createTerminologyService();
    const resources = Array.from({ length: 200 }, (_, c) => clientResources(c)).flat();
    // As an export reads them: one type after another, each ordered by id.
    resources.sort(
      (a, b) =>
        String(a.resourceType).localeCompare(String(b.resourceType)) ||
        String(a.id).localeCompare(String(b.id)),
    );
    const options = {
      displayOf: codeSystemDisplays((url) => terminology.getCodeSystem(url)),
      postcodeAreas: coarsenAreas(
        countClientsPerArea(resources.filter((r) => r.resourceType === 'Patient')),
        policy.postcode,
      ),
    };
    const { ndjson, count, failed } = transformPage(
      pageOf(resources.map((r) => JSON.stringify(r))),
      policy,
      readDemoKeyRing('demo-platform-pseudonym'),
      options,
    );
    expect(failed).toEqual([]);
    expect(count).toBe(2000);
    const firstPatient = ndjson.split('\n').find((line) => line.includes('"resourceType":"Patient"'));
    expect(JSON.parse(firstPatient ?? '{}')).toEqual({
      resourceType: 'Patient',
      id: expect.stringMatching(/^rpn1-[A-Za-z0-9.-]{43}$/),
      identifier: [
        {
          system: 'https://overdracht.dev/fhir/NamingSystem/pseudonym',
          value: expect.stringMatching(/^rpn1-[A-Za-z0-9_-]{43}$/),
        },
      ],
      gender: 'female',
      birthDate: '1950',
      address: [{ use: 'home', postalCode: '97' }],
    });
    expect(createHash('sha256').update(ndjson).digest('hex')).toBe(DIGEST);
  });
});
