/**
 * Minimal framing shared by the raw baselines (parent and bare children):
 * a 4-byte little-endian length prefix, then one msgpack body — the same
 * framing tractor-ts uses, with nothing else on top.
 */
import { Decoder, Encoder } from '@msgpack/msgpack';

// Reused instances, as tractor-ts itself does: the baseline must not pay for
// building an Encoder per frame, or every ratio against it is flattered.
const encoder = new Encoder();
const decoder = new Decoder();
const encode = (value: unknown): Uint8Array => encoder.encodeSharedRef(value);
const decode = (bytes: Uint8Array): unknown => decoder.decode(bytes);

/** One frame (length prefix + msgpack body) as a Buffer. */
export function frame(value: unknown): Buffer {
  const body = encode(value);
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32LE(body.length, 0);
  out.set(body, 4);
  return out;
}

/** Append one frame of `value` to `buf` at `off` (growing it if needed); returns [buf, newOff]. */
export function appendFrame(buf: Buffer, off: number, value: unknown): [Buffer, number] {
  const body = encode(value);
  const need = off + 4 + body.length;
  if (need > buf.length) {
    const bigger = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
    buf.copy(bigger, 0, 0, off);
    buf = bigger;
  }
  buf.writeUInt32LE(body.length, off);
  buf.set(body, off + 4);
  return [buf, need];
}

/** Splits a byte stream into frame bodies and hands each one, decoded, to `onMsg`. */
export class FrameDecoder {
  #chunks: Buffer[] = [];
  #size = 0;
  #need = 0; // total bytes (prefix + body) of the frame being assembled, 0 if unknown yet

  readonly onMsg: (msg: unknown) => void;

  constructor(onMsg: (msg: unknown) => void) {
    this.onMsg = onMsg;
  }

  push(chunk: Buffer): void {
    let buf: Buffer;
    if (this.#size === 0) buf = chunk;
    else {
      this.#chunks.push(chunk);
      this.#size += chunk.length;
      if (this.#need === 0 && this.#size >= 4) this.#need = 4 + Buffer.concat(this.#chunks, 4).readUInt32LE(0);
      if (this.#need === 0 || this.#size < this.#need) return;
      buf = Buffer.concat(this.#chunks, this.#size);
      this.#chunks = [];
      this.#size = 0;
    }
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32LE(off);
      if (buf.length - off - 4 < len) break;
      this.onMsg(decode(buf.subarray(off + 4, off + 4 + len)));
      off += 4 + len;
    }
    this.#need = 0;
    if (off < buf.length) {
      this.#chunks = [buf.subarray(off)];
      this.#size = buf.length - off;
      if (this.#size >= 4) this.#need = 4 + buf.readUInt32LE(off);
    }
  }
}
