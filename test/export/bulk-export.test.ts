/**
 * The Bulk Data `$export` protocol against the real app: kick-off, status, manifest, files,
 * `_since`, `_type`, `_typeFilter`, Groups, the error file, delete, who may export, per-recipient
 * keys and the audit trail. Referrals sent through the normal intake are the data.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { projectRoot } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { PSEUDONYM_SYSTEM } from '../../src/export/pseudonymise/index.js';
import { openMigratedPglite } from '../store/support/pglite-template.js';
import { get, openTestGateway, sendReferral, tokens, type TestGateway } from '../gateway/support.js';
import { demoConfig } from '../support/tokens.js';
import { passesElevenCheck } from './marker-resources.js';
import { finish, kickOff, readAll, readFile, type Json, type ManifestBody } from './support.js';

const SERIES_EXTENSION = 'https://overdracht.dev/fhir/StructureDefinition/export-pseudonym-series';
const MUNICIPALITY = 'https://overdracht.dev/fhir/StructureDefinition/ov-municipality-code';

/** BSNs that pass the 11-check, one per client. */
function bsns(n: number): string[] {
  const out: string[] = [];
  for (let v = 999_900_000; out.length < n; v++) if (passesElevenCheck(String(v))) out.push(String(v));
  return out;
}

let t: TestGateway;
let token: (client: string, scope?: string) => Promise<string>;
const dirs: string[] = [];
const clientBsns = bsns(4);

/** A second platform with its own policy and key: the regional table's client, made a platform here. */
function secondRecipient(kid = 'zuid-1', series = 'rpz1'): Pick<Config, 'clients' | 'export'> {
  const dir = mkdtempSync(join(tmpdir(), 'export-test-'));
  dirs.push(dir);
  const demoPolicy = join(projectRoot(), 'config', 'export-policies', 'regioplatform-noord.yaml');
  const yaml = parseYaml(readFileSync(demoPolicy, 'utf8')) as Json;
  const policyFile = join(dir, 'zuid.yaml');
  writeFileSync(
    policyFile,
    stringify({ ...yaml, recipient: 'regioplatform-zuid', key: { id: kid, series } }),
  );
  const keyFile = join(dir, 'zuid.jwk.json');
  writeFileSync(keyFile, JSON.stringify({ kty: 'oct', kid, k: randomBytes(32).toString('base64url') }));
  return {
    clients: demoConfig.clients.map((c) =>
      c.id === 'demo-regional-table' ? { ...c, roles: ['platform'], scopes: ['system/*.rs'] } : c,
    ),
    export: {
      recipients: [
        ...(demoConfig.export?.recipients ?? []),
        { id: 'regioplatform-zuid', client: 'demo-regional-table', policyFile, keyFile },
      ],
      groups: demoConfig.export?.groups ?? [],
      // Every export of this suite runs its page step in the worker thread.
      pageWorker: true,
    },
  };
}

const platform = () => token('demo-platform', 'system/*.rs');
const otherPlatform = () => token('demo-regional-table', 'system/*.rs');

async function exportAll(path: string, tokenOf = platform): Promise<ManifestBody> {
  const tk = await tokenOf();
  return finish(t.app, t.gateway, tk, await kickOff(t.app, tk, path));
}

beforeAll(async () => {
  const db = await openMigratedPglite();
  t = await openTestGateway({ database: db, config: secondRecipient() });
  token = tokens(t.app);
  const gp = await token('demo-gp');
  for (const [i, bsn] of clientBsns.slice(0, 3).entries())
    await sendReferral(t.app, gp, { bsn, messageId: `b0000000-0000-4000-8000-00000000000${String(i)}` });
}, 60_000);

