/**
 * A gateway for integration tests: the real app from createGateway on an in-memory PGlite
 * database made from the store's prepared, migrated dump (one per test file), the demo
 * configuration, captured logs, and helpers that call it as a client would.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Express } from 'express';
import request from 'supertest';
import type { Config } from '../../src/config/types.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway/index.js';
import { createLogger } from '../../src/observability/logger.js';
import type { Database } from '../../src/store/database.js';
import { openMigratedPglite } from '../store/support/pglite-template.js';
import { referralMessage, type ReferralOptions } from '../support/referral.js';
import { demoConfig, tokenFor } from '../support/tokens.js';

export interface TestGateway {
  gateway: Gateway;
  app: Express;
  db: Database;
  logs: string[];
  close(): Promise<void>;
}

export const FHIR_JSON = 'application/fhir+json';

export async function openTestGateway(
  options: GatewayOptions & { config?: Partial<Config> } = {},
): Promise<TestGateway> {
  const db = options.database ?? (await openMigratedPglite());
  const logs: string[] = [];
  const { config: overrides, ...rest } = options;
  const config: Config = { ...demoConfig, storage: { driver: 'pglite', dataDir: 'memory://' }, ...overrides };
  const gateway = await createGateway(config, {
    logger: createLogger('debug', (line) => logs.push(line)),
    ...rest,
    database: db,
  });
  return {
    gateway,
    app: gateway.app,
    db,
    logs,
    async close() {
      await gateway.close();
      if (!options.database) await db.close();
    },
  };
}

/** Access tokens per client, fetched once per test file (a token lives five minutes). */
export function tokens(app: Express): (clientId: string, scope?: string) => Promise<string> {
  const cache = new Map<string, string>();
  return async (clientId, scope) => {
    const key = `${clientId} ${scope ?? ''}`;
    const known = cache.get(key);
    if (known) return known;
    const token = await tokenFor(
      app,
      clientId,
      scope ?? demoConfig.clients.find((c) => c.id === clientId)?.scopes.join(' '),
    );
    cache.set(key, token);
    return token;
  };
}

export function postMessage(app: Express, token: string, body: Bundle | string): request.Test {
  return request(app)
    .post('/fhir/$process-message')
    .set('Authorization', `Bearer ${token}`)
    .type(FHIR_JSON)
    .send(typeof body === 'string' ? body : JSON.stringify(body));
}

export function get(app: Express, token: string, path: string): request.Test {
  return request(app).get(path).set('Authorization', `Bearer ${token}`);
}

/** Sends a referral and returns the Task the answer names (the test fails on anything but 200). */
export async function sendReferral(
  app: Express,
  token: string,
  options: ReferralOptions = {},
): Promise<Resource & { id: string }> {
  const res = await postMessage(app, token, referralMessage(options));
  if (res.status !== 200)
    throw new Error(`referral refused: ${res.status} ${JSON.stringify(res.body).slice(0, 800)}`);
  const task = (res.body as Bundle).entry?.[1]?.resource;
  if (!task?.id) throw new Error('the answer names no Task');
  return task as Resource & { id: string };
}

/** How many current resources of each type the database holds. */
export async function counts(db: Database): Promise<Record<string, number>> {
  const { rows } = await db.query<{ resource_type: string; n: number }>(
    'SELECT resource_type, count(*)::integer AS n FROM resource WHERE NOT deleted GROUP BY resource_type',
  );
  return Object.fromEntries(rows.map((r) => [r.resource_type, r.n]));
}
