/** One adapter and one conversion context per test file. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BatchResult, runAdapter } from '../../../src/adapters/framework.js';
import { createSocialAdapter } from '../../../src/adapters/social/index.js';
import { adapterSetup } from '../support.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');
export const FIXTURE_NAMES = [
  'jw315-youth-ggz.xml',
  'wmo315-begeleiding.xml',
  'jw301-toewijzing.xml',
  'jw305-start.xml',
  'jw307-stop.xml',
] as const;

/** The channel of a youth-GGZ provider. */
export const CHANNEL = { providerOrganizationType: 'youth-ggz-institution' } as const;

export const setup = adapterSetup(createSocialAdapter, CHANNEL);

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

export function run(bytes: Uint8Array): BatchResult {
  const { adapter, ctx } = setup();
  return runAdapter(adapter, bytes, ctx);
}

/** A fixture with a text replacement, to break one field. */
export function edited(name: string, from: string | RegExp, to: string): Buffer {
  const text = fixture(name).toString('utf8');
  const out = text.replace(from, to);
  if (out === text) throw new Error(`edit did not apply to ${name}`);
  return Buffer.from(out, 'utf8');
}
