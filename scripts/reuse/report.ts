/**
 * `npm run report:reuse [-- --clients N --seed S]`: how much of what is already known travels and
 * is reused, measured on the synthetic journeys (journeys.ts) through the real intake, client
 * record and intake report, against the same referrals without a client record, in the same run:
 * - the R1 gate: referrals with sections the GP did not look into, completed by the gateway;
 * - sections added and entries withheld for lack of consent;
 * - R2: intake questions (not monitoring) already answered at intake, with and without the record.
 */
import { createHash } from 'node:crypto';
import type { Bundle, OperationOutcome, Task } from '@medplum/fhirtypes';
import { VisibleResources } from '../../src/access/resources.js';
import { parseScopes } from '../../src/auth/scopes.js';
import type { Principal } from '../../src/auth/smart.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { createGateway, GATEWAY_TYPES, type Gateway } from '../../src/gateway/index.js';
import { receiveReferral } from '../../src/intake/referral.js';
import { createLogger } from '../../src/observability/logger.js';
import type { ReferralReport } from '../../src/questionnaire/index.js';
import { createAdapters } from '../../src/record/gateway.js';
import { RecordService } from '../../src/record/service.js';
import { AuditLog } from '../../src/store/audit-log.js';
import { ResourceStore } from '../../src/store/resource-store.js';
import { SearchParamRegistry } from '../../src/store/search-params.js';
import { createValidator } from '../../src/validation/index.js';
import { journeys, type Journey } from './journeys.js';