afterAll(async () => {
  await t.close();
  await t.db.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the asynchronous protocol', () => {
  it('when a platform kicks off a system export, then 202 with a status URL, and the manifest names one NDJSON file per type', async () => {
    const tk = await platform();
    const res = await request(t.app).get('/fhir/$export').set('Authorization', `Bearer ${tk}`);
    expect(res.status).toBe(202);
    const location = String(res.headers['content-location']);
    expect(location).toMatch(/\/fhir\/\$export-status\/[0-9a-f-]{36}$/);
    const manifest = await finish(t.app, t.gateway, tk, new URL(location).pathname);
    expect(manifest.requiresAccessToken).toBe(true);
    expect(Date.parse(manifest.transactionTime)).not.toBeNaN();
    expect(manifest.request).toMatch(/\/fhir\/\$export$/);
    const types = manifest.output.map((f) => f.type);
    expect(types).toEqual(
      expect.arrayContaining(['Patient', 'ServiceRequest', 'Task', 'Composition', 'Organization']),
    );
    expect(new Set(types).size).toBe(types.length);
    expect(manifest.output.find((f) => f.type === 'Patient')?.count).toBe(3);
    expect(manifest.output.every((f) => f.url.endsWith(`/${f.type}.ndjson`))).toBe(true);
    expect(manifest.extension[SERIES_EXTENSION]).toMatchObject({
      recipient: 'regioplatform-noord',
      keyId: 'demo-regioplatform-noord-1',
      series: 'rpn1',
    });
  });

  it('when the files are read, then every resource is pseudonymised and references lead to resources in the other files', async () => {
    const manifest = await exportAll('/fhir/$export');
    const files = await readAll(t.app, await platform(), manifest);
    const patients = files.get('Patient') ?? [];
    const patientIds = new Set(patients.map((p) => p.id));
    expect(patients).toHaveLength(3);
    for (const p of patients) {
      expect(String(p.id)).toMatch(/^rpn1-/);
      expect(p.name).toBeUndefined();
      expect(p.birthDate).toBe('1990');
      for (const id of (p.identifier ?? []) as Json[]) expect(id.system).toBe(PSEUDONYM_SYSTEM);
    }
    for (const sr of files.get('ServiceRequest') ?? []) {
      const subject = (sr.subject as { reference: string }).reference;
      expect(patientIds.has(subject.replace('Patient/', ''))).toBe(true);
    }
    const text = JSON.stringify([...files.values()]);
    for (const bsn of clientBsns) expect(text).not.toContain(bsn);
    expect(text).not.toContain('Jansen');
  });

  it('when the status is polled while the export runs, then 202 with X-Progress', async () => {
    const tk = await platform();
    const status = await kickOff(t.app, tk, '/fhir/$export');
    const res = await request(t.app).get(status).set('Authorization', `Bearer ${tk}`);
    expect([200, 202]).toContain(res.status);
    if (res.status === 202) expect(res.headers['x-progress']).toBeTruthy();
    await t.gateway.exports.idle();
  });

  it('when an export is deleted, then 202, and its status and files are gone (404)', async () => {
    const tk = await platform();
    const status = await kickOff(t.app, tk, '/fhir/$export?_type=Patient');
    const manifest = await finish(t.app, t.gateway, tk, status);
    const del = await request(t.app).delete(status).set('Authorization', `Bearer ${tk}`);
    expect(del.status).toBe(202);
    expect((await get(t.app, tk, status)).status).toBe(404);
    const file = manifest.output[0]?.url ?? '';
    expect((await get(t.app, tk, new URL(file).pathname)).status).toBe(404);
  });

  it('when a running export is deleted, then it stops and nothing is served', async () => {
    const tk = await platform();
    const status = await kickOff(t.app, tk, '/fhir/$export');
    expect((await request(t.app).delete(status).set('Authorization', `Bearer ${tk}`)).status).toBe(202);
    await t.gateway.exports.idle();
    expect((await get(t.app, tk, status)).status).toBe(404);
    const { rows } = await t.db.query<{ n: number }>(
      'SELECT count(*)::integer AS n FROM export_file_part WHERE job_id = $1',
      [status.split('/').pop() ?? ''],
    );
    expect(rows[0]?.n).toBe(0);
  });
});

