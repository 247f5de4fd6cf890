/**
 * The demo keys live in the repository (config/demo-keys), so anyone can sign with them. Outside
 * demo mode the gateway refuses to start when any configured key is one of them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { ConfigError, projectRoot, publicJwk } from '../config/load.js';
import type { Config } from '../config/types.js';

export const DEMO_KEYS_DIR = join('config', 'demo-keys');

export function readDemoKey(name: string): Record<string, unknown> {
  return JSON.parse(
    readFileSync(join(projectRoot(), DEMO_KEYS_DIR, `${name}.private.jwk.json`), 'utf8'),
  ) as Record<string, unknown>;
}

async function demoThumbprints(): Promise<Set<string>> {
  const dir = join(projectRoot(), DEMO_KEYS_DIR);
  const out = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const jwk = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
    out.add(await calculateJwkThumbprint(publicJwk(jwk) as JWK));
  }
  return out;
}

export async function assertNoDemoKeysOutsideDemo(config: Config): Promise<void> {
  if (config.demo) return;
  const demo = await demoThumbprints();
  const configured: [string, Record<string, unknown>][] = [
    ['auth.signingKey', config.auth.signingKey],
    ...config.clients.flatMap((c, i) =>
      c.jwks.keys.map((k, j) => [`clients[${i}].jwks.keys[${j}]`, k] as [string, Record<string, unknown>]),
    ),
  ];
  for (const [key, jwk] of configured) {
    if (demo.has(await calculateJwkThumbprint(publicJwk(jwk) as JWK))) {
      throw new ConfigError(
        `${key}: this is a public demo key from the repository; it is accepted only in demo mode`,
      );
    }
  }
}
