/**
 * `ActorNursery`: spawns actors and supervises them with trio's rules:
 * one-cancels-all on any child error, and no exit from the `await using`
 * block before every child process is dead and reaped.
 */
import { ActorFailure, Cancelled, fmtUid, RuntimeUsageError, TransportClosed } from '../errors.ts';
import { type LogLevel, getLogger, isLogLevel } from '../log.ts';
import { assertSerializable } from '../msg/pld.ts';
import type { Actor } from './actor.ts';
import { type ArgsOf, Portal, type PortalOwner, type RemoteFn, type ResultOf } from './portal.ts';
import { functypeOf, normalizeModule, resolveFunction } from './resolve.ts';
import { callFunction } from './rpc.ts';
import { currentScope, Scope } from './scope.ts';
import { describeExit, type SpawnedActor, spawnActor } from './spawn.ts';
import { getRuntimeVars, type StartMethod } from './state.ts';
import { KILL_GRACE_MS } from './timing.ts';

const log = getLogger('nursery');

/** Options of one spawned actor. */
export interface SpawnOptions {
  name?: string;
  /** Modules the actor imports at boot and serves RPC from (`import.meta.url`, absolute paths, package names). */
  enableModules?: string[];
  debugMode?: boolean;
  loglevel?: LogLevel;
  /** Host plain Promise code as a supervised "infected" actor (see `toPromise`). */
  infectPromises?: boolean;
  startMethod?: StartMethod;
}

/** Options of a nursery; those of a root apply when the nursery boots one implicitly. */
export interface NurseryOptions {
  /** Modules every child of this nursery enables, on top of its own. */
  enableModules?: string[];
  debugMode?: boolean;
  loglevel?: LogLevel;
  /** Aborting it cancels the nursery (and so every child). */
  signal?: AbortSignal;
}

/** One child actor and what the nursery knows of it. */
class ChildActor implements PortalOwner {
  portal!: Portal;
  #result: Promise<unknown> | undefined;
  cancelRequestedByUs = false;

  constructor(readonly nursery: ActorNursery, readonly spawned: SpawnedActor, readonly oneShot: boolean) {}

  get scope(): Scope {
    return this.nursery.scope;
  }

  get alive(): boolean {
    return this.spawned.exitInfo === undefined;
  }

  setResult(p: Promise<unknown>): void {
    this.#result = p;
    p.catch(() => {});
  }

  get result(): (() => Promise<unknown>) | undefined {
    const r = this.#result;
    return r && (() => r);
  }

  cancelRequested(): void {
    this.cancelRequestedByUs = true;
  }

  delivered(err: unknown): void {
    this.nursery.markDelivered(err);
  }

  /** Graceful cancel request, then SIGKILL if the process outlives the grace period; resolves once reaped. */
  async terminate(hard: boolean): Promise<void> {
    this.cancelRequestedByUs = true;
    const { proc, exited } = this.spawned;
    if (!this.alive) return;
    if (!hard) {
      void this.portal.cancelActor({ timeout: KILL_GRACE_MS });
      const timer = setTimeout(() => {
        log.warning('actor %s did not exit within %d ms of its cancel request: killing it', this.spawned.name, KILL_GRACE_MS);
        proc.kill('SIGKILL');
      }, KILL_GRACE_MS);
      await exited;
      clearTimeout(timer);
    } else {
      proc.kill('SIGKILL');
      await exited;
    }
  }
}

export class ActorNursery implements AsyncDisposable {
  /** @internal */
  readonly scope: Scope;
  readonly #actor: Actor;
  readonly #opts: NurseryOptions;
  readonly #onClose: (() => Promise<void>) | undefined;
  readonly #children = new Set<ChildActor>();
  readonly #spawning = new Set<Promise<unknown>>();
  readonly #errors: unknown[] = [];
  readonly #delivered = new WeakSet<object>();
  #closed = false;

  /** @internal */
  constructor(actor: Actor, opts: NurseryOptions = {}, onClose?: () => Promise<void>) {
    this.#actor = actor;
    this.#opts = opts;
    this.#onClose = onClose;
    this.scope = new Scope([currentScope(), opts.signal]);
  }

  /** Aborted when the nursery is cancelled: by a child's error, `cancel()`, or its parent scope. */
  get signal(): AbortSignal {
    return this.scope.signal;
  }