describe('what an export holds', () => {
  it('when _since is the previous transactionTime, then only what changed since goes out', async () => {
    const first = await exportAll('/fhir/$export');
    const nothing = await exportAll(`/fhir/$export?_since=${encodeURIComponent(first.transactionTime)}`);
    expect(nothing.output).toEqual([]);
    await sendReferral(t.app, await token('demo-gp'), {
      bsn: clientBsns[3],
      messageId: 'b0000000-0000-4000-8000-000000000009',
    });
    const since = await exportAll(`/fhir/$export?_since=${encodeURIComponent(first.transactionTime)}`);
    expect(since.output.find((f) => f.type === 'Patient')?.count).toBe(1);
    expect(since.output.find((f) => f.type === 'Task')?.count).toBe(1);
    const all = await exportAll('/fhir/$export');
    expect(all.output.find((f) => f.type === 'Patient')?.count).toBe(4);
  });

  it('when _type and _typeFilter are given, then only those types, and of a filtered type only the matches', async () => {
    const requested = await exportAll(
      '/fhir/$export?_type=Task,Patient&_typeFilter=Task%3Fstatus%3Drequested',
    );
    expect(requested.output.map((f) => f.type).sort()).toEqual(['Patient', 'Task']);
    const none = await exportAll('/fhir/$export?_type=Task&_typeFilter=Task%3Fstatus%3Dcompleted');
    expect(none.output).toEqual([]);
  });

  it('when _type names a type the policy does not let out, then the error file says so', async () => {
    const manifest = await exportAll('/fhir/$export?_type=Patient,Practitioner');
    expect(manifest.output.map((f) => f.type)).toEqual(['Patient']);
    expect(manifest.error).toHaveLength(1);
    const [problem] = await readFile(t.app, await platform(), manifest.error[0]?.url ?? '');
    expect(problem?.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(problem)).toContain('Practitioner is not exported');
  });

  it('when a Group of a municipality is exported, then only its clients and what refers to them go out', async () => {
    const { rows } = await t.db.query<{ id: string }>(
      "SELECT id FROM resource WHERE resource_type = 'Patient' ORDER BY id LIMIT 1",
    );
    const id = rows[0]?.id ?? '';
    const coded = [
      {
        use: 'home',
        postalCode: '9711 NV',
        extension: [
          { url: MUNICIPALITY, valueCoding: { system: 'urn:oid:2.16.840.1.113883.2.4.6.14', code: '0014' } },
        ],
      },
    ];
    await t.db.query(
      "UPDATE resource SET content = jsonb_set(content, '{address}', $2::jsonb) WHERE resource_type = 'Patient' AND id = $1",
      [id, JSON.stringify(coded)],
    );
    const manifest = await exportAll('/fhir/Group/gm0014/$export');
    expect(manifest.request).toMatch(/\/Group\/gm0014\/\$export$/);
    expect(manifest.output.find((f) => f.type === 'Patient')?.count).toBe(1);
    expect(manifest.output.find((f) => f.type === 'Task')?.count).toBe(1);
    expect(manifest.output.find((f) => f.type === 'Organization')).toBeUndefined();
    expect((await get(t.app, await platform(), '/fhir/Group/nowhere/$export')).status).toBe(404);
  });
});

