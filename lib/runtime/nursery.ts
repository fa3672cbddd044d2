/**
 * `ActorNursery`: spawns actors and supervises them with trio's rules:
 * one-cancels-all on any child error, and no exit from the `await using`
 * block before every child process is dead and reaped.
 */
import { ActorFailure, Cancelled, ContextCancelled, InvalidArgument, RuntimeUsageError, TransportClosed } from '../errors.ts';
import { checkNurseryOptions, checkSpawnOptions, checkStartMethod } from '../options.ts';
import { type LogLevel, getLogger } from '../log.ts';
import { assertSerializable } from '../msg/payload.ts';
import { describeExit, type ExitInfo } from '../spawn/reap.ts';
import { type SpawnedActor, spawnActor } from '../spawn/subprocess.ts';
import { fmtUid } from '../uid.ts';
import type { ActorRuntime } from './actor.ts';
import { callFunction } from './call.ts';
import { type ArgsOf, type CallArgs, Portal, type PortalOwner, type RemoteFn, type ResultOf } from './portal.ts';
import { functypeOf, type ModuleSpec, moduleAliases, moduleIds, moduleSpecs, resolveFunction } from './resolve.ts';
import { currentScope, Scope } from './scope.ts';
import { getRuntimeVars, type StartMethod } from './state.ts';
import { EXIT_AFTER_CLOSE_MS, KILL_GRACE_MS, withTimeout } from './timing.ts';
import { debugBoot, debugHooks } from './debug-hooks.ts';
import { disposed, opened } from './forgotten.ts';

const log = getLogger('nursery');

/**
 * Options of one spawned actor (`runInActor`, `startActor`, each actor of a cluster).
 */
export interface SpawnOptions {
  name?: string;
  /** Modules the actor imports at boot and serves RPC from (`import.meta.url`, absolute paths, package names). */
  enableModules?: ModuleSpec[];
  /**
   * Debug mode for this actor and its subtree (default: the parent's). Under a
   * root not in debug mode, the root starts the tree's TTY lock and gives the
   * actor its terminal; an actor that is neither the root nor in debug mode
   * cannot (a `RuntimeUsageError`: it has no terminal to share).
   */
  debugMode?: boolean;
  loglevel?: LogLevel;
  /** Host plain Promise code as a supervised "infected" actor (see `toPromise`). */
  infectPromises?: boolean;
  startMethod?: StartMethod;
  /** Start the actor with the Node inspector on a free port (its `ws://` URL printed with its name); it waits for a debugger. */
  inspect?: boolean;
  /**
   * The largest message (frame) this actor accepts, in bytes (default: its
   * parent's, 64 MiB unless set on the root); inherited by its own children.
   * A bigger message sent to it is refused at the sender with a `FrameTooLarge`.
   *
   * @example
   * ```ts
   * const big = await an.startActor('loader', { enableModules: [import.meta.url], maxFrameBytes: 512 * 1024 * 1024 });
   * ```
   */
  maxFrameBytes?: number;
}

/** Options of a nursery; those of a root apply when the nursery boots one implicitly. */
export interface NurseryOptions {
  /** Modules every child of this nursery enables, on top of its own. */
  enableModules?: ModuleSpec[];
  /** Debug mode for every child of this nursery unless a spawn says otherwise (see `SpawnOptions.debugMode`). */
  debugMode?: boolean;
  loglevel?: LogLevel;
  /** Aborting it cancels the nursery (and so every child). */
  signal?: AbortSignal;
  /** How this nursery's children are started unless a spawn says otherwise (default: the root's). */
  startMethod?: StartMethod;
}

/** One child actor and what the nursery knows of it. */
class ChildActor implements PortalOwner {
  portal!: Portal;
  #result: Promise<unknown> | undefined;
  #settled = false;
  #terminating: Promise<void> | undefined;
  #killedByUs = false;

  readonly nursery: ActorNursery;
  readonly spawned: SpawnedActor;
  /** A `runInActor` child (its call's outcome is its result), not a daemon. */
  readonly oneShot: boolean;

  constructor(nursery: ActorNursery, spawned: SpawnedActor, oneShot: boolean) {
    this.nursery = nursery;
    this.spawned = spawned;
    this.oneShot = oneShot;
  }

  get scope(): Scope {
    return this.nursery.scope;
  }

  get alive(): boolean {
    return this.spawned.exitInfo === undefined;
  }

