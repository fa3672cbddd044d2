/**
 * The caller side of a legacy one-way stream (`portal.openStreamFrom`): the
 * dialog with a remote async generator. It opens on `StartAck`, buffers each
 * `Yield` for its receive-only `MsgStream` (with a context's overrun policy),
 * and ends on `Stop` (or the generator's error). No `Started`, no send
 * direction, no stream credit: the generator's task paces itself on its
 * channel's backpressure. Leaving it cancels the generator if it still runs.
 */
import { ContextCancelled, EndOfStream, InvalidArgument, MsgTypeError } from '../errors.ts';
import type { Channel } from '../ipc/channel.ts';
import { getLogger } from '../log.ts';
import { boxError, unboxError } from '../msg/box.ts';
import type { DialogMsg } from '../msg/types.ts';
import type { ActorRuntime } from '../runtime/actor.ts';
import { requestTaskCancel, startMsg } from '../runtime/call.ts';
import type { Scope } from '../runtime/scope.ts';
import { Wakeup } from '../trionics/wakeup.ts';
import { CANCEL_ACK_TIMEOUT_MS, withTimeout } from '../runtime/timing.ts';
import type { DeliveryTarget } from './context.ts';
import { cancelledBy, isOurs, leavingError, type Outcome } from './outcome.ts';
import { ReceiveBuffer, type ReceiveOwner } from './receive-buffer.ts';
import { MsgStream, type OpenStreamOptions, type ReceiveEnd } from './stream.ts';

const log = getLogger('context');

/** The dialog of a legacy stream, the {@link ReceiveEnd} of its `MsgStream`. */
export class GeneratorDialog implements ReceiveEnd, ReceiveOwner {
  readonly cid: string;
  readonly #actor: ActorRuntime;
  readonly #chan: Channel;
  readonly #scope: Scope;
  readonly #portal: DeliveryTarget;
  readonly #rx: ReceiveBuffer;
  #outcome: Outcome | undefined;
  #cancelCalled = false;
  #opened: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  readonly #changes = new Wakeup();
  #delivered = new WeakSet<object>();
  #unlink: () => void;