describe('keys per recipient', () => {
  const patientIds = async (tokenOf: () => Promise<string>): Promise<string[]> => {
    const manifest = await exportAll('/fhir/$export?_type=Patient', tokenOf);
    const [file] = manifest.output;
    return (await readFile(t.app, await tokenOf(), file?.url ?? '')).map((p) => String(p.id)).sort();
  };

  it('when two recipients export the same clients, then their pseudonyms differ; one recipient gets the same ones again', async () => {
    const a1 = await patientIds(platform);
    const a2 = await patientIds(platform);
    const b = await patientIds(otherPlatform);
    expect(a1).toEqual(a2);
    expect(b).toHaveLength(a1.length);
    expect(b.every((id) => id.startsWith('rpz1-'))).toBe(true);
    expect(b.filter((id) => a1.includes(id))).toEqual([]);
  });

  it('when the key is rotated, then the manifest announces a new series that shares nothing with the old one', async () => {
    const before = await patientIds(otherPlatform);
    const again = await exportAll('/fhir/$export?_type=Patient', otherPlatform);
    expect(again.extension[SERIES_EXTENSION]).toMatchObject({ series: 'rpz1', newSeries: false });
    const rotated = await openTestGateway({ database: t.db, config: secondRecipient('zuid-2', 'rpz2') });
    try {
      const tk = await tokens(rotated.app)('demo-regional-table', 'system/*.rs');
      const status = await kickOff(rotated.app, tk, '/fhir/$export?_type=Patient');
      const manifest = await finish(rotated.app, rotated.gateway, tk, status);
      expect(manifest.extension[SERIES_EXTENSION]).toEqual({
        recipient: 'regioplatform-zuid',
        keyId: 'zuid-2',
        series: 'rpz2',
        newSeries: true,
        previousSeries: 'rpz1',
      });
      const ids = (await readFile(rotated.app, tk, manifest.output[0]?.url ?? '')).map((p) => String(p.id));
      expect(ids.every((id) => id.startsWith('rpz2-'))).toBe(true);
      const old = new Set(before.map((id) => id.slice(5)));
      expect(ids.filter((id) => old.has(id.slice(5)))).toEqual([]);
    } finally {
      await rotated.close();
    }
  });

  it("when another platform asks for a recipient's export, then 404, as if it did not exist", async () => {
    const status = await kickOff(t.app, await platform(), '/fhir/$export?_type=Patient');
    await t.gateway.exports.idle();
    expect((await get(t.app, await otherPlatform(), status)).status).toBe(404);
  });
});

describe('who may export', () => {
  it('when a client without the platform role kicks off, then 403', async () => {
    const res = await get(t.app, await token('demo-ggz'), '/fhir/$export');
    expect(res.status).toBe(403);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('when the token lacks read scope on a type, then 403', async () => {
    const res = await get(
      t.app,
      await token('demo-platform', 'system/Patient.rs'),
      '/fhir/$export?_type=Task',
    );
    expect(res.status).toBe(403);
  });

  it('when there is no token, then 401', async () => {
    expect((await request(t.app).get('/fhir/$export')).status).toBe(401);
  });

  it.each([
    ['_since=yesterday', '_since'],
    ['_type=Nothing', '_type'],
    ['_outputFormat=text/csv', '_outputFormat'],
    ['_typeFilter=Task%3Fnosuch%3D1', '_typeFilter'],
    ['_elements=id', '_elements'],
  ])('when the request has %s, then 400 naming %s', async (query, parameter) => {
    const res = await get(t.app, await platform(), `/fhir/$export?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual([parameter]);
  });

  it('when a platform exports and reads files, then the audit trail records the kick-off and each download', async () => {
    const before = await t.db.query<{ n: number }>(
      "SELECT count(*)::integer AS n FROM audit_event WHERE content->'subtype'->0->>'display' IN ('$export', '$export-file')",
    );
    const manifest = await exportAll('/fhir/$export?_type=Patient');
    await readFile(t.app, await platform(), manifest.output[0]?.url ?? '');
    const after = await t.db.query<{ n: number }>(
      "SELECT count(*)::integer AS n FROM audit_event WHERE content->'subtype'->0->>'display' IN ('$export', '$export-file')",
    );
    expect((after.rows[0]?.n ?? 0) - (before.rows[0]?.n ?? 0)).toBe(2);
  });
});

describe('the page step', () => {
  it('when the exports above ran, then the worker thread did their pages', () => {
    expect(t.gateway.exports.pageWorker?.answered).toBeGreaterThan(0);
  });
});