  setResult(p: Promise<unknown>): void {
    this.#result = p;
    p.then(() => (this.#settled = true), () => (this.#settled = true));
  }

  /** The child's real outcome, once it is known (what disposal waits for). */
  get settled(): Promise<unknown> | undefined {
    return this.#result;
  }

  /**
   * The result as the body sees it: the outcome once known; until then a
   * cancelled nursery rejects it at once with the cancellation reason (the
   * error of the child that failed first), without waiting for this child.
   */
  get result(): (() => Promise<unknown>) | undefined {
    const r = this.#result;
    if (!r) return undefined;
    return () => (this.#settled ? r : raceAbort(r, this.scope));
  }

  /**
   * An exit this nursery caused or a graceful one: code 0 (the actor served a
   * cancel request, whoever sent it) or our own SIGKILL. Judged from the exit
   * itself, not from whether we asked, so an actor that died on its own just
   * before we asked still counts as a failure.
   */
  exitedAsAsked(e: ExitInfo): boolean {
    return e.code === 0 || (e.signal === 'SIGKILL' && this.#killedByUs);
  }

  #kill(): void {
    this.#killedByUs = true;
    this.spawned.proc.kill();
  }

  delivered(err: unknown): void {
    this.nursery.markDelivered(err);
  }

  /** This child's failure, once made: one object however many places its death surfaces. */
  #failure: unknown;

  /**
   * The failure of this child that died unasked (`exit`), made once: the error
   * it reported about itself, or an `ActorFailure` (`cause`: the symptom
   * seen, the `TransportClosed` of its channel if it closed); `undefined` for an exit
   * this nursery caused or a graceful one.
   */
  failure(exit: ExitInfo, cause: unknown = this.spawned.chan.closeReason): unknown {
    if (this.#failure !== undefined || this.exitedAsAsked(exit)) return this.#failure;
    const reported = this.spawned.chan.peerError;
    this.#failure = reported ?? new ActorFailure(this.#deathText(exit), exit.code, exit.signal, cause === undefined ? undefined : { cause });
    return this.#failure;
  }

  /**
   * A dialog with this child lost its connection (`err`): if the child died
   * unasked, that is its failure (the error the nursery reports it as), so the
   * body receives the cause, and disposal does not raise it a second time
   * beside its symptom. Waits (bounded) for the exit that follows the close.
   */
  explain(err: unknown): Promise<unknown> | undefined {
    if (!(err instanceof TransportClosed) || !this.spawned.chan.closed) return undefined; // (a timeout on a live channel is itself)
    return withTimeout(this.spawned.exited, EXIT_AFTER_CLOSE_MS, undefined, true)
      .then((exit) => (exit && this.failure(exit, err)) ?? err, () => err);
  }

  #deathText(exit: ExitInfo): string {
    const how = describeExit(exit);
    return this.oneShot ? `actor '${this.spawned.name}' died (${how}) before returning its result` : `daemon actor '${this.spawned.name}' exited unexpectedly (${how})`;
  }

  /** A worker actor that did not acknowledge `cancelActor()` (e.g. busy in a synchronous loop) is terminated. */
  unresponsive(): void {
    if (this.spawned.proc.isWorker && this.alive) this.#kill();
  }

  /** Graceful cancel request, then SIGKILL if the process outlives the grace period; resolves once reaped. */
  terminate(hard: boolean): Promise<void> {
    if (!this.alive) return Promise.resolve();
    if (hard) {
      this.#kill();
      return this.spawned.exited.then(() => {});
    }
    return (this.#terminating ??= this.#gracefulTerminate());
  }

  async #gracefulTerminate(): Promise<void> {
    void this.portal.cancelActor({ timeout: KILL_GRACE_MS });
    const timer = setTimeout(() => {
      if (debugHooks.graceHold?.()) return void timer.refresh(); // an actor stopped in a REPL is not stuck
      log.warning('actor %s did not exit within %d ms of its cancel request: killing it', this.spawned.name, KILL_GRACE_MS);
      this.#kill();
    }, KILL_GRACE_MS);
    await this.spawned.exited;
    clearTimeout(timer);
  }
}

/**
 * A child in debug mode whose parent is not: only the root has the terminal
 * to share, so the root starts the tree's TTY lock now; another actor cannot
 * give it one (its own stdin is closed).
 */
async function debugForChild(name: string): Promise<void> {
  if (getRuntimeVars().isRoot && debugBoot.lazyRoot) return debugBoot.lazyRoot();
  throw new RuntimeUsageError(
    `debugMode for actor '${name}' needs the terminal, which only the root has, and this actor's tree is not in debug mode: `
    + 'turn it on at the root (run(), openRoot() or the root\'s openNursery() with debugMode: true) or spawn that actor from the root');
}

/** `p`, unless `scope` aborts first: then its reason. */
function raceAbort<T>(p: Promise<T>, scope: Scope): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const unlink = scope.onAbort(reject);
    p.then(resolve, reject).finally(unlink);
  });
}

