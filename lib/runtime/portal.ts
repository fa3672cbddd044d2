/**
 * `Portal`: the handle to a remote actor through which this actor calls it:
 * one-shot RPC (`run`), contexts (`openContext`), legacy streams
 * (`openStreamFrom`), its result (`waitForResult`) and its cancellation.
 */
import { NoResult } from '../errors.ts';
import { type Channel, speaksTractorTs } from '../ipc/channel.ts';
import { getLogger } from '../log.ts';
import { assertSerializable } from '../msg/payload.ts';
import { Context, type ContextOptions } from '../context/context.ts';
import { type ContextFn, pldSpecOf } from '../context/endpoint.ts';
import { validBufferSize } from '../context/receive-buffer.ts';
import type { MsgStream, OpenStreamOptions } from '../context/stream.ts';
import type { ActorRuntime } from './actor.ts';
import { callFunction, callSelf, checkKwargs } from './call.ts';
import { functypeOf, normalizeModule, resolvedFunction, resolveFunction } from './resolve.ts';
import { currentScope, Scope } from './scope.ts';
import { CANCEL_ACK_TIMEOUT_MS } from './timing.ts';

const log = getLogger('portal');

/** The argument object of an RPC target `F`. */
export type ArgsOf<F> = F extends (args: infer A) => unknown ? (unknown extends A ? Record<string, never> : A) : never;
/** The argument object of a context endpoint `F` (`(ctx, args) => ...`); one that takes none accepts `{}`. */
export type ContextArgsOf<F> = F extends (ctx: never, args: infer A) => unknown ? (unknown extends A ? Record<string, never> : A) : never;
/** The awaited result of an RPC target `F`. */
export type ResultOf<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;
/** An RPC target: an exported async function of one named-arguments object. */
export type RemoteFn = (args: never) => Promise<unknown>;
/** A legacy streaming target: an exported async generator function. */
export type RemoteGenFn = (args: never) => AsyncGenerator<unknown>;
/** The values a legacy streaming target yields. */
export type YieldOf<F> = F extends (...args: never[]) => AsyncGenerator<infer Y> ? Y : never;

export interface CallOptions {
  /** Aborting it cancels the remote task; the call rejects with the abort reason. */
  signal?: AbortSignal;
}

/** What a portal's owner (a nursery) lends it: its scope and the child's one-shot result. */
export interface PortalOwner {
  readonly scope: Scope;
  /** The one-shot result of a `runInActor` child. */
  result?(): Promise<unknown>;
  /** Records that an error reached the user, so disposal does not raise it again. */
  delivered(err: unknown): void;
  /** The actor did not acknowledge `cancelActor()` in time (a worker actor is then terminated). */
  unresponsive?(): void;
}

export class Portal<R = unknown> implements AsyncDisposable {
  /** The channel to the remote actor; `chan.aid` is its `{ name, uuid, pid }`. */
  readonly chan: Channel;
  readonly #actor: ActorRuntime;
  readonly #targetModules: string[];
  #askedPeerModules = false;
  readonly #owner: PortalOwner | undefined;
  #release: (() => void) | undefined;

  /** @internal */
  constructor(actor: ActorRuntime, chan: Channel, opts: { targetModules?: string[]; owner?: PortalOwner; release?: () => void } = {}) {
    this.#actor = actor;
    this.chan = chan;
    this.#targetModules = [...(opts.targetModules ?? [])];
    this.#owner = opts.owner;
    this.#release = opts.release;
  }

