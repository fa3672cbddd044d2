/**
 * `Context`: a linked pair of tasks, one per actor, supervised as one scope
 * over IPC. The parent side opens it (`portal.openContext`), the child side
 * is the endpoint's first argument. Each side can open the one `MsgStream` of
 * the dialog; the child's return value (or error, or cancellation) is the
 * outcome both sides agree on. The parent side's rules (the open, the
 * outcome, cancelling, leaving) are a `Caller`'s (caller.ts), which a legacy
 * one-way stream's dialog, `GeneratorDialog` (generator-stream.ts), shares.
 */
import { Cancelled, ContextCancelled, EndOfStream, RuntimeUsageError } from '../errors.ts';
import type { Channel, ChannelView } from '../ipc/channel.ts';
import { boxError, unboxError } from '../msg/box.ts';
import { assertSerializable, checkPld, type StandardSchemaV1 } from '../msg/payload.ts';
import { FRAME_BYTES } from '../msg/codec.ts';
import type { DialogMsg } from '../msg/types.ts';
import type { ActorRuntime, DialogSink } from '../runtime/actor.ts';
import { type Scope, taskStorage } from '../runtime/scope.ts';
import type { RemoteTask } from '../runtime/task.ts';
import { fmtUid, type Uid } from '../uid.ts';
import { Wakeup } from '../trionics/wakeup.ts';
import { Caller, type DeliveryTarget } from './caller.ts';
import { GrantCredit, SendCredit } from './credit.ts';
import { isOurs } from './outcome.ts';
import { ReceiveBuffer, type ReceiveOwner, validBufferSize } from './receive-buffer.ts';
import { MsgStream, type OpenStreamOptions, type StreamEnd } from './stream.ts';

/** The settled promise of every send that did not have to wait. */
const SENT: Promise<void> = Promise.resolve();

/** Options of `portal.openContext`. */
export interface ContextOptions {
  /** Let the peer send faster than this side reads: the receive buffer grows instead of raising `StreamOverrun`. */
  allowOverruns?: boolean;
  /** Aborting it cancels the remote task; pending operations reject with the abort reason. */
  signal?: AbortSignal;
}

/**
 * One side of a linked pair of tasks (a context dialog). The parent side
 * comes from `portal.openContext`; the child side is the endpoint's first
 * argument. `R` is the endpoint's result type, `First` the type of the
 * value it passes to `started()`, `Msg` that of its stream's messages.
 *
 * @example
 * ```ts
 * // child side
 * export const counter = tractor.context(async (ctx, args: { upTo: number }) => {
 *   await ctx.started('ready');
 *   await using stream = await ctx.openStream<number>();
 *   for (let i = 0; i < args.upTo; i++) await stream.send(i);
 *   return 'counted';
 * });
 * // parent side
 * await using ctx = await portal.openContext(counter, { upTo: 3 });
 * await using stream = await ctx.openStream<number>();
 * for await (const n of stream) console.log(n);
 * console.log(await ctx.waitForResult()); // 'counted'
 * ```
 */
export class Context<R = unknown, First = unknown, Msg = unknown> implements AsyncDisposable {
  /** `'parent'` for the side that opened it, `'child'` in the endpoint. */
  readonly side: 'parent' | 'child';
  readonly cid: string;
  readonly #chan: Channel;

  readonly #actor: ActorRuntime;
  readonly #scope: Scope;
  /** Parent side: the caller's rules (the open, the outcome, cancelling, leaving); `undefined` on the child side. */
  readonly #caller: Caller | undefined;
  readonly #task: RemoteTask | undefined;
  readonly #pldSpec: StandardSchemaV1 | undefined;
  /** The stream's receive side: its buffer, overrun and discarding. */
  readonly #rx: ReceiveBuffer;
  /** Per-stream credit, when both ends grant it (a context stream between tractor-ts peers): this side's room to send, and its grants. */
  readonly #sendCredit: SendCredit | undefined;
  readonly #grants: GrantCredit | undefined;
  #first: unknown = undefined;
  /** Child side: this task cancelled itself (`cancel()`). */
  #cancelledItself = false;
  #peerStopped = false;
  /** Child side: the parent's error (or the lost channel's). */
  #peerError: Error | undefined;
  readonly #changes = new Wakeup();
  #startedSent = false;
  #stopSent = false;
  #stream: MsgStream | undefined;

