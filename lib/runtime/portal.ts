/**
 * `Portal`: the handle to a remote actor through which this actor calls it:
 * one-shot RPC (`run`), contexts (`openContext`), legacy streams
 * (`openStreamFrom`), its result (`waitForResult`) and its cancellation.
 */
import { FunctionNotFound, InvalidArgument, NoResult } from '../errors.ts';
import { type Channel, type ChannelView, speaksTractorTs } from '../ipc/channel.ts';
import { getLogger } from '../log.ts';
import { assertSerializable } from '../msg/payload.ts';
import { Context, type ContextOptions } from '../context/context.ts';
import { type ContextFn, type FirstOf, type MsgOf, pldSpecOf } from '../context/endpoint.ts';
import { GeneratorDialog } from '../context/generator-stream.ts';
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
/**
 * What follows the target in a call: its arguments, which may be left out
 * only when the target takes none (or only optional ones), then the options.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type CallArgs<A, O> = {} extends A ? [args?: A, opts?: O] : [args: A, opts?: O];
/** The awaited result of an RPC target `F`. */
export type ResultOf<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;
/** An RPC target: an exported async function of one named-arguments object. */
export type RemoteFn = (args: never) => Promise<unknown>;
/** A legacy streaming target: an exported async generator function. */
export type RemoteGenFn = (args: never) => AsyncGenerator<unknown>;
/** The values a legacy streaming target yields. */
export type YieldOf<F> = F extends (...args: never[]) => AsyncGenerator<infer Y> ? Y : never;

/**
 * Options of one call through a portal.
 */
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
  /**
   * What the loss of the connection (`err`, a `TransportClosed`) means: the
   * nursery's failure of this actor if it died (the one error the nursery
   * reports for its death), else `err`. `undefined` when `err` is no such loss.
   */
  explain?(err: unknown): Promise<unknown> | undefined;
}

/**
 * `Portal`: the handle to a remote actor through which this actor calls it:
 * one-shot RPC (`run`), contexts (`openContext`), legacy streams
 * (`openStreamFrom`), its result (`waitForResult`) and its cancellation
 * (`cancelActor`). A nursery's portals live as long as their actor; one from
 * discovery is disposed (`await using`) to release its connection.
 *
 * @example
 * ```ts
 * const portal = await an.startActor('worker', { enableModules: [import.meta.url] });
 * const sum = await portal.run(add, { a: 1, b: 2 });
 * await using ctx = await portal.openContext(echo, {});
 * for await (const n of await portal.openStreamFrom(count, { to: 3 })) console.log(n);
 * ```
 */
export class Portal<R = unknown> implements AsyncDisposable {
  readonly #chan: Channel;
  readonly #actor: ActorRuntime;
  readonly #targetModules: string[];
  #askedPeerModules = false;
  readonly #owner: PortalOwner | undefined;
  #release: (() => void) | undefined;

  /** @internal */
  constructor(actor: ActorRuntime, chan: Channel, opts: { targetModules?: string[]; owner?: PortalOwner; release?: () => void } = {}) {
    this.#actor = actor;
    this.#chan = chan;
    this.#targetModules = [...(opts.targetModules ?? [])];
    this.#owner = opts.owner;
    this.#release = opts.release;
  }

