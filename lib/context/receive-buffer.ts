/**
 * `ReceiveBuffer`: the receive side of one dialog's stream (a context's, a
 * legacy stream's): the bounded queue of messages received and not yet read,
 * the overrun policy, the discarding of what arrives once this side stopped
 * reading, and the readers waiting for the next message.
 *
 * The overrun policy: a full buffer refuses a message (the channel then stops
 * reading, so TCP slows the sender, and retries) unless overruns are
 * allowed, when it grows instead. A refusal that cannot wait is a
 * `StreamOverrun` ({@link overrunError}); after it (or after a message that
 * could not be decoded) what follows is dropped. Whom the overrun fails (the
 * served task, or the sending peer), what a reader gets once the buffer is
 * empty, and any stream credit to grant as messages leave are the dialog's,
 * through the {@link ReceiveOwner} it implements.
 */
import { InvalidArgument, StreamOverrun } from '../errors.ts';
import type { Channel } from '../ipc/channel.ts';
import { getLogger } from '../log.ts';
import type { Wakeup } from '../trionics/wakeup.ts';
import { fmtUid, type Uid } from '../uid.ts';
import { peerName } from './outcome.ts';

const log = getLogger('context');

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

/** What a receive buffer needs of the dialog it belongs to. */
export interface ReceiveOwner {
  /** This side was overrun by `err` (or could not decode a message): fail whom the dialog's rules say. */
  overran(err: Error): void;
  /** A message left the buffer, read or discarded: a dialog with stream credit grants here. */
  taken(): void;
  /** The buffer is empty: throw what a reader gets now (this side's overrun, the dialog's error or end), or return to wait. */
  raiseEnd(): void;
}

export class ReceiveBuffer {
  #items: unknown[] = [];
  #head = 0;
  /** How many unread messages it holds before refusing more (a sender without credit). */
  limit = DEFAULT_BUFFER;
  /** Grow without bound instead of refusing (opt-in). */
  allowOverruns: boolean;
  readonly #owner: ReceiveOwner;
  /** The dialog's wakeup: a reader waits on it, a message or an overrun wakes it. */
  readonly #changes: Wakeup;
  readonly #self: Uid;
  readonly #chan: Channel;
  readonly #cid: string;
  #overrun: Error | undefined;
  /** This side reads no more (`break`, disposal): stream messages are counted and dropped. */
  #discarding = false;
  /** Messages dropped since the last warning about them. */
  #discarded = 0;
  #discardWarned = false;

  constructor(init: { owner: ReceiveOwner; changes: Wakeup; self: Uid; chan: Channel; cid: string; allowOverruns?: boolean }) {
    this.#owner = init.owner;
    this.#changes = init.changes;
    this.#self = init.self;
    this.#chan = init.chan;
    this.#cid = init.cid;
    this.allowOverruns = init.allowOverruns ?? false;
  }

  /** This side's overrun, or the error of a message it could not decode: both drop what follows. */
  get overrun(): Error | undefined {
    return this.#overrun;
  }

  /** True once this side stopped reading ({@link discardRest}). */
  get discarding(): boolean {
    return this.#discarding;
  }

  /**
   * Buffer one stream message. A full buffer (`window` messages: the
   * sender's credit window, else {@link limit}) refuses it, false, while
   * `mustAccept` is false; then this side is overrun. A sender within its
   * credit passes `mustAccept`: a full buffer means it broke the protocol.
   */
  push(pld: unknown, mustAccept: boolean, window = this.limit): boolean {
    if (this.#overrun) return true; // dropped: this side already raised StreamOverrun for it
    if (this.#discarding) {
      this.#discard(1);
      this.#owner.taken();
      return true;
    }
    if (this.#items.length - this.#head >= window && !this.allowOverruns) {
      if (!mustAccept) return false;
      this.overrunBy();
      return true;
    }
    this.#items.push(pld);
    if (this.#changes.waiting) this.#changes.wakeAll();
    return true;
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
    this.#owner.taken();
    return v;
  }

  /** The next message: a buffered one first, else what the dialog raises (its error or end), else the next change. */
  async receive(): Promise<unknown> {
    for (;;) {
      const v = this.take();
      if (v !== NOTHING) return v;
      this.#owner.raiseEnd();
      await this.#changes.wait();
    }
  }

  /**
   * This side is overrun (`broken`: a message of the dialog could not be
   * decoded, which counts as one): readers raise it after what came before,
   * and what follows is dropped.
   */
  overrunBy(broken?: Error): void {
    const err = broken ?? overrunError(this.#self, peerName(this.#chan), this.#cid, this.limit);
    this.#overrun = err;
    log.warning('%s', err.message);
    this.#owner.overran(err);
    this.#changes.wakeAll();
  }

  /** This side reads no more: drop what is buffered and what still arrives, never silently. */
  discardRest(): void {
    if (this.#discarding) return;
    this.#discarding = true;
    let n = 0;
    while (this.take() !== NOTHING) n++;
    this.#discard(n);
    this.#changes.wakeAll();
  }

  /** Count `n` dropped messages; a warning gives the count: at once for the first, then at most once a second. */
  #discard(n: number): void {
    if (n === 0) return;
    if (this.#discarded === 0) {
      const first = !this.#discardWarned;
      this.#discardWarned = true;
      const report = first ? setImmediate : (f: () => void) => setTimeout(f, 1000).unref();
      report(() => {
        log.warning('context %s: discarded %d stream message(s) from %s that arrived after this side stopped reading (break or disposal); ' +
          'to read everything the peer sends, call stream.close() and keep iterating', this.#cid, this.#discarded, peerName(this.#chan));
        this.#discarded = 0;
      });
    }
    this.#discarded += n;
  }
}
