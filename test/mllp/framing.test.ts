import { describe, expect, it } from 'vitest';
import { frame, MllpDecoder } from '../../src/mllp/framing.js';

const frames = (events: ReturnType<MllpDecoder['push']>): string[] =>
  events.flatMap((e) => (e.kind === 'frame' ? [e.bytes.toString()] : []));

describe('MLLP framing', () => {
  it('when a frame arrives byte by byte, then it is one message once the trailer is in', () => {
    const decoder = new MllpDecoder(1024);
    const bytes = frame('MSH|^~\\&|A\rPID|1\r');
    const events = [...bytes].flatMap((b) => decoder.push(Buffer.from([b])));
    expect(frames(events)).toEqual(['MSH|^~\\&|A\rPID|1\r']);
    expect(decoder.pending).toBe(0);
  });

  it('when two frames and half a third arrive together, then two are complete and the third waits', () => {
    const decoder = new MllpDecoder(1024);
    const third = frame('MSH|3');
    const first = decoder.push(Buffer.concat([frame('MSH|1'), frame('MSH|2'), third.subarray(0, 4)]));
    expect(frames(first)).toEqual(['MSH|1', 'MSH|2']);
    expect(frames(decoder.push(third.subarray(4)))).toEqual(['MSH|3']);
  });

  it('when a frame grows past the limit, then it is refused once, skipped, and the next frame is read', () => {
    const decoder = new MllpDecoder(10);
    const events = decoder.push(Buffer.concat([frame('MSH|' + 'x'.repeat(50)), frame('MSH|ok')]));
    expect(events.map((e) => e.kind)).toEqual(['oversize', 'frame']);
    expect(frames(events)).toEqual(['MSH|ok']);
  });

  it('when bytes arrive outside a frame, then they are reported; line breaks between frames are not', () => {
    const decoder = new MllpDecoder(100);
    expect(decoder.push(Buffer.from('\r\n')).map((e) => e.kind)).toEqual([]);
    expect(decoder.push(Buffer.from('GET / HTTP/1.1\r\n')).map((e) => e.kind)).toEqual(['garbage']);
  });
});
