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
 * `msgBufferSize` moves to that window as it grants; `allowOverruns` grants
 * without bound.
 */
import { DEFAULT_BUFFER } from './receive-buffer.ts';

/** The window both sides assume before any `Credit` message. */
export const INITIAL_CREDIT = DEFAULT_BUFFER;

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
  #unbounded = false;

  /** The window this side grants up to: at most this many messages are ever in flight or buffered (after the first `INITIAL_CREDIT`). */
  get window(): number {
    return Math.max(this.#window, this.#outstanding);
  }

  /** The consumer took one message: the credit to grant now (0: none yet; grants are batched by half a window). */
  taken(): number {
    if (this.#unbounded) return 0;
    this.#outstanding--;
    return this.#topUp(Math.max(1, this.#window >> 1));
  }

  /** This side opened its stream with `window` messages (or without bound): the credit to grant now (`null`: unbounded). */
  resize(window: number, unbounded: boolean): number | null {
    if (this.#unbounded) return 0;
    if (unbounded) {
      this.#unbounded = true;
      return null;
    }
    this.#window = window;
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
