/**
 * The inbound adapters' referral messages through the real gateway: each referral-producing
 * format's fixture converted by the adapter registry (with the channel settings of its source) and
 * the output posted to $process-message by the sending organisation's client; a complete source
 * gives 200 with a Task. Identifiers a fixture names outside the demo configuration are replaced
 * by the demo organisations' before converting.
 */
import { readFileSync } from 'node:fs';
import type { Bundle, OperationOutcome, Organization, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessGrants } from '../../src/access/grants.js';
import { batchOutput, createAdapterRegistry, createConversionContext } from '../../src/adapters/index.js';
import { GATEWAY_TYPES } from '../../src/gateway/index.js';
import { SearchParamRegistry } from '../../src/store/search-params.js';
import { createTerminologyService } from '../../src/terminology/service.js';
import { openTestGateway, postMessage, tokens, type TestGateway } from './support.js';

let t: TestGateway;
let token: (client: string, scope?: string) => Promise<string>;
beforeAll(async () => {
  t = await openTestGateway();
  token = tokens(t.app);
});
afterAll(async () => t.close());

const registry = createAdapterRegistry();
const terminology = createTerminologyService();

interface Case {
  format: string;
  file: string;
  /** The client of the sending organisation (config/demo.yaml). */
  client: string;
  channel?: Record<string, string>;
  /** Fixture identifiers replaced by the demo organisations'. */
  replace?: Record<string, string>;
}

const GGZ_RECEIVER = {
  receiverOrganizationType: 'ggz-institution',
  receiverOrganizationAgb: '06001234',
  receiverOrganizationName: 'GGZ Noord-Groningen',
};

const CASES: Case[] = [
  {
    // HL7 v2 has no field for the organisation types: the GP's channel names them.
    format: 'hl7v2',
    file: 'test/adapters/hl7v2/fixtures/nl-his-referral-p76.hl7',
    client: 'demo-gp',
    channel: { senderOrganizationType: 'gp-practice', receiverOrganizationType: 'ggz-institution' },
  },
  {
    format: 'zorgdomein',
    file: 'test/adapters/zorgdomein/fixtures/zd-verwijsbrief-p76.json',
    client: 'demo-gp',
  },
  {
    format: 'zorgdomein',
    file: 'test/adapters/zorgdomein/fixtures/zd-verwijsbrief-p72-crisis.xml',
    client: 'demo-gp',
    channel: { ...GGZ_RECEIVER, referralCategory: 'crisis' },
    replace: { '01009876': '01004567' },
  },
  { format: 'edifact', file: 'test/adapters/edifact/fixtures/medvri-p76-basis-ggz.edi', client: 'demo-gp' },
  {
    format: 'iwmo-ijw',
    file: 'test/adapters/social/fixtures/jw315-youth-ggz.xml',
    client: 'demo-youth-ggz',
    channel: { providerOrganizationType: 'youth-ggz-institution' },
    replace: { '06002345': '06005678' },
  },
];

function convert(c: Case): { output: Bundle | undefined; report: OperationOutcome } {
  const adapter = registry.get(c.format);
  if (!adapter) throw new Error(`no adapter for ${c.format}`);
  let text = readFileSync(c.file, 'utf8');
  for (const [from, to] of Object.entries(c.replace ?? {})) text = text.replaceAll(from, to);
  const ctx = createConversionContext({ channel: c.channel ?? {}, terminology });
  const batch = adapter.run(Buffer.from(text, 'utf8'), ctx);
  return { output: batchOutput(batch) as Bundle | undefined, report: batch.report };
}

describe('adapter output through the intake', () => {
  for (const c of CASES) {
    it(`when ${c.file} is converted (${c.format}) and posted, then it is 200 with a Task`, async () => {
      const { output, report } = convert(c);
      expect(output?.type, JSON.stringify(report).slice(0, 2000)).toBe('message');
      const res = await postMessage(t.app, await token(c.client), output as Bundle);
      expect(res.status, JSON.stringify(res.body).slice(0, 3000)).toBe(200);
      const task = (res.body as Bundle).entry?.[1]?.resource as Task;
      expect(task.resourceType).toBe('Task');
      expect(task.status).toBe('requested');
    });
  }
});

describe('organisation types in a ZorgDomein letter', () => {
  it('when the receiver is typed only by the broader RoleCodeNL G5 and the channel sets no type, then it is taken as ggz-institution and reported', () => {
    const { output, report } = convert(CASES[1] as Case);
    const ggz = output?.entry?.find(
      (e) =>
        e.resource?.resourceType === 'Organization' &&
        e.resource.identifier?.some((i) => i.value === '06001234'),
    )?.resource as Organization | undefined;
    expect(ggz?.type?.flatMap((t) => t.coding ?? []).map((c) => c.code)).toContain('ggz-institution');
    const issue = report.issue.find((i) => i.location?.[0] === 'channel.receiverOrganizationType');
    expect(issue?.severity).toBe('warning');
    expect(issue?.diagnostics).toMatch(/G5 .* taken as ggz-institution/);
  });
});

describe('insurance in a referral', () => {
  it('when an HL7 v2 referral carries IN1, then its Coverage is kept, indexed and granted to the receiver', async () => {
    const { output } = convert(CASES[0] as Case);
    const coverage = output?.entry?.find((e) => e.resource?.resourceType === 'Coverage')?.resource;
    expect(coverage).toBeDefined();
    const before = await t.db.query<{ id: string }>(
      "SELECT id FROM resource WHERE resource_type = 'Coverage' AND NOT deleted",
    );
    const sent = structuredClone(output as Bundle);
    const header = sent.entry?.[0]?.resource;
    if (header) header.id = 'adapter-intake-coverage';
    const res = await postMessage(t.app, await token('demo-gp'), sent);
    expect(res.status, JSON.stringify(res.body).slice(0, 2000)).toBe(200);
    const after = await t.db.query<{ id: string }>(
      "SELECT id FROM resource WHERE resource_type = 'Coverage' AND NOT deleted",
    );
    const stored = after.rows.filter((r) => !before.rows.some((b) => b.id === r.id));
    expect(stored).toHaveLength(1);
    const ggz = { system: 'http://fhir.nl/fhir/NamingSystem/agb-z', value: '06001234' };
    expect(await new AccessGrants(t.db).has(ggz, 'Coverage', stored[0]?.id ?? '')).toBe(true);
    const registry = new SearchParamRegistry(GATEWAY_TYPES);
    expect(registry.get('Coverage', 'beneficiary')?.type).toBe('reference');
    expect(registry.get('Coverage', 'payor')?.type).toBe('reference');
  });
});