  constructor(init: { actor: ActorRuntime; chan: Channel; cid: string; scope: Scope; portal: DeliveryTarget }) {
    this.#actor = init.actor;
    this.#chan = init.chan;
    this.cid = init.cid;
    this.#scope = init.scope;
    this.#portal = init.portal;
    this.#rx = new ReceiveBuffer({ owner: this, changes: this.#changes, self: init.actor.uid, chan: init.chan, cid: init.cid });
    this.#unlink = this.#scope.onAbort(() => {
      this.#cancelRemote();
      this.#changes.wakeAll();
    });
  }

  /**
   * Send `Start` for the generator `ns:func(kwargs)`, wait for its `StartAck`,
   * and return the stream of what it yields. On failure the generator never
   * outlives the open: it is cancelled and waited for (bounded) first.
   */
  async open(ns: string, func: string, kwargs: object, opts: OpenStreamOptions): Promise<MsgStream> {
    if (opts.msgBufferSize !== undefined) this.#rx.limit = opts.msgBufferSize;
    this.#rx.allowOverruns = opts.allowOverruns ?? false;
    const opened = new Promise<void>((resolve, reject) => (this.#opened = { resolve, reject }));
    opened.catch(() => {}); // awaited below, unless the Start cannot be sent: then not an unhandled rejection
    const unlink = this.#scope.onAbort((reason) => this.#opened?.reject(reason));
    try {
      this.#actor.registerDialog(this.#chan, this.cid, this);
      this.#chan.send(startMsg(this.#actor, this.cid, ns, func, kwargs));
      await opened;
    } catch (err) {
      await this.#cancelAndWait();
      this.#close();
      throw err;
    } finally {
      this.#opened = undefined;
      unlink();
    }
    return new MsgStream(this);
  }

  /** @internal Route one message of this dialog (called synchronously by the actor). */
  deliver(msg: DialogMsg, mustAccept = true): boolean | void {
    switch (msg.msg_type) {
      case 'StartAck':
        if (msg.functype === 'asyncgen') return this.#opened?.resolve();
        this.#cancelRemote(); // the task started anyway: it must not outlive this failed open
        return this.#end({ error: new InvalidArgument(`the remote target is a ${msg.functype}, not a asyncgen`) });
      case 'Yield':
        return this.#rx.push(msg.pld, mustAccept);
      case 'Stop':
        return this.#end({ value: undefined });
      case 'Return':
        return this.#end({ value: msg.pld });
      case 'Error':
        return this.#end({ error: unboxError(msg) });
      // Started, CancelAck, Credit: nothing for a generator's caller to do.
    }
  }

  /** @internal The channel closed under the dialog: when the generator's actor died, the dialog ends with that actor's failure (as a context's). */
  fail(err: unknown): void {
    const explained = this.#outcome ? undefined : this.#portal.explain?.(err);
    if (explained) void explained.then((e) => this.#end({ error: e as Error }));
    else this.#end({ error: err as Error });
  }

  /** @internal A message of this dialog could not be decoded here: as an overrun (the stream raises it after what came before). */
  undecodable(err: Error): void {
    if (this.#rx.overrun) return;
    this.#rx.overrunBy(err);
    this.#opened?.reject(err);
  }

  /** The next message taken now; `NOTHING` if none is waiting. */
  takeBuffered(): unknown {
    return this.#rx.take();
  }

  /** The next message: buffered ones first, then this side's overrun, the generator's error, or its end. */
  receiveYield(): Promise<unknown> {
    return this.#rx.receive();
  }

  /** @internal Nothing buffered: raise this side's overrun, the generator's error, or its end; return to wait. */
  raiseEnd(): void {
    if (this.#rx.overrun) return this.#throw(this.#rx.overrun);
    const o = this.#outcome;
    if (o && 'error' in o) return this.#throw(this.#cause(o.error));
    if (this.#scope.aborted) return this.#throw(this.#scope.reason);
    if (o) throw new EndOfStream(`the peer closed the stream of context ${this.cid}`);
  }

  /** @internal This side was overrun (or could not decode a message): the generator's next send raises its echo. */
  overran(err: Error): void {
    if (!this.#chan.closed) this.#chan.send(boxError(err, this.#actor.uid, this.cid));
  }

  /** @internal A message left the buffer: a legacy stream grants no credit. */
  taken(): void {}

  /**
   * What receiving raises for the error outcome `err`: the acknowledgement of
   * a cancel this side asked for because its own scope was cancelled is not
   * raised as a `ContextCancelled`; the scope's reason, that cancel's cause, is.
   */
  #cause(err: Error): Error {
    if (err instanceof ContextCancelled && isOurs(this.#actor.uid, err.canceller) && this.#scope.aborted) return this.#scope.reason as Error;
    return err;
  }

  /** Leave the dialog (the stream's close): cancel the generator if it still runs, wait (bounded) for its end. */
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.#sendStop();
      await this.#cancelAndWait();
    } finally {
      this.#close();
    }
    const err = leavingError({
      self: this.#actor.uid, outcome: this.#outcome, overrun: this.#rx.overrun, delivered: this.#delivered,
      cancelCalled: this.#cancelCalled, scope: this.#scope,
    });
    if (err) this.#throw(err);
  }

  #end(outcome: Outcome): void {
    if (this.#outcome) return;
    this.#outcome = outcome;
    this.#opened?.reject('error' in outcome ? outcome.error : new MsgTypeError('the remote generator ended before its StartAck'));
    this.#changes.wakeAll();
  }

  /** Tell the generator this side stops reading, unless it already ended (as a context's `Stop`). */
  #sendStop(): void {
    if (this.#outcome || this.#chan.closed) return;
    this.#chan.send({ msg_type: 'Stop', cid: this.cid });
  }

  #cancelRemote(): void {
    if (this.#cancelCalled || this.#outcome) return;
    this.#cancelCalled = true;
    void requestTaskCancel(this.#actor, this.#chan, this.cid).then((acked) => {
      // The task is over: a peer that sends nothing else for it (Python tractor) ends the dialog here.
      if (acked !== undefined) this.#end({ error: cancelledBy(this.#actor.uid, this.#chan, this.cid) });
    });
  }

  /** Cancel the generator unless it ended, and wait (bounded) for its end. */
  async #cancelAndWait(): Promise<void> {
    if (this.#outcome) return;
    this.#cancelRemote();
    const ended = (async () => {
      while (!this.#outcome) await this.#changes.wait();
    })();
    await withTimeout(ended, CANCEL_ACK_TIMEOUT_MS);
    if (!this.#outcome) log.warning('context %s: no outcome from %s within %d ms of the cancel request', this.cid, this.#chan.aid?.name, CANCEL_ACK_TIMEOUT_MS);
  }

  /** Raise `err` to the user, recording it (here and in the owning nursery) so leaving does not raise it again. */
  #throw(err: unknown): never {
    if (typeof err === 'object' && err !== null) this.#delivered.add(err);
    return this.#portal.deliver(err);
  }

  #close(): void {
    this.#unlink();
    this.#scope.close();
    this.#actor.closeDialog(this.#chan, this.cid);
  }
}