  /** @internal The sources whose abort cancels a call made through this portal. */
  sources(signal?: AbortSignal): (Scope | AbortSignal | undefined)[] {
    return [signal, currentScope(), this.#owner?.scope];
  }

  /** @internal */
  get actor(): ActorRuntime {
    return this.#actor;
  }

  /**
   * @internal Resolve `fn` to its module and export name, among the modules
   * the target and this actor know. A portal from discovery does not know its
   * target's modules: on a miss it asks the peer for them once.
   */
  async resolve(fn: unknown) {
    try {
      return await resolveFunction(fn, [...this.#targetModules, ...this.#actor.enableModules]);
    } catch (err) {
      // `enabled_modules` is a tractor-ts runtime method: a Python peer lacks it (and an unknown `self` method kills a Python actor).
      if (this.#askedPeerModules || !(err instanceof TypeError) || this.chan.closed || !speaksTractorTs(this.chan)) throw err;
      this.#askedPeerModules = true;
      const peerModules = await callSelf(this.#actor, this.chan, 'enabled_modules', {}, CANCEL_ACK_TIMEOUT_MS).catch(() => []);
      if (!Array.isArray(peerModules) || !peerModules.length) throw err;
      this.#targetModules.push(...peerModules.map(String));
      return resolveFunction(fn, [...this.#targetModules, ...this.#actor.enableModules]);
    }
  }

  /** @internal Reject with `err`, recording that the user received it. */
  deliver(err: unknown): never {
    this.#owner?.delivered(err);
    throw err;
  }

  /**
   * Run `fn(args)` as a fresh task in the remote actor and return its result.
   * `fn` must be an exported async function of a module the remote actor
   * enabled. A remote error rejects with `RemoteActorError`; aborting
   * `opts.signal` (or the ambient signal) cancels the remote task and rejects
   * with the abort reason.
   */
  async run<F extends RemoteFn>(fn: F, args?: ArgsOf<F>, opts: CallOptions = {}): Promise<ResultOf<F>> {
    const kind = functypeOf(fn);
    if (kind !== 'asyncfunc') {
      throw new TypeError(`'${fn.name}' is ${kind === 'context' ? 'a context endpoint: use portal.openContext()' : 'an async generator: use portal.openStreamFrom()'}`);
    }
    const ref = resolvedFunction(fn) ?? (await this.resolve(fn));
    try {
      return (await callFunction(this.#actor, this.chan, ref.ns, ref.func, args ?? {}, this.sources(opts.signal))) as ResultOf<F>;
    } catch (err) {
      return this.deliver(err);
    }
  }

  /** Run the export `func` of module `ns` (a module id as in `enableModules`) in the remote actor. */
  async runFromNs(ns: string, func: string, args: object = {}, opts: CallOptions = {}): Promise<unknown> {
    try {
      if (ns === 'self') return await callSelf(this.#actor, this.chan, func, args, CANCEL_ACK_TIMEOUT_MS);
      return await callFunction(this.#actor, this.chan, normalizeModule(ns), func, args, this.sources(opts.signal));
    } catch (err) {
      return this.deliver(err);
    }
  }

  /**
   * Open a context with the endpoint `fn` (made by `context()`) in the remote
   * actor. Resolves once the remote task called `ctx.started()`.
   */
  async openContext<F extends ContextFn>(fn: F, args?: ContextArgsOf<F>, opts: ContextOptions = {}): Promise<Context<Awaited<ReturnType<F>>>> {
    if (functypeOf(fn) !== 'context') {
      throw new TypeError(`'${fn?.name}' is not a context endpoint: make it with tractor.context(async (ctx, args) => ...) and export it`);
    }
    const ref = await this.resolve(fn);
    const kwargs = args ?? {};
    checkKwargs(kwargs, ref.func);
    assertSerializable(kwargs, 'the arguments of', ref.func);
    const ctx = new Context<Awaited<ReturnType<F>>>({
      actor: this.#actor, chan: this.chan, cid: this.#actor.newCid(), side: 'parent', functype: 'context',
      scope: new Scope(this.sources(opts.signal)), portal: this, pldSpec: pldSpecOf(fn), allowOverruns: opts.allowOverruns,
    });
    try {
      await ctx.open(ref.ns, ref.func, kwargs);
    } catch (err) {
      return this.deliver(err);
    }
    return ctx;
  }

  /**
   * Iterate the values of the async generator `fn(args)` running in the
   * remote actor. Leaving the `await using` block (or `break`) cancels the
   * remote generator, whose `finally` runs.
   */
  async openStreamFrom<F extends RemoteGenFn>(fn: F, args?: ArgsOf<F>, opts: CallOptions & OpenStreamOptions = {}): Promise<MsgStream<YieldOf<F>>> {
    if (functypeOf(fn) !== 'asyncgen') {
      throw new TypeError(`openStreamFrom() streams from an exported async generator function (async function*); '${fn?.name}' is not one`);
    }
    const ref = await this.resolve(fn);
    const kwargs = args ?? {};
    checkKwargs(kwargs, ref.func);
    assertSerializable(kwargs, 'the arguments of', ref.func);
    // Checked before Start: a bad option must not leave a remote generator running.
    if (opts.msgBufferSize !== undefined) validBufferSize(opts.msgBufferSize);
    // The same dialog as a context, opened on `StartAck`, without `Started` and without a send direction.
    const ctx = new Context({
      actor: this.#actor, chan: this.chan, cid: this.#actor.newCid(), side: 'parent', functype: 'asyncgen',
      scope: new Scope(this.sources(opts.signal)), portal: this,
    });
    try {
      await ctx.open(ref.ns, ref.func, kwargs);
    } catch (err) {
      return this.deliver(err);
    }
    return ctx.openStream<YieldOf<F>>({ msgBufferSize: opts.msgBufferSize, allowOverruns: opts.allowOverruns });
  }

  /**
   * The result of a `runInActor` actor (cached: every call returns the same
   * outcome). A daemon actor has no result: that returns `NoResult` and logs
   * a warning.
   */
  async waitForResult(): Promise<R> {
    if (!this.#owner?.result) {
      log.warning('waitForResult() on daemon actor %s, which has no result: returning NoResult', this.chan.aid?.name);
      return NoResult as R;
    }
    try {
      return (await this.#owner.result()) as R;
    } catch (err) {
      return this.deliver(err);
    }
  }

  /**
   * Cancel the whole remote actor: its tasks are cancelled and its process
   * exits. Resolves true once it acknowledged, false if it did not within
   * `timeout` ms (default 1500) or was already gone. A worker actor
   * (`startMethod: 'worker'`) that did not acknowledge is ended with
   * `worker.terminate()`, which stops even a synchronous loop.
   */
  async cancelActor(opts: { timeout?: number } = {}): Promise<boolean> {
    if (this.chan.closed) return false;
    try {
      if ((await callSelf(this.#actor, this.chan, 'cancel', {}, opts.timeout ?? CANCEL_ACK_TIMEOUT_MS)) === true) return true;
    } catch (err) {
      log.cancel('cancelActor(%s) got no ack: %s', this.chan.aid?.name, (err as Error).message);
    }
    this.#owner?.unresponsive?.();
    return false;
  }

  /**
   * Releases the connection a discovery portal uses (closed once no portal
   * uses it); a nursery's portal is left to its nursery.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
}
