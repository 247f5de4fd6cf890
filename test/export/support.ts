/**
 * Helpers for the export tests: a client that runs the Bulk Data protocol to its end, and NDJSON
 * reading.
 */
import type { Express } from 'express';
import request from 'supertest';
import type { Gateway } from '../../src/gateway/index.js';

export interface ManifestFile {
  type: string;
  url: string;
  count: number;
}

export interface ManifestBody {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: ManifestFile[];
  error: ManifestFile[];
  extension: Record<
    string,
    { recipient: string; keyId: string; series: string; newSeries: boolean; previousSeries?: string }
  >;
}

/** The path of a URL the gateway made (its base is the configured one, not supertest's). */
export const pathOf = (url: string): string => new URL(url).pathname;

/** Kicks off an export and answers its status path (the test fails unless the answer is 202). */
export async function kickOff(app: Express, token: string, path: string): Promise<string> {
  const res = await request(app)
    .get(path)
    .set('Authorization', `Bearer ${token}`)
    .set('Prefer', 'respond-async');
  if (res.status !== 202) throw new Error(`kick-off answered ${res.status}: ${JSON.stringify(res.body)}`);
  const location = res.headers['content-location'];
  if (typeof location !== 'string') throw new Error('no Content-Location');
  return pathOf(location);
}

/** Waits for the background run, then reads the manifest. */
export async function finish(
  app: Express,
  gateway: Gateway,
  token: string,
  statusPath: string,
): Promise<ManifestBody> {
  await gateway.exports.idle();
  const res = await request(app).get(statusPath).set('Authorization', `Bearer ${token}`);
  if (res.status !== 200) throw new Error(`status answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as ManifestBody;
}

export type Json = Record<string, unknown>;

export async function readFile(app: Express, token: string, url: string): Promise<Json[]> {
  const res = await request(app)
    .get(pathOf(url))
    .set('Authorization', `Bearer ${token}`)
    .buffer(true)
    .parse((r, done) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => (text += chunk));
      r.on('end', () => done(null, text));
    });
  if (res.status !== 200) throw new Error(`file answered ${res.status}`);
  return String(res.body)
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Json);
}

/** Every file of a manifest, by type. */
export async function readAll(
  app: Express,
  token: string,
  manifest: ManifestBody,
): Promise<Map<string, Json[]>> {
  const out = new Map<string, Json[]>();
  for (const f of manifest.output) out.set(f.type, await readFile(app, token, f.url));
  return out;
}