/**
 * `ActorNursery`: spawns actors and supervises them with trio's rules:
 * one-cancels-all on any child error, and no exit from the `await using`
 * block before every child process is dead and reaped. Errors are delivered
 * once: one the body already received is not raised again at disposal.
 *
 * @example
 * ```ts
 * await using an = await tractor.openNursery();
 * const worker = await an.startActor('worker', { enableModules: [import.meta.url] });
 * console.log(await worker.run(add, { a: 1, b: 2 }));
 * const once = await an.runInActor(add, { a: 3, b: 4 });
 * console.log(await once.waitForResult());
 * ```
 */
export class ActorNursery implements AsyncDisposable {
  /** @internal */
  readonly scope: Scope;
  readonly #actor: ActorRuntime;
  readonly #opts: NurseryOptions;
  readonly #onClose: (() => Promise<void>) | undefined;
  readonly #children = new Set<ChildActor>();
  readonly #spawning = new Set<Promise<unknown>>();
  readonly #errors: unknown[] = [];
  readonly #delivered = new WeakSet<object>();
  #closed = false;
  #waiting = 0;
  /** A child failed while the tree was in the debugger: the one-cancels-all waits for it (debug mode only). */
  #cancelling = false;

  /** @internal */
  constructor(actor: ActorRuntime, opts: NurseryOptions = {}, onClose?: () => Promise<void>) {
    checkNurseryOptions(opts, 'openNursery()');
    this.#actor = actor;
    this.#opts = opts;
    this.#onClose = onClose;
    this.scope = new Scope([currentScope(), opts.signal]);
    opened(this, actor);
    // However the nursery gets cancelled (a child's error, cancel(), its
    // parent scope), every child is asked to cancel, then killed if need be.
    this.scope.onAbort(() => {
      for (const c of this.#children) void c.terminate(false);
    });
  }

  /** Aborted when the nursery is cancelled: by a child's error, `cancel()`, or its parent scope. */
  get signal(): AbortSignal {
    return this.scope.signal;
  }

  /** @internal Disposal has begun. */
  get closed(): boolean {
    return this.#closed;
  }

  /** @internal A spawn or a `wait()` is under way (runtime/forgotten.ts). */
  get active(): boolean {
    return this.#spawning.size > 0 || this.#waiting > 0;
  }

  /**
   * Spawn a one-shot actor that runs `fn(args)` and exits. The name defaults
   * to `fn.name`; `fn`'s module is enabled in the child automatically. Get the
   * result with `portal.waitForResult()` or `an.wait()`; a child still running
   * when the nursery block ends is cancelled.
   *
   * @example
   * ```ts
   * const portal = await an.runInActor(add, { a: 1, b: 2 }, { name: 'adder' });
   * console.log(await portal.waitForResult()); // 3
   * ```
   * @throws {InvalidArgument} when `fn` is not an async function, or for a bad option.
   * @throws {FunctionNotFound} when `fn` is not an export of a module the call can see.
   */
  async runInActor<F extends RemoteFn>(fn: F, ...[args, opts = {}]: CallArgs<ArgsOf<F>, SpawnOptions>): Promise<Portal<ResultOf<F>>> {
    this.#assertOpen('runInActor');
    checkSpawnOptions(opts, 'runInActor()');
    if (functypeOf(fn) !== 'asyncfunc') throw new InvalidArgument(`runInActor() runs an async function; '${fn.name}' is a ${functypeOf(fn)}`);
    const modules = this.#modules(opts);
    const ref = await resolveFunction(fn, [...modules, ...this.#actor.enableModules]);
    assertSerializable(args ?? {}, 'the arguments of', ref.func);
    modules.add(ref.ns);
    const child = await this.#spawn(opts.name || fn.name || ref.func, modules, opts, true);
    // Not linked to the nursery's scope: a cancelled nursery cancels the child
    // itself (terminate), so this call still gets the child's real outcome
    // and an error racing the cancellation is not lost.
    const result = callFunction(this.#actor, child.spawned.chan, ref.ns, ref.func, args ?? {}, []);
    child.setResult(this.#superviseResult(child, result));
    return child.portal as Portal<ResultOf<F>>;
  }

  /**
   * Spawn a daemon actor that serves RPC on `enableModules` until cancelled.
   *
   * @example
   * ```ts
   * const portal = await an.startActor('math', { enableModules: [import.meta.url] });
   * console.log(await portal.run(add, { a: 1, b: 2 }));
   * ```
   * @throws {InvalidArgument} for an empty name or a bad option.
   */
  async startActor(name: string, opts: SpawnOptions = {}): Promise<Portal> {
    this.#assertOpen('startActor');
    if (typeof name !== 'string' || !name) throw new InvalidArgument(`startActor(name) needs a non-empty actor name, got ${JSON.stringify(name)}`);
    checkSpawnOptions(opts, 'startActor()');
    const child = await this.#spawn(name, this.#modules(opts), opts, false);
    return child.portal;
  }

  /**
   * Wait until every `runInActor` child has finished and its outcome is
   * recorded; raise their errors (one as itself, several, e.g. children
   * failing at the same moment, as one `AggregateError`).
   *
   * @example
   * ```ts
   * for (const n of [1, 2, 3]) await an.runInActor(square, { n });
   * await an.wait();
   * ```
   */
  async wait(): Promise<void> {
    this.#waiting++;
    try {
      await Promise.allSettled([...this.#spawning]);
      // Every child's real outcome, not the body's view of it (which a first
      // failure cuts short): children failing at the same moment are all
      // recorded, and raised here together. A failure cancels the others, so this ends.
      await Promise.allSettled([...this.#children].map((c) => c.settled));
    } finally {
      this.#waiting--;
    }
    this.#raisePending();
  }

  /**
   * Cancel every child (graceful request, then SIGKILL after the grace period; `hard` kills at once) and reap them.
   *
   * @example
   * ```ts
   * await an.cancel(); // or { hard: true }
   * ```
   */
  async cancel(opts: { hard?: boolean } = {}): Promise<void> {
    this.scope.abort(new Cancelled('the actor nursery was cancelled', this.#actor.uid));
    await Promise.allSettled([...this.#spawning]);
    await Promise.all([...this.#children].map((c) => c.terminate(opts.hard ?? false)));
  }

  /**
   * `using an = ...` instead of `await using`: closing a nursery waits for
   * its children, which a synchronous disposal cannot. Throws a
   * `RuntimeUsageError` that says to use `await using`, and closes the
   * nursery in the background (its children cancelled), so the mistake
   * does not also leave the program running for ever.
   * @internal
   */
  [Symbol.dispose](): void {
    const err = new RuntimeUsageError('an actor nursery needs `await using an = await tractor.openNursery()`, not `using`: ' +
      'closing it waits for its children, which a synchronous disposal cannot');
    this.scope.abort(err);
    this[Symbol.asyncDispose]().catch(() => {}); // the mistake is reported by the throw below
    throw err;
  }

  /**
   * Cancel what still runs, reap every process, then raise the errors not yet delivered.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#closed = true;
    disposed(this);
    try {
      await Promise.allSettled([...this.#spawning]);
      await debugHooks.debuggerIdle?.(); // debug mode, in the root: no teardown under an open REPL
      await Promise.all([...this.#children].map((c) => c.terminate(false)));
      // Every child is reaped: its outcome is known, so no error is missed.
      await Promise.allSettled([...this.#children].map((c) => c.settled));
      this.scope.abort(new Cancelled('the actor nursery has closed', this.#actor.uid));
    } finally {
      this.scope.close();
      await this.#onClose?.();
    }
    this.#raisePending();
  }

  /** @internal */
  markDelivered(err: unknown): void {
    if (typeof err === 'object' && err !== null) this.#delivered.add(err);
  }

  #raisePending(): void {
    const pending = this.#errors.filter((e) => !(typeof e === 'object' && e !== null && this.#delivered.has(e)));
    for (const e of pending) this.markDelivered(e);
    if (pending.length === 1) throw pending[0];
    if (pending.length > 1) {
      throw new AggregateError(pending, `${pending.length} actors failed: ${pending.map((e) => (e as Error).message).join('; ')}`);
    }
  }

  #assertOpen(what: string): void {
    if (this.#closed) throw new RuntimeUsageError(`${what}() on a nursery whose block has already ended`);
    if (this.scope.aborted) {
      this.markDelivered(this.scope.reason); // raised here: not again at disposal
      throw this.scope.reason;
    }
  }

  #modules(opts: SpawnOptions): Set<string> {
    return new Set(moduleIds(this.#specs(opts)));
  }

  #specs(opts: SpawnOptions): ModuleSpec[] {
    return [...(this.#opts.enableModules ?? []), ...(opts.enableModules ?? [])];
  }

  async #spawn(name: string, modules: Set<string>, opts: SpawnOptions, oneShot: boolean): Promise<ChildActor> {
    const debugMode = opts.debugMode ?? this.#opts.debugMode ?? getRuntimeVars().debugMode;
    if (debugMode && !getRuntimeVars().debugMode) await debugForChild(name);
    const vars = getRuntimeVars();
    const runtimeVars = {
      ...vars,
      loglevel: opts.loglevel ?? this.#opts.loglevel ?? vars.loglevel,
      debugMode,
      inspect: opts.inspect ?? false,
      infectPromises: opts.infectPromises === true, // per actor: an infected actor's children are not
    };
    const maxFrameBytes = opts.maxFrameBytes ?? vars.maxFrameBytes;
    if (maxFrameBytes === undefined) delete runtimeVars.maxFrameBytes; // (nothing undefined crosses the wire)
    else runtimeVars.maxFrameBytes = maxFrameBytes;
    const startMethod = checkStartMethod(opts.startMethod, 'SpawnOptions.startMethod') ?? this.#opts.startMethod;
    const enableModules = moduleSpecs(modules, moduleAliases(this.#specs(opts)));
    const spawning = spawnActor(this.#actor, { name, enableModules, runtimeVars, startMethod }, this.scope);
    this.#spawning.add(spawning);
    try {
      const spawned = await spawning.catch((err: unknown) => {
        if (err === this.scope.reason) this.markDelivered(err); // a child's error cut this spawn short: raised here, not again at disposal
        throw err;
      });
      // The child announced the default limit before it learned its own from its SpawnSpec: this side knows it.
      if (maxFrameBytes !== undefined) spawned.chan.setPeerMaxFrame(maxFrameBytes);
      const child = new ChildActor(this, spawned, oneShot);
      child.portal = new Portal(this.#actor, spawned.chan, { targetModules: [...modules], owner: child });
      this.#children.add(child);
      void spawned.exited.then(() => this.#childExited(child));
      // A long-lived nursery (a worker pool) must not hold every child it ever ran.
      // (Its outcome first: a one-shot child's result is recorded once its call settles.)
      const forget = () => this.#children.delete(child);
      void spawned.exited.then(() => child.settled).then(forget, forget);
      return child;
    } finally {
      this.#spawning.delete(spawning);
    }
  }

  /** A one-shot child's result: on success ask it to exit; on failure, one-cancels-all. */
  async #superviseResult(child: ChildActor, call: Promise<unknown>): Promise<unknown> {
    try {
      const value = await call;
      void child.terminate(false);
      return value;
    } catch (err) {
      const failure = await this.#failureOf(child, err);
      if (failure === undefined) throw err;
      this.#childFailed(child, failure);
      throw failure;
    }
  }

  /**
   * What a one-shot child's failed call means: `undefined` for a cancellation
   * this actor requested (its task cancelled, or its process ended as asked),
   * which is not an error; otherwise the failure to raise. Anything the child
   * raised itself, even after our cancel request, is a real failure.
   */
  async #failureOf(child: ChildActor, err: unknown): Promise<unknown> {
    if (err instanceof ContextCancelled) return err.canceller?.[1] === this.#actor.uuid ? undefined : err;
    if (!(err instanceof TransportClosed)) return err;
    const exit = await withTimeout(child.spawned.exited, EXIT_AFTER_CLOSE_MS, undefined, true);
    if (!exit) return err;
    return child.failure(exit, err);
  }

  #childExited(child: ChildActor): void {
    const e = child.spawned.exitInfo!;
    // A one-shot child's outcome comes with its result; a daemon's exit is judged by how it exited.
    if (child.oneShot) return;
    // A child that reported why it died (e.g. a module failed to import at boot) fails with that reason;
    // one whose death a dialog already met fails with the error that dialog raised.
    const failure = child.failure(e);
    if (failure !== undefined) this.#childFailed(child, failure);
  }

  #childFailed(child: ChildActor, err: unknown): void {
    log.runtime('actor %s failed: %s', fmtUid([child.spawned.name, child.spawned.uuid]), (err as Error)?.message);
    this.#errors.push(err);
    if (this.scope.aborted || this.#cancelling) return;
    // One-cancels-all: the error itself is the abort reason, so every call
    // pending under this nursery rejects with it; aborting terminates the others.
    // Debug mode, in the root: not while an actor of the tree is at a REPL (or queued for one).
    const idle = debugHooks.debuggerIdle?.();
    if (!idle) return this.scope.abort(err);
    this.#cancelling = true;
    void idle.then(() => this.scope.abort(err));
  }
}