  /** @internal What the actor (parent side) or the served task (child side) routes this dialog's messages to. */
  readonly sink: Required<DialogSink>;
  /** What this dialog's stream and its receive buffer talk to: kept off the context, whose surface is the SPEC's. */
  readonly #streamEnd: StreamEnd & ReceiveOwner;

  /**
   * The one object the machinery holds of a context: the actor routes the
   * dialog's messages to it, the stream talks through it, and it calls the
   * context's private methods (it is written inside the class for that). A
   * class rather than closures made per context, so that a call site that
   * sees many contexts stays monomorphic: with closures, stream.oneway.small
   * took ~20% more CPU per message than with methods (parent and child,
   * interleaved runs on a loaded machine); with this class, the same as before.
   */
  static readonly #Port = class Port implements StreamEnd, ReceiveOwner, Required<DialogSink> {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly #ctx: Context<any, any, any>;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(ctx: Context<any, any, any>) {
      this.#ctx = ctx;
    }
    deliver(msg: DialogMsg, mustAccept: boolean): boolean | void {
      return this.#ctx.#deliver(msg, mustAccept);
    }
    fail(err: unknown): void {
      this.#ctx.#fail(err);
    }
    undecodable(err: Error): void {
      this.#ctx.#undecodable(err);
    }
    sendYield(value: unknown): Promise<void> {
      return this.#ctx.#sendYield(value);
    }
    receiveYield(): Promise<unknown> {
      return this.#ctx.#rx.receive();
    }
    takeBuffered(): unknown {
      return this.#ctx.#rx.take();
    }
    sendStop(): void {
      this.#ctx.#sendStop();
    }
    discardRest(): void {
      this.#ctx.#rx.discardRest();
    }
    overran(err: Error): void {
      this.#ctx.#overran(err);
    }
    taken(): void {
      this.#ctx.#taken();
    }
    raiseEnd(): void {
      this.#ctx.#raiseEnd();
    }
    [Symbol.asyncDispose](): Promise<void> {
      return this.#ctx[Symbol.asyncDispose]();
    }
  };

  /** @internal */
  constructor(init: {
    actor: ActorRuntime; chan: Channel; cid: string; side: 'parent' | 'child';
    scope: Scope; portal?: DeliveryTarget; task?: RemoteTask; pldSpec?: StandardSchemaV1; allowOverruns?: boolean;
  }) {
    this.#actor = init.actor;
    this.#chan = init.chan;
    this.cid = init.cid;
    this.side = init.side;
    this.#scope = init.scope;
    this.#task = init.task;
    this.#pldSpec = init.pldSpec;
    this.sink = this.#streamEnd = new Context.#Port(this);
    this.#rx = new ReceiveBuffer({
      owner: this.#streamEnd, changes: this.#changes, self: init.actor.uid, chan: init.chan, cid: init.cid, allowOverruns: init.allowOverruns,
    });
    if (init.chan.aid?.credit) {
      this.#sendCredit = new SendCredit();
      this.#grants = new GrantCredit();
    }
    if (init.side === 'parent') {
      this.#caller = new Caller({
        actor: init.actor, chan: init.chan, cid: init.cid, scope: init.scope, portal: init.portal, rx: this.#rx, changes: this.#changes,
      });
    } else {
      this.#scope.onAbort(() => this.#changes.wakeAll());
    }
  }

  /** The connection to the peer of this dialog (read-only: `aid`, `closed`, `raddr`). */
  get chan(): ChannelView {
    return this.#chan.view;
  }

  /** The value the child passed to `started()`. */
  get first(): First {
    return this.#first as First;
  }

  /** True once this side asked for the remote task's cancellation. */
  get cancelCalled(): boolean {
    return this.#caller ? this.#caller.cancelCalled : this.#cancelledItself;
  }

  /**
   * Child side: aborted when this task is cancelled. Parent side: aborted
   * when the caller's signal or the nursery cancels the dialog, and with the
   * child's error when it fails (as tractor cancels the parent's block), so
   * work in the block that honours it wakes; never for a result or for a
   * cancel this side asked for with `cancel()`.
   */
  get signal(): AbortSignal {
    return this.#caller ? this.#caller.signal : this.#scope.signal;
  }

  /** True once the remote task confirmed a cancellation this side asked for. */
  get cancelAcked(): boolean {
    const e = this.maybeError;
    return e instanceof ContextCancelled && isOurs(this.#actor.uid, e.canceller);
  }

  /** Who cancelled the remote task, once known. */
  get canceller(): Uid | null {
    const e = this.maybeError;
    return e instanceof ContextCancelled ? e.canceller : null;
  }

  /** True once the child's final outcome (return value, error, cancellation) is known to this side. */
  get hasOutcome(): boolean {
    return this.#caller?.outcome !== undefined;
  }

  /** The child's return value, or the error it ended with; `undefined` until {@link hasOutcome}. */
  get outcome(): R | Error | undefined {
    const o = this.#caller?.outcome;
    return o === undefined ? undefined : 'error' in o ? o.error : (o.value as R);
  }

  /** The error this dialog ended with, if any. */
  get maybeError(): Error | undefined {
    const o = this.#caller?.outcome;
    return (o && 'error' in o ? o.error : undefined) ?? this.#peerError ?? this.#rx.overrun;
  }

  // ---------------------------------------------------------------- messages

  /** Route one message of this dialog (called synchronously by the actor). */
  #deliver(msg: DialogMsg, mustAccept: boolean): boolean | void {
    switch (msg.msg_type) {
      case 'StartAck':
        if (msg.functype !== 'context') this.#caller?.wrongKind(msg.functype, 'context');
        return;
      case 'Started':
        this.#first = msg.pld;
        this.#caller?.opened();
        return;
      case 'Yield':
        this.#grants?.arrived((msg as { [FRAME_BYTES]?: number })[FRAME_BYTES]);
        return this.#push(msg.pld, mustAccept);
      case 'Stop':
        this.#peerStopped = true;
        return this.#changes.wakeAll();
      case 'Return':
        this.#peerStopped = true;
        return this.#caller ? this.#caller.end({ value: msg.pld }) : this.#changes.wakeAll();
      case 'Error': {
        const err = unboxError(msg);
        if (this.#caller) return this.#caller.end({ error: err });
        this.#peerError = err;
        return this.#changes.wakeAll();
      }
      case 'CancelAck':
        return;
      case 'Credit':
        this.#sendCredit?.grant(msg.n);
        return this.#changes.wakeAll();
    }
  }

  /**
   * The channel closed under the dialog. Parent side: when the peer
   * is a nursery's child that died, the dialog ends with that child's failure
   * (found out within a bound), the one error its death is reported as.
   */
  #fail(err: unknown): void {
    if (this.#caller) return this.#caller.fail(err);
    this.#peerError ??= err as Error;
    this.#changes.wakeAll();
  }

  /** Buffer one stream message; with stream credit, the sender waits for it: a full window means it broke the protocol. */
  #push(pld: unknown, mustAccept: boolean): boolean {
    return this.#grants ? this.#rx.push(pld, true, this.#grants.window) : this.#rx.push(pld, mustAccept);
  }

  /**
   * A message of this dialog could not be decoded here (an unknown
   * extension code): as an overrun, the stream raises `err` after what came
   * before, drops what follows, and the peer is told.
   */
  #undecodable(err: Error): void {
    if (this.#rx.overrun) return;
    this.#rx.overrunBy(err);
    this.#caller?.rejectOpen(err); // an undecodable Started: openContext fails with it
  }

  /** This side was overrun (or could not decode a message): whom that fails. */
  #overran(err: Error): void {
    if (this.#task) {
      // Child side: the overrun is this task's failure; tell the sender now (its outcome) and stop the task.
      this.#task.sendError(err);
      this.#task.abandoned = true;
      this.#task.scope.abort(err);
    } else if (!this.#chan.closed) {
      // Parent side: relay it to the sending child, whose next send raises it.
      this.#chan.send(boxError(err, this.#actor.uid, this.cid));
    }
  }

  // ------------------------------------------------------------ stream I/O

  /** A stream message left the buffer (read or discarded): grant the sender room for it, batched. */
  #taken(): void {
    if (this.#grants) this.#grant(this.#grants.taken());
  }

  /** Grant the sender `n` more messages (`null`: without bound); 0 sends nothing. */
  #grant(n: number | null): void {
    if (n === 0 || this.#chan.closed || this.#caller?.outcome || this.#task?.abandoned) return;
    this.#chan.send({ msg_type: 'Credit', cid: this.cid, n });
  }

  /** Nothing buffered: raise this side's overrun, the remote error, or the end; return to wait. */
  #raiseEnd(): void {
    // This side's own overrun first: the peer's failure that may follow is its echo.
    if (this.#rx.overrun) return this.#throw(this.#rx.overrun);
    this.#caller?.raiseFailure();
    if (this.#peerError) return this.#throw(this.#peerError);
    if (this.#scope.aborted) return this.#throw(this.#scope.reason);
    if (this.#peerStopped || this.#caller?.outcome) throw new EndOfStream(`the peer closed the stream of context ${this.cid}`);
    if (this.#rx.discarding) throw new EndOfStream('this side closed the stream');
  }

  /**
   * Send one stream message; the promise settles at once unless
   * the transport is backed up. Not an `async` function: a sender in a loop
   * then makes no promise of its own per message (each one costs, more so
   * with AsyncLocalStorage's promise hooks on); failures still reject.
   */
  #sendYield(value: unknown): Promise<void> {
    try {
      this.#caller?.raiseFailure();
      if (this.#peerError) return this.#throw(this.#peerError);
      if (this.#scope.aborted) return this.#throw(this.#scope.reason);
      if (this.#caller?.outcome) throw new EndOfStream(`the remote task of context ${this.cid} has already returned`);
      if (this.#chan.closed && this.side === 'parent') return this.#sendWhenGranted(value); // the dialog's end is on its way: raise that
      if (this.#sendCredit && !this.#sendCredit.take()) return this.#sendWhenGranted(value);
      const pld = checkPld(this.#pldSpec, value, 'a stream message');
      assertSerializable(pld, 'a stream message');
      return this.#chan.sendYield(this.cid, pld) ? this.#chan.drained() : SENT;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Wait for the receiver's next grant (or the dialog's end, which the retry raises), then send. */
  async #sendWhenGranted(value: unknown): Promise<void> {
    await this.#changes.wait();
    return this.#sendYield(value);
  }

  /** This side's stream closed: tell the peer (once). */
  #sendStop(): void {
    // A task of this side blocked in receive() must see the stream closed now.
    this.#changes.wakeAll();
    if (this.#stopSent || this.#chan.closed || this.#caller?.outcome) return;
    if (this.#task?.abandoned) return;
    this.#stopSent = true;
    this.#chan.send({ msg_type: 'Stop', cid: this.cid });
  }

  // ------------------------------------------------------------ public API

  /**
   * Child side: hand `value` to the parent (it becomes `ctx.first`) and let `openContext` resolve. Call once.
   *
   * @example
   * ```ts
   * await ctx.started({ ready: true });
   * ```
   * @throws {RuntimeUsageError} on the parent side, or when called twice.
   * @throws {MsgTypeError} when `value` breaks the endpoint's `pldSpec`.
   */
  async started(value?: First): Promise<void> {
    if (this.side !== 'child') throw new RuntimeUsageError('started() is called by the child side of a context');
    if (this.#startedSent) throw new RuntimeUsageError('ctx.started() was already called');
    const pld = checkPld(this.#pldSpec, value, 'the started() value');
    assertSerializable(pld, 'the started() value');
    this.#startedSent = true;
    this.#first = pld;
    this.#task!.send({ msg_type: 'Started', cid: this.cid, pld });
  }

  /** @internal */
  get startedSent(): boolean {
    return this.#startedSent;
  }

  /** @internal */
  get stream(): MsgStream | undefined {
    return this.#stream;
  }

  /**
   * Open the dialog's stream (one per context). Each side must open it to
   * talk; the child only after `started()`.
   *
   * @example
   * ```ts
   * await using stream = await ctx.openStream<string>({ msgBufferSize: 16 });
   * await stream.send('hello');
   * ```
   * @throws {RuntimeUsageError} before `started()` (child side), after `cancel()`, or for a second stream.
   * @throws {InvalidArgument} for a `msgBufferSize` that is not a positive integer.
   */
  async openStream<T = Msg, S = Msg>(opts: OpenStreamOptions = {}): Promise<MsgStream<T, S>> {
    if (this.side === 'child' && !this.#startedSent) throw new RuntimeUsageError('call ctx.started() before ctx.openStream()');
    if (this.cancelCalled) throw new RuntimeUsageError('this context was cancelled; it cannot open a stream');
    if (this.#stream) throw new RuntimeUsageError('a context has one stream and it was already opened');
    if (this.#scope.aborted) throw this.#scope.reason;
    if (opts.msgBufferSize !== undefined) this.#rx.limit = validBufferSize(opts.msgBufferSize);
    this.#rx.allowOverruns = opts.allowOverruns ?? this.#rx.allowOverruns;
    this.#stream = new MsgStream(this.#streamEnd, this.#streamEnd);
    if (this.#grants) this.#grant(this.#grants.resize(opts.msgBufferSize, this.#rx.allowOverruns));
    return this.#stream as MsgStream<T, S>;
  }

  /**
   * Parent side: cancel the remote task and wait (bounded) for its ack. Child
   * side: cancel this task itself and return at once; its next await that
   * honours `ctx.signal` raises, and the parent sees `ContextCancelled` with
   * this actor as canceller.
   *
   * @example
   * ```ts
   * await ctx.cancel();
   * const outcome = await ctx.waitForResult(); // a ContextCancelled value: this side asked for it
   * ```
   */
  async cancel(): Promise<void> {
    if (this.side === 'child') {
      // Cancel this task's own scope, as trio's `cs.cancel()`: its next await
      // that honours the signal raises, and the parent gets ContextCancelled
      // naming this actor. (Waiting for the task to end here would wait on itself.)
      const task = this.#task!;
      this.#cancelledItself = true;
      task.canceller ??= this.#actor.uid;
      task.scope.abort(new Cancelled(`task '${task.func}' in actor ${fmtUid(this.#actor.uid)} cancelled itself`, this.#actor.uid));
      return;
    }
    await this.#caller!.cancelAndWait();
  }

  /**
   * Parent side: the child's return value. A cancellation this actor asked
   * for comes back as a `ContextCancelled` value; any other error is thrown.
   *
   * @example
   * ```ts
   * const result = await ctx.waitForResult();
   * if (result instanceof tractor.ContextCancelled) console.log('cancelled by', result.canceller);
   * ```
   * @throws {RemoteActorError} what the child raised (a `ContextCancelled` someone else asked for too).
   */
  async waitForResult(): Promise<R | ContextCancelled> {
    const caller = this.#caller;
    if (!caller) throw new RuntimeUsageError('waitForResult() is called by the parent side of a context');
    while (!caller.outcome) {
      if (this.#scope.aborted) return caller.raise(this.#scope.reason);
      await this.#changes.wait();
    }
    const o = caller.outcome;
    if ('value' in o) return o.value as R;
    if (caller.selfCancelled(o.error)) return o.error as ContextCancelled;
    return caller.raise(o.error);
  }

  /** Raise `err` to the user (parent side: recorded, so leaving does not raise it again). */
  #throw(err: unknown): never {
    if (this.#caller) return this.#caller.raise(err);
    throw err;
  }

  /**
   * Leave the dialog: close this side's stream; if the child has not ended,
   * request its cancellation and wait (bounded) for it. A cancellation this
   * actor asked for is absorbed; a child error, or a cancellation asked by
   * anyone else, is raised (unless this side already received it).
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#caller?.leave(() => {
      if (this.#stream && !this.#stream.closed) this.#stream.markClosed();
      this.#sendStop();
    });
  }

  // ------------------------------------------------------------ opening

  /** @internal Parent side: send Start, wait for Started. */
  async open(ns: string, func: string, kwargs: object): Promise<void> {
    await this.#caller!.open(this.sink, ns, func, kwargs, 'the context endpoint returned without calling ctx.started()');
  }
}

/**
 * The `Context` of the remote task running this code (the twin of
 * `tractor.current_ipc_ctx()`).
 *
 * @example
 * ```ts
 * export const ep = tractor.context(async (ctx) => {
 *   helper();
 *   await ctx.started();
 * });
 * function helper() { console.log(tractor.currentIpcCtx().cid); }
 * ```
 * @throws {RuntimeUsageError} outside a context endpoint.
 */
export function currentIpcCtx(): Context {
  const ctx = taskStorage.getStore()?.ctx;
  if (!(ctx instanceof Context)) throw new RuntimeUsageError('currentIpcCtx() is only available inside a context endpoint');
  return ctx;
}

