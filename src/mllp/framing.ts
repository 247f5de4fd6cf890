/**
 * MLLP framing (HL7 v2 Minimal Lower Layer Protocol, release 2): a message travels as
 * <VT> message <FS><CR>, VT = 0x0B, FS = 0x1C, CR = 0x0D. A TCP stream delivers frames in pieces
 * and several at once; the decoder collects bytes until the end marker and refuses a frame that
 * grows past the limit before it has read it all (the rest of that frame is skipped, not kept).
 * https://www.hl7.org/implement/standards/product_brief.cfm?product_id=55 (MLLP, Appendix C of v2.5.1)
 */
export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;

export type FrameEvent =
  | { kind: 'frame'; bytes: Buffer }
  | { kind: 'oversize'; limit: number }
  /** Bytes outside a frame (not starting with VT): the peer does not speak MLLP. */
  | { kind: 'garbage'; count: number };

export class MllpDecoder {
  private chunks: Buffer[] = [];
  private size = 0;
  private inFrame = false;
  /** Skipping the rest of an oversize frame until its end marker. */
  private skipping = false;

  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds bytes; returns what they completed. */
  push(data: Buffer): FrameEvent[] {
    const events: FrameEvent[] = [];
    let i = 0;
    while (i < data.length) {
      if (!this.inFrame) {
        const start = data.indexOf(VT, i);
        const skipped = (start < 0 ? data.length : start) - i;
        // Line breaks between frames are tolerated; anything else is reported once per run.
        if (skipped > 0 && data.subarray(i, i + skipped).some((b) => b !== CR && b !== 0x0a))
          events.push({ kind: 'garbage', count: skipped });
        if (start < 0) break;
        this.inFrame = true;
        this.skipping = false;
        this.chunks = [];
        this.size = 0;
        i = start + 1;
        continue;
      }
      const end = data.indexOf(FS, i);
      const piece = data.subarray(i, end < 0 ? data.length : end);
      if (!this.skipping) {
        if (this.size + piece.length > this.maxFrameBytes) {
          this.skipping = true;
          this.chunks = [];
          events.push({ kind: 'oversize', limit: this.maxFrameBytes });
        } else {
          this.chunks.push(piece);
          this.size += piece.length;
        }
      }
      if (end < 0) break;
      if (!this.skipping) events.push({ kind: 'frame', bytes: Buffer.concat(this.chunks, this.size) });
      this.inFrame = false;
      this.chunks = [];
      this.size = 0;
      // The CR after FS belongs to the trailer.
      i = data[end + 1] === CR ? end + 2 : end + 1;
    }
    return events;
  }

  /** Bytes of an unfinished frame held (for tests and idle timeouts). */
  get pending(): number {
    return this.inFrame ? this.size : 0;
  }
}

export function frame(message: string | Buffer): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  return Buffer.concat([Buffer.from([VT]), body, Buffer.from([FS, CR])]);
}
