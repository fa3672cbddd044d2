/**
 * Cancellation scopes: an explicit parent -> child tree of AbortControllers,
 * and the ambient scope of the running task (AsyncLocalStorage), with the
 * one check that a task whose scope the debugger quit fails with that quit.
 *
 * Why not `AbortSignal.any`: on Node it keeps every derived signal alive as
 * long as a long-lived source signal lives, so one per RPC call leaks. Here a
 * child scope registers a callback on its parent and removes it when closed.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DebuggerQuit } from '../errors.ts';
import { dynamicImport } from './import-module.ts';

/** One node of the cancellation tree. */
export class Scope {
  // The AbortController is made on first use of `signal`: most scopes (one per
  // served task) are never asked for one, and creating it is not free.
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  #onAbort = new Set<(reason: unknown) => void>();
  #unlinks: (() => void)[] = [];

  constructor(parents: (Scope | AbortSignal | undefined)[] = []) {
    for (const p of parents) if (p) this.link(p);
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** Abort this scope (and every scope linked below it) with `reason`. */
  abort(reason: unknown = new DOMException('This operation was aborted', 'AbortError')): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const callbacks = [...this.#onAbort];
    this.#onAbort.clear();
    for (const cb of callbacks) {
      // One failing reaction must not stop the rest of the tree from being cancelled.
      try {
        cb(reason);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** Call `cb` when this scope aborts; returns the function that unregisters it. */
  onAbort(cb: (reason: unknown) => void): () => void {
    if (this.aborted) {
      cb(this.reason);
      return () => {};
    }
    this.#onAbort.add(cb);
    return () => this.#onAbort.delete(cb);
  }

  /** Abort this scope when `parent` aborts, until {@link close}. */
  link(parent: Scope | AbortSignal): void {
    const cb = (reason: unknown) => this.abort(reason);
    if (parent instanceof Scope) {
      this.#unlinks.push(parent.onAbort(cb));
    } else if (parent.aborted) {
      this.abort(parent.reason);
    } else {
      const listener = () => this.abort(parent.reason);
      parent.addEventListener('abort', listener, { once: true });
      this.#unlinks.push(() => parent.removeEventListener('abort', listener));
    }
  }

  /** Unlink from every parent. The scope keeps its aborted state. */
  close(): void {
    for (const u of this.#unlinks) u();
    this.#unlinks = [];
  }
}

/** What the runtime knows about the running task. */
export interface TaskFrame {
  scope: Scope;
  /** The dialog (remote task context) this task serves, if it is a remote task. */
  ctx?: unknown;
  /** The legacy task (infect/, `toPromise`) running, to name where an escaped error came from. */
  legacy?: string;
}

export const taskStorage = new AsyncLocalStorage<TaskFrame>();

/** The process-wide fallback scope: aborted when this actor is cancelled. */
let processScope = new Scope();

export function setProcessScope(scope: Scope): void {
  processScope = scope;
}


/** The scope of the running task, or the actor's own scope outside any task. */
export function currentScope(): Scope {
  return taskStorage.getStore()?.scope ?? processScope;
}

/**
 * The ambient cancellation signal of the current task: the remote task's own
 * signal inside an RPC target, the root task's in `run(main)`, the actor's
 * otherwise. The library's own awaits honour it; pass it to your own I/O.
 *
 * @example
 * ```ts
 * export async function fetchIt(args: { url: string }) {
 *   return (await fetch(args.url, { signal: tractor.currentSignal() })).status;
 * }
 * ```
 */
export function currentSignal(): AbortSignal {
  return currentScope().signal;
}

/**
 * Throw the `DebuggerQuit` that `scope` was cancelled with, if it was: `q`
 * in the REPL after stepping past `pause()` quits through the task's scope,
 * and a task (an RPC target, a context endpoint, the root's main) that
 * returned anyway fails with it instead of returning.
 */
export function throwIfDebuggerQuit(scope: Scope): void {
  if (scope.reason instanceof DebuggerQuit) throw scope.reason;
}

/** Run `fn` with `scope` as the ambient scope. */
export function withScope<T>(scope: Scope, fn: () => T, ctx?: unknown): T {
  return taskStorage.run({ scope, ctx }, fn);
}

// abort-controller-x is loaded on first use: an actor that never sleeps does not pay for it at spawn.
let abortable: Promise<typeof import('abort-controller-x')> | undefined;
const helpers = () => (abortable ??= dynamicImport<typeof import('abort-controller-x')>('abort-controller-x'));

/**
 * Sleep `ms`; rejects with the abort reason if `signal` (default: the ambient one) aborts first.
 *
 * @example
 * ```ts
 * await tractor.sleep(100);
 * ```
 */
export async function sleep(ms: number, signal: AbortSignal = currentSignal()): Promise<void> {
  return (await helpers()).delay(signal, ms);
}

/**
 * Wait until `signal` (default: the ambient one) aborts, then reject with its reason.
 *
 * @example
 * ```ts
 * export async function serveUntilCancelled() { await tractor.sleepForever(); }
 * ```
 */
export async function sleepForever(signal: AbortSignal = currentSignal()): Promise<never> {
  foreverSleepers++;
  try {
    return await (await helpers()).forever(signal);
  } finally {
    foreverSleepers--;
  }
}

let foreverSleepers = 0;

/** Whether some task sleeps until cancelled (it waits on purpose: runtime/forgotten.ts does not call that idle). */
export function sleepingForever(): boolean {
  return foreverSleepers > 0;
}

/**
 * Call `cb` once when any of `sources` aborts; returns the unlink function.
 * Cheaper than a child `Scope` for a call that only needs to react.
 */
export function onAnyAbort(sources: (Scope | AbortSignal | undefined)[], cb: (reason: unknown) => void): () => void {
  let fired = false;
  const unlinks: (() => void)[] = [];
  const unlinkAll = () => {
    for (const u of unlinks) u();
  };
  const fire = (reason: unknown) => {
    if (fired) return;
    fired = true;
    unlinkAll();
    cb(reason);
  };
  for (const s of sources) {
    if (!s) continue;
    if (s instanceof Scope) unlinks.push(s.onAbort(fire));
    else if (s.aborted) fire(s.reason);
    else {
      const listener = () => fire(s.reason);
      s.addEventListener('abort', listener, { once: true });
      unlinks.push(() => s.removeEventListener('abort', listener));
    }
    if (fired) break;
  }
  return unlinkAll;
}

/** The abort reason of the first already-aborted source, if any. */
export function abortedReason(sources: (Scope | AbortSignal | undefined)[]): { reason: unknown } | undefined {
  for (const s of sources) if (s?.aborted) return { reason: s.reason };
  return undefined;
}
