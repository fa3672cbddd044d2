/**
 * Broadcast fan-out of one stream to many local consumers: the stream is read
 * once (lazily, by whichever consumer needs the next message first) into a
 * shared log; each subscriber walks the log with its own cursor and bounded
 * lag. The log keeps only what the slowest subscriber may still read.
 */
import { EndOfStream, InvalidArgument, Lagged } from '../errors.ts';
import { receiveAll } from './receive-all.ts';
import { Wakeup } from './wakeup.ts';

/** @internal */
export class BroadcastHub<T> {
  readonly #pull: () => Promise<T>;
  #log: T[] = [];
  /** Sequence number of `#log[0]`. */
  #base = 0;
  #pulling = false;
  #end: { error: unknown } | undefined;
  readonly #changes = new Wakeup();
  readonly #subs = new Set<BroadcastReceiver<T>>();

  constructor(pull: () => Promise<T>) {
    this.#pull = pull;
  }

  subscribe(bufferSize = 64): BroadcastReceiver<T> {
    if (!Number.isInteger(bufferSize) || bufferSize < 1) throw new InvalidArgument(`bufferSize must be a positive integer, got ${bufferSize}`);
    const sub = new BroadcastReceiver<T>(this, this.#base + this.#log.length, bufferSize);
    this.#subs.add(sub);
    return sub;
  }

  unsubscribe(sub: BroadcastReceiver<T>): void {
    this.#subs.delete(sub);
    this.#trim();
  }

  async receiveFor(sub: BroadcastReceiver<T>): Promise<T> {
    for (;;) {
      const latest = this.#base + this.#log.length;
      if (sub.cursor < latest) {
        const oldestAllowed = Math.max(this.#base, latest - sub.bufferSize);
        if (sub.cursor < oldestAllowed) {
          const skipped = oldestAllowed - sub.cursor;
          sub.cursor = oldestAllowed;
          throw new Lagged(`this subscriber fell ${skipped} messages behind its buffer of ${sub.bufferSize}; ` +
            'it resumes from the oldest message still held (read faster or subscribe with a larger bufferSize)', skipped);
        }
        const value = this.#log[sub.cursor - this.#base]!;
        sub.cursor++;
        this.#trim();
        return value;
      }
      if (this.#end) throw this.#end.error;
      if (!this.#pulling) await this.#pullOne();
      else await this.#changes.wait();
    }
  }

  async #pullOne(): Promise<void> {
    this.#pulling = true;
    try {
      this.#log.push(await this.#pull());
    } catch (error) {
      this.#end = { error };
    } finally {
      this.#pulling = false;
      this.#changes.wakeAll();
    }
  }

  #trim(): void {
    const latest = this.#base + this.#log.length;
    let keepFrom = latest;
    for (const s of this.#subs) keepFrom = Math.min(keepFrom, Math.max(s.cursor, latest - s.bufferSize));
    const drop = keepFrom - this.#base;
    if (drop > 0) {
      this.#log.splice(0, drop);
      this.#base = keepFrom;
    }
  }
}

/**
 * One local consumer of a broadcast stream (from `MsgStream.subscribe`).
 *
 * @example
 * ```ts
 * await using sub = stream.subscribe({ bufferSize: 16 });
 * for await (const msg of sub) console.log(msg);
 * ```
 */
export class BroadcastReceiver<T> implements AsyncIterable<T>, AsyncDisposable {
  /** @internal Sequence number of the next message this subscriber reads. */
  cursor: number;
  #closed = false;
  readonly #hub: BroadcastHub<T>;
  /** How many messages this subscriber may fall behind before it gets `Lagged`. */
  readonly bufferSize: number;

  /** @internal */
  constructor(hub: BroadcastHub<T>, cursor: number, bufferSize: number) {
    this.#hub = hub;
    this.cursor = cursor;
    this.bufferSize = bufferSize;
  }

  /** The next message; rejects with `Lagged` if this subscriber fell too far behind, `EndOfStream` at the end. */
  receive(): Promise<T> {
    if (this.#closed) return Promise.reject(new EndOfStream('this subscription is closed'));
    return this.#hub.receiveFor(this);
  }

  /** Another subscriber of the same stream, from now on. */
  subscribe(opts: { bufferSize?: number } = {}): BroadcastReceiver<T> {
    return this.#hub.subscribe(opts.bufferSize ?? this.bufferSize);
  }

  /** Stop receiving (the stream itself stays open for the others). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.unsubscribe(this);
  }

  /**
   * Every message until the stream ends; leaving the loop closes this subscription.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      yield* receiveAll(() => this.receive());
    } finally {
      this.close();
    }
  }

  /**
   * Close this subscription (see {@link BroadcastReceiver.close}).
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}
