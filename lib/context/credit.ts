/**
 * Per-stream credit (SPEC "Backpressure"), between tractor-ts peers that
 * both announced `stream_credit` in their `Aid`'s `tractor_ts` field: the receiver of a context
 * stream grants its sender room as its consumer takes messages, so the
 * sender waits instead of overrunning it, and a stalled stream holds up
 * only itself (its channel keeps reading for the other dialogs).
 *
 * Both sides start from the same implicit window, {@link INITIAL_CREDIT}
 * messages (tractor's default `msgBufferSize`), so the first messages need
 * no round trip. A receiver that opens its stream with another
 * `msgBufferSize` moves to exactly that window as it grants; `allowOverruns`
 * grants without bound.
 *
 * Why the default window grows for small messages: a sender can have at
 * most a window of messages ahead of the grants, so a stream moves at most
 * one window per round trip of a grant (two event-loop turns and a socket
 * each way, 100-300 µs between processes). 64 messages of a few bytes each
 * are gone in far less than that, and such a stream ran at a fifth of the
 * socket's speed. So, for a stream opened without `msgBufferSize`, the
 * window is what the messages weigh: as many as fit in
 * {@link WINDOW_BYTES} (by the average size of the last frames received),
 * never fewer than the default 64 nor more than {@link MAX_WINDOW}. Memory
 * stays bounded by bytes as well as by count, as HTTP/2's byte windows do.
 */
import { DEFAULT_BUFFER } from './receive-buffer.ts';

/** The window both sides assume before any `Credit` message. */
export const INITIAL_CREDIT = DEFAULT_BUFFER;

/** What the messages a default window admits may weigh together (by their average frame size). */
export const WINDOW_BYTES = 256 * 1024;

/** The most messages a default window admits, however small they are. */
export const MAX_WINDOW = 16 * DEFAULT_BUFFER;

/** How many frames a default window's size is averaged over, each time it is sized. */
const SIZE_SAMPLE = 16;

/** The sender's side: how many more messages it may send. */
export class SendCredit {
  #left = INITIAL_CREDIT;
  #unbounded = false;

  /** True if one more message may go now; takes it from the credit. */
  take(): boolean {
    if (this.#unbounded) return true;
    if (this.#left === 0) return false;
    this.#left--;
    return true;
  }

  /** The receiver granted `n` more messages (`null`: without bound). */
  grant(n: number | null): void {
    if (n === null) this.#unbounded = true;
    else this.#left += n;
  }
}

/** The receiver's side: when to grant, and how much. */
export class GrantCredit {
  /** Messages the sender may have sent and this side not taken yet. */
  #outstanding = INITIAL_CREDIT;
  #window = INITIAL_CREDIT;
  /** The window follows the messages' size (no explicit `msgBufferSize`). */
  #bySize = true;
  /** Bytes and count of the frames received since the window was last sized by them. */
  #bytes = 0;
  #frames = 0;
  #unbounded = false;

  /** The most messages that can be in flight or buffered now: a sender within its credit never has more. */
  get window(): number {
    return Math.max(this.#window, this.#outstanding);
  }

  /** A message of `bytes` (its frame; undefined if unknown) arrived: a default window follows their size. */
  arrived(bytes: number | undefined): void {
    if (!this.#bySize || bytes === undefined) return;
    // Two additions per message; the window is sized once per SIZE_SAMPLE frames, by their average.
    this.#bytes += bytes;
    if (++this.#frames < SIZE_SAMPLE) return;
    const fit = Math.floor((WINDOW_BYTES * this.#frames) / Math.max(1, this.#bytes));
    this.#window = Math.min(MAX_WINDOW, Math.max(INITIAL_CREDIT, fit));
    this.#bytes = 0;
    this.#frames = 0;
  }

  /** The consumer took one message: the credit to grant now (0: none yet; grants are batched by half a window). */
  taken(): number {
    if (this.#unbounded) return 0;
    this.#outstanding--;
    return this.#topUp(Math.max(1, this.#window >> 1));
  }

  /**
   * This side opened its stream: with an explicit `msgBufferSize` (`window`;
   * undefined: the default, sized by the messages) or without bound. The
   * credit to grant now (`null`: unbounded).
   */
  resize(window: number | undefined, unbounded: boolean): number | null {
    if (this.#unbounded) return 0;
    if (unbounded) {
      this.#unbounded = true;
      return null;
    }
    if (window !== undefined) {
      this.#bySize = false;
      this.#window = window;
    }
    return this.#topUp(1);
  }

  /** Grant up to the window when at least `batch` messages of room are free. */
  #topUp(batch: number): number {
    const room = this.#window - this.#outstanding;
    if (room < batch) return 0;
    this.#outstanding += room;
    return room;
  }
}
