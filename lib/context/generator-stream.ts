/**
 * The caller side of a legacy one-way stream (`portal.openStreamFrom`): the
 * dialog with a remote async generator. It opens on `StartAck`, buffers each
 * `Yield` for its receive-only `MsgStream` (with a context's overrun policy),
 * and ends on `Stop` (or the generator's error). No `Started`, no send
 * direction, no stream credit: the generator's task paces itself on its
 * channel's backpressure. Leaving it cancels the generator if it still runs.
 * The open, the outcome, cancelling and leaving are a `Caller`'s (caller.ts),
 * as for a context's parent side.
 */
import { EndOfStream } from '../errors.ts';
import type { Channel } from '../ipc/channel.ts';
import { boxError, unboxError } from '../msg/box.ts';
import type { DialogMsg } from '../msg/types.ts';
import type { ActorRuntime } from '../runtime/actor.ts';
import type { Scope } from '../runtime/scope.ts';
import { Wakeup } from '../trionics/wakeup.ts';
import { Caller, type DeliveryTarget } from './caller.ts';
import { ReceiveBuffer, type ReceiveOwner } from './receive-buffer.ts';
import { MsgStream, type OpenStreamOptions, type ReceiveEnd } from './stream.ts';

/** The dialog of a legacy stream, the {@link ReceiveEnd} of its `MsgStream`. */
export class GeneratorDialog implements ReceiveEnd, ReceiveOwner {
  readonly cid: string;
  readonly #actor: ActorRuntime;
  readonly #chan: Channel;
  readonly #scope: Scope;
  readonly #rx: ReceiveBuffer;
  /** The caller's rules (the open, the outcome, cancelling, leaving), as a context's parent side has them. */
  readonly #caller: Caller;
  readonly #changes = new Wakeup();

  constructor(init: { actor: ActorRuntime; chan: Channel; cid: string; scope: Scope; portal: DeliveryTarget }) {
    this.#actor = init.actor;
    this.#chan = init.chan;
    this.cid = init.cid;
    this.#scope = init.scope;
    this.#rx = new ReceiveBuffer({ owner: this, changes: this.#changes, self: init.actor.uid, chan: init.chan, cid: init.cid });
    this.#caller = new Caller({ ...init, rx: this.#rx, changes: this.#changes });
  }

  /**
   * Send `Start` for the generator `ns:func(kwargs)`, wait for its `StartAck`,
   * and return the stream of what it yields. On failure the generator never
   * outlives the open: it is cancelled and waited for (bounded) first.
   */
  async open(ns: string, func: string, kwargs: object, opts: OpenStreamOptions): Promise<MsgStream> {
    if (opts.msgBufferSize !== undefined) this.#rx.limit = opts.msgBufferSize;
    this.#rx.allowOverruns = opts.allowOverruns ?? false;
    await this.#caller.open(this, ns, func, kwargs, 'the remote generator ended before its StartAck');
    return new MsgStream(this);
  }

  /** @internal Route one message of this dialog (called synchronously by the actor). */
  deliver(msg: DialogMsg, mustAccept = true): boolean | void {
    switch (msg.msg_type) {
      case 'StartAck':
        if (msg.functype === 'asyncgen') return this.#caller.opened();
        return this.#caller.wrongKind(msg.functype, 'asyncgen');
      case 'Yield':
        return this.#rx.push(msg.pld, mustAccept);
      case 'Stop':
        return this.#caller.end({ value: undefined });
      case 'Return':
        return this.#caller.end({ value: msg.pld });
      case 'Error':
        return this.#caller.end({ error: unboxError(msg) });
      // Started, CancelAck, Credit: nothing for a generator's caller to do.
    }
  }

  /** @internal The channel closed under the dialog: when the generator's actor died, the dialog ends with that actor's failure (as a context's). */
  fail(err: unknown): void {
    this.#caller.fail(err);
  }

  /** @internal A message of this dialog could not be decoded here: as an overrun (the stream raises it after what came before). */
  undecodable(err: Error): void {
    if (this.#rx.overrun) return;
    this.#rx.overrunBy(err);
    this.#caller.rejectOpen(err);
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
    if (this.#rx.overrun) return this.#caller.raise(this.#rx.overrun);
    this.#caller.raiseFailure();
    if (this.#scope.aborted) return this.#caller.raise(this.#scope.reason);
    if (this.#caller.outcome) throw new EndOfStream(`the peer closed the stream of context ${this.cid}`);
  }

  /** @internal This side was overrun (or could not decode a message): the generator's next send raises its echo. */
  overran(err: Error): void {
    if (!this.#chan.closed) this.#chan.send(boxError(err, this.#actor.uid, this.cid));
  }

  /** @internal A message left the buffer: a legacy stream grants no credit. */
  taken(): void {}

  /** Leave the dialog (the stream's close): cancel the generator if it still runs, wait (bounded) for its end. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.#caller.leave(() => this.#sendStop());
  }

  /** Tell the generator this side stops reading, unless it already ended (as a context's `Stop`). */
  #sendStop(): void {
    if (this.#caller.outcome || this.#chan.closed) return;
    this.#chan.send({ msg_type: 'Stop', cid: this.cid });
  }
}