  /** The connection to the remote actor: `chan.aid` is its `{ name, uuid, pid }`, `chan.closed` whether it is gone. */
  get chan(): ChannelView {
    return this.#chan.view;
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
      if (this.#askedPeerModules || !(err instanceof FunctionNotFound) || this.#chan.closed || !speaksTractorTs(this.#chan)) throw err;
      this.#askedPeerModules = true;
      const peerModules = await callSelf(this.#actor, this.#chan, 'enabled_modules', {}, CANCEL_ACK_TIMEOUT_MS).catch(() => []);
      if (!Array.isArray(peerModules) || !peerModules.length) throw err;
      this.#targetModules.push(...peerModules.map(String));
      return resolveFunction(fn, [...this.#targetModules, ...this.#actor.enableModules]);
    }
  }

  /**
   * @internal What `err` means for the user: a lost connection to a nursery's
   * child that died is that child's failure (so the block does not also raise
   * it, wrapped with its symptom, at disposal); `undefined` when it is itself.
   */
  explain(err: unknown): Promise<unknown> | undefined {
    return this.#owner?.explain?.(err);
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
   * with the abort reason. `args` may be left out only when `fn` takes none.
   *
   * @example
   * ```ts
   * export async function add(args: { a: number; b: number }) { return args.a + args.b; }
   * const three = await portal.run(add, { a: 1, b: 2 }, { signal: AbortSignal.timeout(5000) });
   * ```
   * @throws {RemoteActorError} what the remote task raised, boxed.
   * @throws {FunctionNotFound} when `fn` is not an export of a module the call can see.
   * @throws {InvalidArgument} when `fn` is a context endpoint or a generator, or `args` cannot cross.
   */
  async run<F extends RemoteFn>(fn: F, ...[args, opts = {}]: CallArgs<ArgsOf<F>, CallOptions>): Promise<ResultOf<F>> {
    const kind = functypeOf(fn);
    if (kind !== 'asyncfunc') {
      throw new InvalidArgument(`'${fn.name}' is ${kind === 'context' ? 'a context endpoint: use portal.openContext()' : 'an async generator: use portal.openStreamFrom()'}`);
    }
    const ref = resolvedFunction(fn) ?? (await this.resolve(fn));
    try {
      return (await callFunction(this.#actor, this.#chan, ref.ns, ref.func, args ?? {}, this.sources(opts.signal))) as ResultOf<F>;
    } catch (err) {
      return this.deliver((await this.explain(err)) ?? err);
    }
  }

  /**
   * Run the export `func` of module `ns` (a module id as in `enableModules`) in the remote actor, by name.
   *
   * @example
   * ```ts
   * const sum = await portal.runFromNs(import.meta.url, 'add', { a: 1, b: 2 });
   * ```
   */
  async runFromNs(ns: string, func: string, args: object = {}, opts: CallOptions = {}): Promise<unknown> {
    try {
      if (ns === 'self') return await callSelf(this.#actor, this.#chan, func, args, CANCEL_ACK_TIMEOUT_MS);
      return await callFunction(this.#actor, this.#chan, normalizeModule(ns), func, args, this.sources(opts.signal));
    } catch (err) {
      return this.deliver((await this.explain(err)) ?? err);
    }
  }

  /**
   * Open a context with the endpoint `fn` (made by `context()`) in the remote
   * actor. Resolves once the remote task called `ctx.started()`; `ctx.first`
   * is the value it passed. Disposing the context cancels the remote task if
   * it still runs.
   *
   * @example
   * ```ts
   * export const echo = tractor.context(async (ctx, args: { greeting: string }) => {
   *   await ctx.started(args.greeting);
   *   await using stream = await ctx.openStream();
   *   for await (const msg of stream) await stream.send(msg);
   * });
   * await using ctx = await portal.openContext(echo, { greeting: 'hi' });
   * await using stream = await ctx.openStream();
   * await stream.send('ping');
   * console.log(ctx.first, await stream.receive()); // 'hi' 'ping'
   * ```
   * @throws {RemoteActorError} when the endpoint raised before `started()`.
   * @throws {InvalidArgument} when `fn` is not a context endpoint.
   */
  async openContext<F extends ContextFn>(fn: F, ...[args, opts = {}]: CallArgs<ContextArgsOf<F>, ContextOptions>): Promise<Context<Awaited<ReturnType<F>>, FirstOf<F>, MsgOf<F>>> {
    if (functypeOf(fn) !== 'context') {
      throw new InvalidArgument(`'${fn?.name}' is not a context endpoint: make it with tractor.context(async (ctx, args) => ...) and export it`);
    }
    const ref = await this.resolve(fn);
    const kwargs = args ?? {};
    checkKwargs(kwargs, ref.func);
    assertSerializable(kwargs, 'the arguments of', ref.func);
    const ctx = new Context<Awaited<ReturnType<F>>, FirstOf<F>, MsgOf<F>>({
      actor: this.#actor, chan: this.#chan, cid: this.#actor.newCid(), side: 'parent',
      scope: new Scope(this.sources(opts.signal)), portal: this, pldSpec: pldSpecOf(fn), allowOverruns: opts.allowOverruns,
    });
    try {
      await ctx.open(ref.ns, ref.func, kwargs);
    } catch (err) {
      return this.deliver((await this.explain(err)) ?? err);
    }
    return ctx;
  }

  /**
   * Iterate the values of the async generator `fn(args)` running in the
   * remote actor. Leaving the `await using` block (or `break`) cancels the
   * remote generator, whose `finally` runs.
   *
   * @example
   * ```ts
   * export async function* count(args: { to: number }) { for (let i = 0; i < args.to; i++) yield i; }
   * await using stream = await portal.openStreamFrom(count, { to: 3 });
   * for await (const n of stream) console.log(n); // 0 1 2
   * ```
   * @throws {InvalidArgument} when `fn` is not an async generator function.
   */
  async openStreamFrom<F extends RemoteGenFn>(fn: F, ...[args, opts = {}]: CallArgs<ArgsOf<F>, CallOptions & OpenStreamOptions>): Promise<MsgStream<YieldOf<F>>> {
    if (functypeOf(fn) !== 'asyncgen') {
      throw new InvalidArgument(`openStreamFrom() streams from an exported async generator function (async function*); '${fn?.name}' is not one`);
    }
    const ref = await this.resolve(fn);
    const kwargs = args ?? {};
    checkKwargs(kwargs, ref.func);
    assertSerializable(kwargs, 'the arguments of', ref.func);
    // Checked before Start: a bad option must not leave a remote generator running.
    if (opts.msgBufferSize !== undefined) validBufferSize(opts.msgBufferSize);
    const dialog = new GeneratorDialog({
      actor: this.#actor, chan: this.#chan, cid: this.#actor.newCid(), scope: new Scope(this.sources(opts.signal)), portal: this,
    });
    try {
      return await dialog.open(ref.ns, ref.func, kwargs, opts) as MsgStream<YieldOf<F>>;
    } catch (err) {
      return this.deliver((await this.explain(err)) ?? err);
    }
  }

  /**
   * The result of a `runInActor` actor (cached: every call returns the same
   * outcome). A daemon actor has no result: that returns `NoResult` and logs
   * a warning.
   *
   * @example
   * ```ts
   * const portal = await an.runInActor(add, { a: 1, b: 2 });
   * console.log(await portal.waitForResult()); // 3
   * ```
   */
  async waitForResult(): Promise<R> {
    if (!this.#owner?.result) {
      log.warning('waitForResult() on daemon actor %s, which has no result: returning NoResult', this.#chan.aid?.name);
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
   *
   * @example
   * ```ts
   * if (!(await portal.cancelActor({ timeout: 500 }))) console.warn('no ack: the nursery kills it');
   * ```
   */
  async cancelActor(opts: { timeout?: number } = {}): Promise<boolean> {
    if (this.#chan.closed) return false;
    try {
      if ((await callSelf(this.#actor, this.#chan, 'cancel', {}, opts.timeout ?? CANCEL_ACK_TIMEOUT_MS)) === true) return true;
    } catch (err) {
      log.cancel('cancelActor(%s) got no ack: %s', this.#chan.aid?.name, (err as Error).message);
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