  /**
   * Spawn a one-shot actor that runs `fn(args)` and exits. The name defaults
   * to `fn.name`; `fn`'s module is enabled in the child automatically. Get the
   * result with `portal.waitForResult()` or `an.wait()`; a child still running
   * when the nursery block ends is cancelled.
   */
  async runInActor<F extends RemoteFn>(fn: F, args?: ArgsOf<F>, opts: SpawnOptions = {}): Promise<Portal<ResultOf<F>>> {
    this.#assertOpen('runInActor');
    if (functypeOf(fn) !== 'asyncfunc') throw new TypeError(`runInActor() runs an async function; '${fn.name}' is a ${functypeOf(fn)}`);
    const modules = this.#modules(opts);
    const ref = await resolveFunction(fn, [...modules, ...this.#actor.enableModules]);
    assertSerializable(args ?? {}, `the arguments of '${ref.func}'`);
    modules.add(ref.ns);
    const child = await this.#spawn(opts.name ?? fn.name ?? ref.func, modules, opts, true);
    const result = callFunction(this.#actor, child.spawned.chan, ref.ns, ref.func, args ?? {}, [this.scope]);
    child.setResult(this.#superviseResult(child, result));
    return child.portal as Portal<ResultOf<F>>;
  }

  /** Spawn a daemon actor that serves RPC on `enableModules` until cancelled. */
  async startActor(name: string, opts: SpawnOptions = {}): Promise<Portal> {
    this.#assertOpen('startActor');
    if (typeof name !== 'string' || !name) throw new TypeError('startActor(name) needs a non-empty actor name');
    const child = await this.#spawn(name, this.#modules(opts), opts, false);
    return child.portal;
  }

  /**
   * Wait until every `runInActor` child has finished; raise their errors (one
   * as itself, several as an `AggregateError`).
   */
  async wait(): Promise<void> {
    await Promise.allSettled([...this.#spawning]);
    await Promise.allSettled([...this.#children].map((c) => c.result?.()));
    this.#raisePending();
  }

  /** Cancel every child (graceful request, then SIGKILL after the grace period; `hard` kills at once) and reap them. */
  async cancel(opts: { hard?: boolean } = {}): Promise<void> {
    this.scope.abort(new Cancelled('the actor nursery was cancelled', this.#actor.uid));
    await Promise.allSettled([...this.#spawning]);
    await Promise.all([...this.#children].map((c) => c.terminate(opts.hard ?? false)));
  }

  /** Cancel what still runs, reap every process, then raise the errors not yet delivered. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#closed = true;
    try {
      await Promise.allSettled([...this.#spawning]);
      await Promise.all([...this.#children].map((c) => c.terminate(false)));
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
    if (this.scope.aborted) throw this.scope.reason;
  }

  #modules(opts: SpawnOptions): Set<string> {
    return new Set([...(this.#opts.enableModules ?? []), ...(opts.enableModules ?? [])].map(normalizeModule));
  }

  async #spawn(name: string, modules: Set<string>, opts: SpawnOptions, oneShot: boolean): Promise<ChildActor> {
    if (opts.loglevel !== undefined && !isLogLevel(opts.loglevel)) throw new TypeError(`unknown loglevel ${JSON.stringify(opts.loglevel)}`);
    const vars = getRuntimeVars();
    const runtimeVars = {
      ...vars,
      loglevel: opts.loglevel ?? this.#opts.loglevel ?? vars.loglevel,
      debugMode: opts.debugMode ?? this.#opts.debugMode ?? vars.debugMode,
    };
    const spawning = spawnActor(this.#actor, { name, enableModules: [...modules], runtimeVars }, this.scope);
    this.#spawning.add(spawning);
    try {
      const spawned = await spawning;
      const child = new ChildActor(this, spawned, oneShot);
      child.portal = new Portal(this.#actor, spawned.chan, { targetModules: [...modules], owner: child });
      this.#children.add(child);
      void spawned.exited.then(() => this.#childExited(child));
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
      if (child.cancelRequestedByUs || (this.scope.aborted && err === this.scope.reason)) throw err;
      const failure = err instanceof TransportClosed ? await this.#exitFailure(child, err) : err;
      this.#childFailed(child, failure);
      throw failure;
    }
  }

  async #exitFailure(child: ChildActor, err: Error): Promise<Error> {
    const exit = await Promise.race([child.spawned.exited, new Promise((r) => setTimeout(r, 1000))]) as { code: number | null; signal: NodeJS.Signals | null } | undefined;
    if (!exit) return err;
    return new ActorFailure(`actor '${child.spawned.name}' died (${describeExit(exit)}) before returning its result`, exit.code, exit.signal, { cause: err });
  }

  #childExited(child: ChildActor): void {
    if (child.oneShot || child.cancelRequestedByUs || this.scope.aborted) return;
    const e = child.spawned.exitInfo!;
    this.#childFailed(child, new ActorFailure(`daemon actor '${child.spawned.name}' exited unexpectedly (${describeExit(e)})`, e.code, e.signal));
  }

  #childFailed(child: ChildActor, err: unknown): void {
    log.runtime('actor %s failed: %s', fmtUid([child.spawned.name, child.spawned.uuid]), (err as Error)?.message);
    this.#errors.push(err);
    if (this.scope.aborted) return;
    // One-cancels-all: the error itself is the abort reason, so every call
    // pending under this nursery rejects with it.
    this.scope.abort(err);
    for (const other of this.#children) if (other !== child) void other.terminate(false);
  }
}