interface Tally {
  referrals: number;
  /** Accepted as the GP first sent it. */
  accepted: number;
  added: Map<string, number>;
  withheld: Map<string, number>;
  answered: number;
  open: number;
  monitoring: number;
  byQuestionnaire: Map<string, { answered: number; open: number }>;
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function principalOf(config: Config, clientId: string): Principal {
  const client = config.clients.find((c) => c.id === clientId);
  const organisation = config.organisations.find((o) => o.id === client?.organisation);
  if (!client || !organisation) throw new Error(`no demo client ${clientId}`);
  return { clientId, organisation, roles: client.roles, scopes: parseScopes(client.scopes.join(' ')) };
}

function serviceOf(gateway: Gateway, config: Config): RecordService {
  const registry = new SearchParamRegistry(GATEWAY_TYPES);
  const store = new ResourceStore(gateway.db, { registry });
  return new RecordService({
    db: gateway.db,
    store,
    visible: new VisibleResources(gateway.db, store, registry),
    auditLog: new AuditLog(gateway.db),
    organisations: config.organisations,
    endpoint: gateway.endpoint,
    now: () => new Date(),
    adapters: createAdapters,
  });
}

async function run(
  withRecord: boolean,
  corpus: readonly Journey[],
  config: Config,
  validator: ReturnType<typeof createValidator>,
): Promise<Tally> {
  const gateway = await createGateway(config, { validator, logger: createLogger('error') });
  const service = serviceOf(gateway, config);
  const gp = principalOf(config, 'demo-gp');
  const ggz = principalOf(config, 'demo-ggz');
  const tally: Tally = {
    referrals: 0,
    accepted: 0,
    added: new Map(),
    withheld: new Map(),
    answered: 0,
    open: 0,
    monitoring: 0,
    byQuestionnaire: new Map(),
  };
  try {
    for (const journey of corpus) {
      if (withRecord)
        for (const e of journey.exports) {
          const bytes = Buffer.from(JSON.stringify(e.bundle));
          await service.import(
            { format: 'fhir', bytes, name: e.name },
            principalOf(config, clientOf(config, e.organisation)),
          );
        }
      tally.referrals++;
      const send = (message: Bundle) => {
        const body = JSON.parse(JSON.stringify(message)) as unknown;
        const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
        return receiveReferral(body, hash, gp, gateway.intake);
      };
      // Sent as the GP writes it; refused, the GP says `unavailable` where it said `notasked` and sends again.
      let result = await send(journey.referral);
      if (result.kind === 'accepted') tally.accepted++;
      else result = await send(journey.referralWithoutRecord);
      if (result.kind !== 'accepted') continue;
      countNotes(result.response, tally);
      const task = result.response.entry?.find((e) => e.resource?.resourceType === 'Task')?.resource as Task;
      const sr = task.focus?.reference?.split('/')[1] ?? '';
      addReport(await service.intakeReport(sr, ggz), tally);
    }
  } finally {
    await gateway.close();
  }
  return tally;
}

function clientOf(config: Config, organisation: string): string {
  const client = config.clients.find((c) => c.organisation === organisation && c.roles.includes('sender'));
  if (!client) throw new Error(`no client for ${organisation}`);
  return client.id;
}

function countNotes(response: Bundle, tally: Tally): void {
  const o = response.entry?.find((e) => e.resource?.resourceType === 'OperationOutcome')?.resource as
    OperationOutcome | undefined;
  for (const i of o?.issue ?? []) {
    const m = /^Summary section '([a-z-]+)': (\d+) entr(?:y|ies) (added|of the client record withheld)/.exec(
      i.diagnostics ?? '',
    );
    if (!m?.[1] || !m[2]) continue;
    const map = m[3] === 'added' ? tally.added : tally.withheld;
    map.set(m[1], (map.get(m[1]) ?? 0) + Number(m[2]));
  }
}

function addReport(report: ReferralReport, tally: Tally): void {
  tally.answered += report.answeredBefore;
  tally.open += report.open;
  tally.monitoring += report.monitoring;
  for (const q of report.questionnaires) {
    const id = q.questionnaire.split('/').pop() ?? q.questionnaire;
    const known = tally.byQuestionnaire.get(id) ?? { answered: 0, open: 0 };
    known.answered += q.answeredBefore;
    known.open += q.open;
    tally.byQuestionnaire.set(id, known);
  }
}

const pct = (a: number, b: number): string => (b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`);

function print(corpus: readonly Journey[], withRecord: Tally, without: Tally): void {
  const kinds = (k: string) => corpus.filter((j) => j.kind === k).length;
  const lines = [
    `journeys: ${corpus.length} (${kinds('new')} new, ${kinds('returning')} returning to GGZ, ${kinds('social')} also known to the social team)`,
    '',
    'R1 gate: the GP leaves 5 sections notasked; the gateway completes them from the client record',
    `  accepted as sent, with the client record: ${withRecord.accepted}/${withRecord.referrals} (${pct(withRecord.accepted, withRecord.referrals)}); the others sent again with 'unavailable'`,
    `  accepted as sent, without a record:       ${without.accepted}/${without.referrals} (${pct(without.accepted, without.referrals)})`,
    `  entries added per section: ${[...withRecord.added].map(([s, n]) => `${s} ${n}`).join(', ') || 'none'}`,
    `  entries withheld (consent): ${[...withRecord.withheld].map(([s, n]) => `${s} ${n}`).join(', ') || 'none'}`,
    '',
    'R2 intake questions already answered at intake (monitoring questions excluded)',
    `  ${'questionnaire'.padEnd(28)} ${'with record'.padStart(12)} ${'without'.padStart(10)}`,
    ...[...withRecord.byQuestionnaire].map(([id, w]) => {
      const b = without.byQuestionnaire.get(id) ?? { answered: 0, open: 0 };
      return `  ${id.padEnd(28)} ${pct(w.answered, w.answered + w.open).padStart(12)} ${pct(b.answered, b.answered + b.open).padStart(10)}`;
    }),
    `  ${'all'.padEnd(28)} ${pct(withRecord.answered, withRecord.answered + withRecord.open).padStart(12)} ${pct(without.answered, without.answered + without.open).padStart(10)}`,
    `  ratio with/without: ${(withRecord.answered / Math.max(1, without.answered)).toFixed(2)}x questions answered before; monitoring questions asked every time: ${withRecord.monitoring}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  const count = option('clients', 60);
  const seed = option('seed', 7);
  const base = loadConfig({ demo: true, env: {} });
  const config: Config = { ...base, storage: { driver: 'pglite', dataDir: 'memory://' } };
  const corpus = journeys(count, seed, new Date());
  const validator = createValidator({ includeProjectPackage: true });
  const withRecord = await run(true, corpus, config, validator);
  const without = await run(false, corpus, config, validator);
  print(corpus, withRecord, without);
}

await main();
