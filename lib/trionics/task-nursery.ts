/**
 * `openTaskNursery()`: trio's `open_nursery()` for the Promise tasks of one
 * actor. Every task runs under the nursery's scope (so `currentSignal()`,
 * `sleep()` and portal calls inside it honour the nursery's cancellation), a
 * task's error cancels its siblings, and disposal waits for every task.
 *
 * It builds on the runtime's cancellation scopes (runtime/scope.ts, which
 * depends on nothing but `node:async_hooks`): the nursery's scope is a child
 * of the ambient one, so cancelling the enclosing RPC task or the actor
 * reaches every task.
 */
import { Cancelled, InvalidArgument, RuntimeUsageError } from '../errors.ts';
import { currentScope, Scope, taskStorage, withScope } from '../runtime/scope.ts';

/**
 * A set of concurrent tasks inside one actor, supervised with trio's rules.
 *
 * - `startSoon(fn)` runs `fn(signal)` at once; its promise is pre-handled
 *   (never an unhandled rejection) and may be awaited for the task's value.
 * - `start(fn)` runs `fn(signal, started)` and resolves at `started(value)`,
 *   as trio's `nursery.start`.
 * - A task's error cancels every other task (their `signal` aborts with that
 *   error as its reason) and is raised at disposal: one as itself, several as
 *   one `AggregateError`. An error the body already received by awaiting
 *   the task's promise is not raised again.
 * - Disposal waits for every task (it does not cancel them: call `cancel()`
 *   or let a task fail for that). A cancellation the nursery itself caused,
 *   or the enclosing task's, is not an error of the nursery.
 *
 * @example
 * ```ts
 * export const pump = tractor.context(async (ctx) => {
 *   await ctx.started();
 *   await using tn = tractor.openTaskNursery();
 *   tn.startSoon((signal) => feed(signal));
 *   tn.startSoon((signal) => drain(signal));
 * }); // leaves once both ended; if one fails, the other is cancelled
 * ```
 */
export class TaskNursery implements AsyncDisposable {
  readonly #scope: Scope;
  readonly #ctx: unknown;
  readonly #tasks = new Set<Promise<unknown>>();
  readonly #errors: unknown[] = [];
  readonly #delivered = new WeakSet<object>();
  #closed = false;

  /** @internal */
  constructor() {
    this.#scope = new Scope([currentScope()]);
    this.#ctx = taskStorage.getStore()?.ctx;
  }

  /** Aborted when the nursery is cancelled: `cancel()`, a task's error, or the enclosing task's cancellation. */
  get signal(): AbortSignal {
    return this.#scope.signal;
  }

  /** Cancel every task of this nursery (their signal aborts); disposal still waits for them to end. */
  cancel(): void {
    this.#scope.abort(new Cancelled('the task nursery was cancelled'));
  }

  /** Run `fn(signal)` as a task of this nursery; resolves with its value. */
  startSoon<T>(fn: (signal: AbortSignal) => Promise<T> | T): Promise<T> {
    this.#assertOpen('startSoon', fn);
    return this.#handOut(this.#run(() => fn(this.#scope.signal)));
  }

