/**
 * Framing: a 4-byte little-endian length prefix, then one msgpack message
 * (Python tractor's framing). Frames are parsed out of the byte stream
 * without copying unless a frame spans socket reads.
 */
import { TransportClosed } from '../errors.ts';

/** Default largest frame accepted from a peer: 64 MiB. */
export const DEFAULT_MAX_FRAME = 64 * 1024 * 1024;


/**
 * Splits a byte stream into frame bodies. A frame within one read is a view
 * of it (no copy). A frame that spans reads is gathered as views of them and
 * copied once, when complete, into a buffer of exactly its size: never the
 * bytes of the frames around it, which would be copied again with the next
 * read (a 64 KiB frame nearly always spans two).
 */
export class FrameReader {
  /** Body length of the frame being gathered, or -1 if none is. */
  #len = -1;
  /** Its bytes received so far (views of the reads). */
  #parts: Buffer[] = [];
  #have = 0;
  /** The first bytes (fewer than 4) of a length prefix cut by the end of a read. */
  #prefix: Buffer | undefined;

  /** Largest frame body accepted, in bytes (a child's is set once its `SpawnSpec` says it). */
  maxFrame: number;
  /** Frames completed so far. */
  frames = 0;

  constructor(maxFrame: number = DEFAULT_MAX_FRAME) {
    this.maxFrame = maxFrame;
  }

  /** Declared body length of the frame being gathered, or -1 if none is. */
  get declared(): number {
    return this.#len;
  }

  /**
   * Feed a chunk; `onFrame` is called for every complete frame, with the
   * body's bounds in `buf` (bounds rather than a view: most frames are read
   * through a view of their payload alone, so making a Buffer of each body
   * would cost an allocation per message for nothing). Throws on an
   * oversized length prefix.
   */
  push(chunk: Buffer, onFrame: (buf: Buffer, start: number, end: number) => void): void {
    let buf = chunk;
    if (this.#len >= 0) {
      const want = this.#len - this.#have;
      if (buf.length < want) {
        this.#parts.push(buf);
        this.#have += buf.length;
        return;
      }
      this.#parts.push(buf.subarray(0, want));
      const body = Buffer.concat(this.#parts, this.#len);
      this.#len = -1;
      this.#parts = [];
      this.#have = 0;
      buf = buf.subarray(want);
      this.frames++;
      onFrame(body, 0, body.length);
    } else if (this.#prefix) {
      buf = Buffer.concat([this.#prefix, buf]);
      this.#prefix = undefined;
    }
    let off = 0;
    while (buf.length - off >= 4) {
      const len = this.#check(buf.readUInt32LE(off));
      if (buf.length - off - 4 < len) {
        // The frame goes on in the next reads.
        this.#len = len;
        this.#parts = [buf.subarray(off + 4)];
        this.#have = buf.length - off - 4;
        return;
      }
      this.frames++;
      onFrame(buf, off + 4, off + 4 + len);
      off += 4 + len;
    }
    if (off < buf.length) this.#prefix = buf.subarray(off);
  }

  /** Bytes buffered but not yet a whole frame. */
  get pending(): number {
    return this.#len >= 0 ? 4 + this.#have : (this.#prefix?.length ?? 0);
  }

  #check(len: number): number {
    if (len > this.maxFrame) {
      throw new TransportClosed(`frame of ${len} bytes exceeds this actor's limit of ${this.maxFrame} bytes ` +
        '(raise it with the maxFrameBytes option of this actor, RootOptions or SpawnOptions, if the peer really sends such payloads)', { reason: 'protocol' });
    }
    return len;
  }
}
