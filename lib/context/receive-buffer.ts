/**
 * `ReceiveBuffer`: the bounded queue of stream messages received and not yet
 * read, with the overrun policy's first half: a full buffer refuses a message
 * (the channel then stops reading, so TCP slows the sender, and retries)
 * unless overruns are allowed, when it grows instead. A refusal that cannot
 * wait is a `StreamOverrun` ({@link overrunError}); whom it fails (the
 * served task, or the sending peer) is its dialog's to decide.
 */
import { InvalidArgument, StreamOverrun } from '../errors.ts';
import { fmtUid, type Uid } from '../uid.ts';

/** What {@link ReceiveBuffer.take} returns when no message is waiting. */
export const NOTHING: unique symbol = Symbol('nothing buffered');

/** Default number of unread messages a stream holds (as in tractor). */
export const DEFAULT_BUFFER = 64;

/** `n` if it is a valid `msgBufferSize` (a positive integer); throws `InvalidArgument` otherwise. */
export function validBufferSize(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgument(`msgBufferSize must be a positive integer, got ${n}`);
  return n;
}

/** The `StreamOverrun` of actor `self`, overrun by `peer` on dialog `cid` with a buffer of `limit` messages. */
export function overrunError(self: Uid, peer: string, cid: string, limit: number): StreamOverrun {
  return new StreamOverrun(
    `${fmtUid(self)} was overrun by ${peer} on context ${cid}: its receive buffer of ${limit} ` +
    'messages is full and not being read. Read faster, raise msgBufferSize, or pass allowOverruns: true.');
}

export class ReceiveBuffer {
  #items: unknown[] = [];
  #head = 0;
  /** How many unread messages it holds before refusing more. */
  limit = DEFAULT_BUFFER;
  /** Grow without bound instead of refusing (opt-in). */
  allowOverruns: boolean;

  constructor(allowOverruns = false) {
    this.allowOverruns = allowOverruns;
  }

  /** Queue `v`; false (and nothing queued) when the buffer is full and overruns are not allowed. */
  offer(v: unknown): boolean {
    if (this.#items.length - this.#head >= this.limit && !this.allowOverruns) return false;
    this.#items.push(v);
    return true;
  }

  /** How many unread messages it holds. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Queue `v` whatever the limit (a sender within its credit). */
  push(v: unknown): void {
    this.#items.push(v);
  }

  /** The oldest unread message, taken now; {@link NOTHING} if none is waiting. */
  take(): unknown {
    if (this.#head === this.#items.length) return NOTHING;
    const v = this.#items[this.#head++];
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return v;
  }
}