  /**
   * Run `fn(signal, started)` as a task of this nursery; resolves with the
   * value given to `started(value)` while the task keeps running. A task that
   * fails first rejects it with its error; one that returns without calling
   * `started` rejects it with a `RuntimeUsageError`.
   */
  start<T = void>(fn: (signal: AbortSignal, started: (value: T) => void) => Promise<unknown> | unknown): Promise<T> {
    this.#assertOpen('start', fn);
    const { promise, resolve, reject } = withResolvers<T>();
    let isStarted = false;
    const started = (value: T) => {
      if (isStarted) throw new RuntimeUsageError('started() called twice by one task of a task nursery');
      isStarted = true;
      resolve(value);
    };
    this.#run(() => fn(this.#scope.signal, started)).then(
      () => reject(new RuntimeUsageError(`task '${fn.name || 'anonymous'}' ended without calling started(): start() needs it (use startSoon() otherwise)`)),
      reject,
    );
    return this.#handOut(promise);
  }

  /** Wait for every task (even those started while waiting), then raise their errors once. */
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      while (this.#tasks.size) await Promise.allSettled([...this.#tasks]);
    } finally {
      this.#closed = true;
      this.#scope.close();
    }
    const pending = this.#errors.filter((e) => !this.#wasDelivered(e));
    if (pending.length === 1) throw pending[0];
    if (pending.length > 1) {
      throw new AggregateError(pending, `${pending.length} tasks failed: ${pending.map((e) => (e as Error)?.message ?? String(e)).join('; ')}`);
    }
  }

  #assertOpen(what: string, fn: unknown): void {
    if (typeof fn !== 'function') throw new InvalidArgument(`taskNursery.${what}(fn) needs a function, got ${typeof fn}`);
    if (this.#closed) throw new RuntimeUsageError(`taskNursery.${what}() after the nursery's block ended: start tasks inside its \`await using\` block`);
  }

  /** Start one task under the nursery's scope; its failure is recorded and cancels the siblings. */
  #run<T>(body: () => Promise<T> | T): Promise<T> {
    const task = withScope(this.#scope, () => {
      try {
        return Promise.resolve(body());
      } catch (err) {
        return Promise.reject(err);
      }
    }, this.#ctx);
    this.#tasks.add(task);
    const forget = () => this.#tasks.delete(task);
    task.then(forget, (err) => {
      forget();
      if (this.#isCancellation(err)) return;
      this.#errors.push(err);
      // One-cancels-all: the error is the abort reason, so siblings see what happened.
      this.#scope.abort(err);
    });
    return task;
  }

  /** True when `err` is this nursery's (or its enclosing task's) cancellation surfacing in a task. */
  #isCancellation(err: unknown): boolean {
    if (!this.#scope.aborted) return false;
    return err === this.#scope.reason || err instanceof Cancelled || (err as Error)?.name === 'AbortError';
  }

  /**
   * The promise given to the caller: pre-handled (a task's error is raised by
   * the nursery, never as an unhandled rejection), and an error the caller
   * took (awaited it, or attached a rejection handler) counts as delivered,
   * so disposal does not raise it a second time.
   */
  #handOut<T>(p: Promise<T>): Promise<T> {
    const out = new TaskPromise<T>((resolve) => resolve(p));
    out.onTaken = (err) => {
      if (typeof err === 'object' && err !== null) this.#delivered.add(err);
    };
    Promise.prototype.then.call(out, undefined, () => {});
    return out;
  }

  #wasDelivered(err: unknown): boolean {
    return typeof err === 'object' && err !== null && this.#delivered.has(err);
  }
}

/**
 * A task's promise that knows when its rejection is taken. A subclass, so
 * that `await` goes through its `then` (it does not for a plain Promise);
 * what it derives (`then`, `catch`, `finally`) is a plain Promise.
 */
class TaskPromise<T> extends Promise<T> {
  onTaken: ((err: unknown) => void) | undefined;

  static override get [Symbol.species]() {
    return Promise;
  }

  override then<R1 = T, R2 = never>(
    onValue?: ((v: T) => R1 | PromiseLike<R1>) | null,
    onError?: ((e: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    if (!onError) return super.then(onValue);
    return super.then(onValue, (err) => {
      this.onTaken?.(err);
      return onError(err);
    });
  }
}

function withResolvers<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Open a task nursery under the ambient scope: `await using tn = tractor.openTaskNursery()`.
 *
 * @example
 * ```ts
 * await using tn = tractor.openTaskNursery();
 * const port = await tn.start(async (signal, started) => { const s = await listen(signal); started(s.port); await s.closed; });
 * tn.startSoon((signal) => tractor.sleep(1000, signal));
 * ```
 */
export function openTaskNursery(): TaskNursery {
  return new TaskNursery();
}
