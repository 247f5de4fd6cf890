import { describe, expect, it } from 'vitest';
import { runAdapter } from '../../../src/adapters/framework.js';
import { createSocialAdapter } from '../../../src/adapters/social/index.js';
import { fixture, run, setup } from './support.js';

function fatalOf(bytes: Uint8Array): string[] {
  const started = performance.now();
  const result = run(bytes);
  expect(performance.now() - started).toBeLessThan(2000);
  expect(result.records.every((r) => r.output === undefined)).toBe(true);
  return (result.report.issue ?? []).filter((i) => i.severity === 'fatal').map((i) => i.diagnostics ?? '');
}

const NS = 'http://www.istandaarden.nl/ijw/3_2/jw315/schema';

describe('iWmo / iJw adapter: hostile and broken input', () => {
  it.each([
    ['empty', new Uint8Array(0), /empty/],
    ['binary', new Uint8Array([0x00, 0xff, 0xfe, 0x13, 0x37, 0x80]), /UTF-8|XML/],
    ['UTF-16', Buffer.from(`\ufeff<Bericht xmlns="${NS}"/>`, 'utf16le'), /UTF-8|XML/],
    [
      'Latin-1 declared',
      Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?><Bericht xmlns="${NS}"/>`),
      /encoding/,
    ],
    ['truncated', fixture('jw315-youth-ggz.xml').subarray(0, 700), /XML/],
    [
      'an entity bomb',
      Buffer.from(
        `<?xml version="1.0"?><!DOCTYPE b [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Bericht xmlns="${NS}">&b;</Bericht>`,
      ),
      /DOCTYPE/,
    ],
    [
      'an external entity',
      Buffer.from(
        `<?xml version="1.0"?><!DOCTYPE b [<!ENTITY x SYSTEM "file:///etc/passwd">]><Bericht xmlns="${NS}">&x;</Bericht>`,
      ),
      /DOCTYPE/,
    ],
    [
      'nested 10000 deep',
      Buffer.from(`<Bericht xmlns="${NS}">${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}</Bericht>`),
      /deeper/,
    ],
    [
      'another namespace',
      Buffer.from('<Bericht xmlns="urn:other"><Header/><Client/></Bericht>'),
      /not an iWmo or iJw/,
    ],
    ['segment soup', Buffer.from('MSH|^~\\&|HIS\rPID|||999911120\r'), /XML/],
    [
      'no product record',
      Buffer.from(`<Bericht xmlns="${NS}"><Header/><Client><Bsn>999911120</Bsn></Client></Bericht>`),
      /AangevraagdProduct/,
    ],
  ])('when the input is %s, then a fatal issue says so and nothing converts', (_name, bytes, message) => {
    const fatal = fatalOf(bytes);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatch(message);
  });

  it('when the input is larger than the limit, then it is refused before it is read', () => {
    const { ctx } = setup();
    const result = runAdapter(
      createSocialAdapter({ limits: { maxBytes: 500 } }),
      fixture('jw315-youth-ggz.xml'),
      ctx,
    );
    expect(result.report.issue?.[0]?.code).toBe('too-costly');
  });

  it('when a message holds more products than the limit, then it is refused as too costly', () => {
    const { ctx } = setup();
    const result = runAdapter(
      createSocialAdapter({ limits: { maxRecords: 1 } }),
      fixture('wmo315-begeleiding.xml'),
      ctx,
    );
    expect(result.report.issue?.[0]?.code).toBe('too-costly');
  });

  it('when a message has 999 products, then each converts in time linear in its size', () => {
    const product =
      /<AangevraagdProduct>[\s\S]*?<\/AangevraagdProduct>/.exec(
        fixture('jw315-youth-ggz.xml').toString(),
      )?.[0] ?? '';
    const many = fixture('jw315-youth-ggz.xml').toString().replace(product, product.repeat(999));
    const started = performance.now();
    const result = run(Buffer.from(many));
    expect(result.records).toHaveLength(999);
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});
