/**
 * The pool helpers of `openActorCluster`: `run` on the least busy portal and
 * `map` over many items with bounded concurrency, results in order or as
 * they come, and no call outliving the iteration that made it.
 *
 * Why `map` exists: one call per item, awaited one at a time, leaves every
 * actor idle for a round trip per item; keeping `concurrency` calls in
 * flight (2 per actor by default: one running, one queued behind it) hides
 * that round trip.
 */
import { InvalidArgument } from '../errors.ts';
import type { ArgsOf, Portal, RemoteFn, ResultOf } from './portal.ts';
import { currentSignal } from './scope.ts';

/** Options of `cluster.map`. */
export interface MapOptions {
  /** Calls in flight at most (default 2 per actor). */
  concurrency?: number;
  /** Yield results in input order (default true); false yields each as it comes. */
  ordered?: boolean;
  /** Cancels the map (default: the ambient signal). */
  signal?: AbortSignal;
}

/** Portals with their number of calls in flight. */
export class Pool {
  readonly #portals: Portal[];
  readonly #busy: number[];
  #next = 0;

  constructor(portals: Portal[]) {
    this.#portals = portals;
    this.#busy = portals.map(() => 0);
  }

  get size(): number {
    return this.#portals.length;
  }

  /** The least busy portal's index; ties go round-robin. */
  #pick(): number {
    let best = -1;
    for (let k = 0; k < this.#portals.length; k++) {
      const i = (this.#next + k) % this.#portals.length;
      if (best < 0 || this.#busy[i]! < this.#busy[best]!) best = i;
    }
    this.#next = (best + 1) % this.#portals.length;
    return best;
  }

  async run<F extends RemoteFn>(fn: F, args: ArgsOf<F> | undefined, signal?: AbortSignal): Promise<ResultOf<F>> {
    if (!this.#portals.length) throw new InvalidArgument('the cluster has no actors to run on');
    const i = this.#pick();
    this.#busy[i]!++;
    try {
      return await this.#portals[i]!.run(fn, args, { signal });
    } finally {
      this.#busy[i]!--;
    }
  }
}

/** `cluster.map`: see `ActorCluster.map`. */
export async function* mapOnPool<F extends RemoteFn>(
  pool: Pool, fn: F, items: Iterable<ArgsOf<F>> | AsyncIterable<ArgsOf<F>>, opts: MapOptions = {},
): AsyncGenerator<ResultOf<F>> {
  const concurrency = opts.concurrency ?? 2 * pool.size;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidArgument(`cluster.map: concurrency must be a positive integer, got ${String(opts.concurrency)}`);
  }
  const source = toAsyncIterator(items);
  const ordered = opts.ordered ?? true;
  // Our own controller: stopping the iteration (break, an error) cancels every call still in flight.
  const ac = new AbortController();
  const outer = opts.signal ?? currentSignal();
  const stop = () => ac.abort(outer.reason);
  outer.addEventListener('abort', stop, { once: true });
  if (outer.aborted) stop();
  type Slot = { index: number; done: Promise<Slot>; outcome?: { value: ResultOf<F> } | { error: unknown } };
  const inFlight = new Map<number, Slot>();
  const finished = new Map<number, Slot>();
  let taken = 0;
  let nextOut = 0;
  let exhausted = false;
  const launch = (args: ArgsOf<F>) => {
    const slot = { index: taken++ } as Slot;
    slot.done = pool.run(fn, args, ac.signal).then(
      (value) => ((slot.outcome = { value }), slot),
      (error) => ((slot.outcome = { error }), slot),
    );
    inFlight.set(slot.index, slot);
  };
  try {
    for (;;) {
      while (!exhausted && inFlight.size + finished.size < concurrency) {
        if (ac.signal.aborted) throw ac.signal.reason;
        const step = await source.next();
        if (step.done) exhausted = true;
        else launch(step.value);
      }
      if (ordered && finished.has(nextOut)) {
        yield take(finished, nextOut++);
        continue;
      }
      if (!inFlight.size) return; // exhausted, and every result was yielded
      const slot = await Promise.race([...inFlight.values()].map((s) => s.done));
      inFlight.delete(slot.index);
      if ('error' in slot.outcome!) throw slot.outcome.error;
      if (ordered) finished.set(slot.index, slot);
      else yield slot.outcome!.value;
    }
  } finally {
    outer.removeEventListener('abort', stop);
    if (inFlight.size) {
      ac.abort(new DOMException('cluster.map stopped: its iteration ended', 'AbortError'));
      await Promise.allSettled([...inFlight.values()].map((s) => s.done));
    }
    await source.return?.();
  }
}

function take<T>(finished: Map<number, { outcome?: { value: T } | { error: unknown } }>, index: number): T {
  const slot = finished.get(index)!;
  finished.delete(index);
  return (slot.outcome as { value: T }).value;
}

function toAsyncIterator<T>(items: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> {
  if (items && typeof (items as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') return (items as AsyncIterable<T>)[Symbol.asyncIterator]();
  if (items && typeof (items as Iterable<T>)[Symbol.iterator] === 'function') {
    const it = (items as Iterable<T>)[Symbol.iterator]();
    return { next: async () => it.next(), return: async () => it.return?.() ?? { done: true, value: undefined } };
  }
  throw new InvalidArgument('cluster.map(fn, items) needs an iterable or async iterable of arguments');
}
