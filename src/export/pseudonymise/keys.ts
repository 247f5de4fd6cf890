/**
 * The recipients' pseudonymisation keys: symmetric JWKs (`kty: oct`, at least 256 bits) in a JWK
 * or a JWK Set, from configuration - a file named in the configuration or the JSON of an
 * environment variable, both read by the caller (the configuration module). A key is chosen by
 * its `kid`, which the recipient's policy names.
 *
 * The demo key lives in the repository (config/demo-keys), so anyone can compute its pseudonyms.
 * Outside demo mode a key ring holding it, or any key marked as a demo key, is refused.
 *
 * Spec: JWK `oct` keys https://www.rfc-editor.org/rfc/rfc7518#section-6.4
 */
import { createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_KEYS_DIR } from '../../auth/demo-keys.js';
import { ConfigError, projectRoot } from '../../config/load.js';
import { isRecord } from './model.js';
import type { Policy } from './policy.js';

/** A member of the demo key's JWK that says what it is to anyone who opens the file. */
export const DEMO_MARKER = 'x-overdracht-demo';
const MIN_KEY_BYTES = 32;

export interface PseudonymKey {
  readonly id: string;
  readonly secret: KeyObject;
  /** The key says of itself that it is a demo key. */
  readonly demo: boolean;
}

export type KeyRing = ReadonlyMap<string, PseudonymKey>;

/** A key ring from a parsed JWK or JWK Set; `origin` names the source in errors (never the key). */
export function parseKeyRing(json: unknown, origin: string): KeyRing {
  const list = isRecord(json) && Array.isArray(json.keys) ? (json.keys as unknown[]) : [json];
  const ring = new Map<string, PseudonymKey>();
  list.forEach((jwk, i) => {
    const where =
      list.length === 1 && !(isRecord(json) && Array.isArray(json.keys)) ? origin : `${origin}: keys[${i}]`;
    const key = parseKey(jwk, where);
    if (ring.has(key.id)) throw new ConfigError(`${where}: kid '${key.id}' appears twice`);
    ring.set(key.id, key);
  });
  return ring;
}

function parseKey(jwk: unknown, where: string): PseudonymKey {
  if (!isRecord(jwk) || jwk.kty !== 'oct') throw new ConfigError(`${where}: must be a JWK with kty 'oct'`);
  if (typeof jwk.kid !== 'string' || jwk.kid === '') throw new ConfigError(`${where}: kid is required`);
  if (typeof jwk.k !== 'string' || !/^[A-Za-z0-9_-]+$/.test(jwk.k)) {
    throw new ConfigError(`${where}: k must be the key in base64url`);
  }
  const bytes = Buffer.from(jwk.k, 'base64url');
  if (bytes.length < MIN_KEY_BYTES) throw new ConfigError(`${where}: k must hold at least 256 bits`);
  return { id: jwk.kid, secret: createSecretKey(bytes), demo: jwk[DEMO_MARKER] !== undefined };
}

export interface KeySource {
  /** A JWK or JWK Set file (from the configuration). */
  file?: string;
  /** The JSON of a JWK or JWK Set (from an environment variable, read by the configuration module). */
  json?: string;
  /** The name the configuration knows the source by, for messages: `OVERDRACHT_PSEUDONYM_KEYS`. */
  name: string;
}

/** Reads a key ring; outside demo mode, demo keys are refused. */
export function loadKeyRing(source: KeySource, demo: boolean): KeyRing {
  const ring = parseKeyRing(readSource(source), source.name);
  if (!demo) assertNoDemoKeys(ring, source.name);
  return ring;
}

function readSource(source: KeySource): unknown {
  let text = source.json;
  if (text === undefined && source.file !== undefined) {
    try {
      text = readFileSync(source.file, 'utf8');
    } catch {
      throw new ConfigError(`${source.name}: cannot be read`);
    }
  }
  if (text === undefined) throw new ConfigError(`${source.name}: no keys given`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ConfigError(`${source.name}: not JSON`);
  }
}

/** Refuses keys marked as demo keys and keys equal to any symmetric key in config/demo-keys. */
export function assertNoDemoKeys(ring: KeyRing, name: string): void {
  const demo = demoSecrets();
  for (const key of ring.values()) {
    const bytes = key.secret.export();
    if (key.demo || demo.some((d) => d.length === bytes.length && timingSafeEqual(d, bytes))) {
      throw new ConfigError(
        `${name}: kid '${key.id}' is a public demo key from the repository; it is accepted only in demo mode`,
      );
    }
  }
}

function demoSecrets(): Buffer[] {
  const dir = join(projectRoot(), DEMO_KEYS_DIR);
  const out: Buffer[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const jwk: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    if (isRecord(jwk) && jwk.kty === 'oct' && typeof jwk.k === 'string')
      out.push(Buffer.from(jwk.k, 'base64url'));
  }
  return out;
}

/** The demo key ring of the repository (config/demo-keys/<name>.private.jwk.json): for demo mode and tests. */
export function readDemoKeyRing(name: string): KeyRing {
  const file = join(projectRoot(), DEMO_KEYS_DIR, `${name}.private.jwk.json`);
  return loadKeyRing({ file, name: `${DEMO_KEYS_DIR}/${name}.private.jwk.json` }, true);
}

/** The key a policy names; a missing key is a configuration error found at start, not mid-export. */
export function policyKey(policy: Policy, keys: KeyRing): PseudonymKey {
  const key = keys.get(policy.key.id);
  if (!key)
    throw new ConfigError(
      `export policy for ${policy.recipient}: key.id '${policy.key.id}' is not among the configured keys`,
    );
  return key;
}

/** What an export manifest says about the pseudonyms in it. */
export interface SeriesAnnouncement {
  recipient: string;
  keyId: string;
  series: string;
  /** True when this export starts the series: its pseudonyms do not match those of earlier exports. */
  newSeries: boolean;
  previousSeries?: string;
}

/**
 * The series of this export, compared with the recipient's previous export. A new key under an
 * old series name would give different pseudonyms with the same prefix, which a recipient could
 * not tell apart from the old ones: refused.
 */
export function announceSeries(
  policy: Policy,
  previous?: { keyId: string; series: string },
): SeriesAnnouncement {
  const base = { recipient: policy.recipient, keyId: policy.key.id, series: policy.key.series };
  if (!previous) return { ...base, newSeries: true };
  if (previous.keyId !== policy.key.id && previous.series === policy.key.series) {
    throw new ConfigError(
      `export policy for ${policy.recipient}: key.id changed to '${policy.key.id}' but key.series is still '${policy.key.series}'; a new key starts a new series`,
    );
  }
  if (previous.series === policy.key.series) return { ...base, newSeries: false };
  return { ...base, newSeries: true, previousSeries: previous.series };
}
