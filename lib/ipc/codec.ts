/**
 * Framing: a 4-byte little-endian length prefix, then one msgpack message
 * (Python tractor's framing). One Encoder and one Decoder are reused for the
 * whole process; frames are parsed out of the byte stream without copying
 * unless a frame spans socket reads.
 */
import { Decoder, Encoder } from '@msgpack/msgpack';
import { TransportClosed } from '../errors.ts';

/** Default largest frame accepted from a peer: 64 MiB. */
export const DEFAULT_MAX_FRAME = 64 * 1024 * 1024;

const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder();

/** Encode `msg`; the result is a view into a shared buffer, valid until the next call. */
export function encodeShared(msg: unknown): Uint8Array {
  return encoder.encodeSharedRef(msg);
}

export function decodeBody(body: Uint8Array): unknown {
  return decoder.decode(body);
}

/** Splits a byte stream into frame bodies. */
export class FrameReader {
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(readonly maxFrame: number = DEFAULT_MAX_FRAME) {}

  /** Feed a chunk; `onFrame` is called for every complete frame body. Throws on an oversized length prefix. */
  push(chunk: Buffer, onFrame: (body: Buffer) => void): void {
    let buf: Buffer;
    if (this.#size === 0) {
      buf = chunk;
    } else {
      this.#chunks.push(chunk);
      this.#size += chunk.length;
      const need = this.#needed();
      if (need === undefined || this.#size < need) return;
      buf = Buffer.concat(this.#chunks, this.#size);
      this.#chunks = [];
      this.#size = 0;
    }
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32LE(off);
      this.#check(len);
      if (buf.length - off - 4 < len) break;
      onFrame(buf.subarray(off + 4, off + 4 + len));
      off += 4 + len;
    }
    if (off < buf.length) {
      const rest = buf.subarray(off);
      this.#chunks = [rest];
      this.#size = rest.length;
    }
  }

  /** Bytes buffered but not yet a whole frame. */
  get pending(): number {
    return this.#size;
  }

  #needed(): number | undefined {
    const first = this.#chunks[0]!;
    if (first.length >= 4) return 4 + this.#check(first.readUInt32LE(0));
    if (this.#size < 4) return undefined;
    const head = Buffer.concat(this.#chunks, this.#size);
    return 4 + this.#check(head.readUInt32LE(0));
  }

  #check(len: number): number {
    if (len > this.maxFrame) {
      throw new TransportClosed(`frame of ${len} bytes exceeds the limit of ${this.maxFrame} bytes ` +
        '(raise it with the maxFrameBytes option if the peer really sends such payloads)');
    }
    return len;
  }
}
