/**
 * The unbounded in-process queue between a legacy task and the SC side of
 * `openChannelFrom` (the twin of the memory channels of Python tractor's
 * `LinkedTaskChannel`). Unbounded because legacy code calls `send` without
 * awaiting: it could not be made to wait.
 */
import { EndOfStream } from '../errors.ts';
import { receiveAll } from '../trionics/receive-all.ts';

export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #head = 0;
  #waiters: { resolve: (v: T) => void; reject: (e: unknown) => void }[] = [];
  #end: { err: unknown } | undefined;

  /** Add `value`; false once the queue has ended (the value is dropped). */
  push(value: T): boolean {
    if (this.#end) return false;
    const w = this.#waiters.shift();
    if (w) w.resolve(value);
    else this.#items.push(value);
    return true;
  }

  /** No more values: once the buffered ones are taken, `receive` rejects with `EndOfStream`. */
  end(): void {
    this.#finish(new EndOfStream('the other side closed the channel'));
  }

  /** No more values: once the buffered ones are taken, `receive` rejects with `err`. */
  fail(err: unknown): void {
    this.#finish(err);
  }

  receive(): Promise<T> {
    if (this.#head < this.#items.length) {
      const v = this.#items[this.#head++]!;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve(v);
    }
    if (this.#end) return Promise.reject(this.#end.err);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return receiveAll(() => this.receive());
  }

  #finish(err: unknown): void {
    if (this.#end) return;
    this.#end = { err };
    for (const w of this.#waiters.splice(0)) w.reject(err);
  }
}
