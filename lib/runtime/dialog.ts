/**
 * `Dialog`: the inbox of one conversation (one `cid`) on one channel. The
 * actor routes every message carrying that `cid` here; the side that owns the
 * dialog pulls them with `next()`.
 */
import type { DialogMsg } from '../msg/types.ts';

export class Dialog {
  #queue: DialogMsg[] = [];
  #head = 0;
  #waiter: { resolve: (m: DialogMsg) => void; reject: (e: unknown) => void } | undefined;
  #error: unknown;

  readonly cid: string;

  constructor(cid: string) {
    this.cid = cid;
  }

  deliver(msg: DialogMsg): void {
    // After a failure, what the peer sent later is its consequence (the peer's own task cancelled, say): the failure is what the owner reads.
    if (this.#error !== undefined) return;
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w.resolve(msg);
    } else this.#queue.push(msg);
  }

  /** End the dialog with an error (channel closed, cancelled); messages already queued are still handed out first. */
  fail(err: unknown): void {
    if (this.#error !== undefined) return;
    this.#error = err;
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w.reject(err);
    }
  }

  /** Take a queued message without waiting, if there is one. */
  poll(): DialogMsg | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const m = this.#queue[this.#head++]!;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
    return m;
  }

  next(): Promise<DialogMsg> {
    const m = this.poll();
    if (m) return Promise.resolve(m);
    if (this.#error !== undefined) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }
}
