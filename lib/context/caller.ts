/**
 * The caller side of a dialog, as a context's parent side and a legacy
 * stream's caller (`GeneratorDialog`) share it: sending `Start` and waiting
 * for the open, the remote task's outcome (set once), the cancel request and
 * its bounded wait, what a stream operation raises for an error outcome, the
 * signal of the caller's block, and leaving (what it still raises). Each
 * rule lives here once; the two dialogs keep only what differs (the
 * messages that open and end them, the stream's direction).
 */
import { ContextCancelled, InvalidArgument, MsgTypeError } from '../errors.ts';
import type { Channel } from '../ipc/channel.ts';
import { getLogger } from '../log.ts';
import type { ActorRuntime, DialogSink } from '../runtime/actor.ts';
import { requestTaskCancel, startMsg } from '../runtime/call.ts';
import { Scope } from '../runtime/scope.ts';
import { CANCEL_ACK_TIMEOUT_MS, withTimeout } from '../runtime/timing.ts';
import type { Wakeup } from '../trionics/wakeup.ts';
import { cancelledBy, isOurs, leavingError, type Outcome } from './outcome.ts';
import type { ReceiveBuffer } from './receive-buffer.ts';

const log = getLogger('context');

/** Where a caller-side dialog reports an error it raises to the user (its portal, which tells the nursery). */
export interface DeliveryTarget {
  /** Record that the user received `err`, then throw it. */
  deliver(err: unknown): never;
  /** What a lost connection means (a dead child's failure), when the target knows better than the bare `TransportClosed`. */
  explain?(err: unknown): Promise<unknown> | undefined;
}

/** The open in progress: settled by the message that opens the dialog, or rejected by its end first. */
interface Opening {
  resolve: () => void;
  reject: (e: unknown) => void;
  /** What the open raises when the remote task returns before it opened. */
  unopened: string;
}

/** The caller side of one dialog (see the module header). */
export class Caller {
  readonly cid: string;
  readonly #actor: ActorRuntime;
  readonly #chan: Channel;
  /** The dialog's scope: its abort means "cancel the remote task". */
  readonly #scope: Scope;
  readonly #portal: DeliveryTarget | undefined;
  /** The dialog's receive side, whose overrun leaving raises. */
  readonly #rx: ReceiveBuffer;
  /** Woken on every change of the dialog (shared with its receive side). */
  readonly #changes: Wakeup;
  #outcome: Outcome | undefined;
  #cancelCalled = false;
  #opening: Opening | undefined;
  /** The scope behind {@link signal}, made on first use. */
  #blockScope: Scope | undefined;
  /** Errors already raised to the user, which leaving does not raise again. */
  readonly #delivered = new WeakSet<object>();
  readonly #unlink: () => void;

  constructor(init: {
    actor: ActorRuntime; chan: Channel; cid: string; scope: Scope; portal: DeliveryTarget | undefined; rx: ReceiveBuffer; changes: Wakeup;
  }) {
    this.#actor = init.actor;
    this.#chan = init.chan;
    this.cid = init.cid;
    this.#scope = init.scope;
    this.#portal = init.portal;
    this.#rx = init.rx;
    this.#changes = init.changes;
    this.#unlink = this.#scope.onAbort(() => {
      this.cancelRemote();
      this.#changes.wakeAll();
    });
  }

  /** The remote task's outcome, once known. */
  get outcome(): Outcome | undefined {
    return this.#outcome;
  }

  /** True once this side asked for the remote task's cancellation. */
  get cancelCalled(): boolean {
    return this.#cancelCalled;
  }

  /**
   * The signal of the caller's block: aborted with the dialog's scope (the
   * caller's signal, the nursery) and, as tractor cancels the parent's block
   * when the child errors, with the remote task's failure. The dialog's own
   * scope stays as it is: its abort means "cancel the remote task", which a
   * failed one no longer needs.
   */
  get signal(): AbortSignal {
    if (!this.#blockScope) {
      this.#blockScope = new Scope([this.#scope]);
      const failure = this.#failure();
      if (failure) this.#blockScope.abort(failure);
    }
    return this.#blockScope.signal;
  }

  /** The remote task's error once the dialog ended with one (not a cancel this side asked for). */
  #failure(): Error | undefined {
    const o = this.#outcome;
    return o && 'error' in o && !this.selfCancelled(o.error) ? o.error : undefined;
  }

  /** Whether `err` is the acknowledgement of a cancel this actor asked for. */
  selfCancelled(err: Error): boolean {
    return err instanceof ContextCancelled && isOurs(this.#actor.uid, err.canceller);
  }

  // ------------------------------------------------------------ opening

  /**
   * Route the dialog to `sink`, send `Start` for `ns:func(kwargs)` and wait
   * until {@link opened} (or the dialog's end, the scope's abort or an
   * undecodable message rejects the open). On failure the remote task never
   * outlives the open: it is cancelled and waited for (bounded), then the
   * dialog is closed.
   */
  async open(sink: DialogSink, ns: string, func: string, kwargs: object, unopened: string): Promise<void> {
    const opened = new Promise<void>((resolve, reject) => (this.#opening = { resolve, reject, unopened }));
    // Awaited below, unless the Start cannot be sent (a closed channel): then
    // its rejection (the nursery's failure, say) must not be an unhandled one.
    opened.catch(() => {});
    const unlink = this.#scope.onAbort((reason) => this.#opening?.reject(reason));
    try {
      this.#actor.registerDialog(this.#chan, this.cid, sink);
      this.#chan.send(startMsg(this.#actor, this.cid, ns, func, kwargs));
      await opened;
    } catch (err) {
      await this.cancelAndWait();
      this.close();
      throw err;
    } finally {
      this.#opening = undefined;
      unlink();
    }
  }

  /** The message that opens the dialog arrived. */
  opened(): void {
    this.#opening?.resolve();
  }

  /** The open fails with `err` (an undecodable opening message), if it is still waiting. */
  rejectOpen(err: Error): void {
    this.#opening?.reject(err);
  }

  /** The remote target is a `functype`, not the `wanted` kind: the task started anyway, so it must not outlive this failed open. */
  wrongKind(functype: string, wanted: string): void {
    this.cancelRemote();
    this.end({ error: new InvalidArgument(`the remote target is a ${functype}, not a ${wanted}`) });
  }

  // ------------------------------------------------------------ the outcome

  /** The dialog ended with `outcome` (the first one counts). */
  end(outcome: Outcome): void {
    if (this.#outcome) return;
    this.#outcome = outcome;
    const failure = this.#blockScope && this.#failure();
    if (failure) this.#blockScope!.abort(failure);
    const o = this.#opening;
    if (o) o.reject('error' in outcome ? outcome.error : new MsgTypeError(o.unopened));
    this.#changes.wakeAll();
  }

  /**
   * The channel closed under the dialog: when the peer is a nursery's child
   * that died, the dialog ends with that child's failure (found out within a
   * bound), the one error its death is reported as.
   */
  fail(err: unknown): void {
    const explained = this.#outcome ? undefined : this.#portal?.explain?.(err);
    if (explained) void explained.then((e) => this.end({ error: e as Error }));
    else this.end({ error: err as Error });
  }

  /**
   * Raise what a stream operation raises when the dialog ended with an
   * error: the remote task's acknowledgement of a cancel this actor asked
   * for because its own scope was cancelled (Ctrl-C at the root, a nursery
   * closing) is never raised to it as a `ContextCancelled`; the scope's
   * reason is, the cause of that cancel. Any other error as it is.
   */
  raiseFailure(): void {
    const o = this.#outcome;
    if (!o || !('error' in o)) return;
    const err = o.error;
    if (this.selfCancelled(err) && this.#scope.aborted) return this.raise(this.#scope.reason);
    return this.raise(err);
  }

  /** Raise `err` to the user, recording it (here and in the owning nursery) so leaving does not raise it again. */
  raise(err: unknown): never {
    if (typeof err === 'object' && err !== null) this.#delivered.add(err);
    if (this.#portal) return this.#portal.deliver(err);
    throw err;
  }

  // ------------------------------------------------------------ cancelling

  /** Ask the remote task to cancel (once, unless it ended). */
  cancelRemote(): void {
    if (this.#cancelCalled || this.#outcome) return;
    this.#cancelCalled = true;
    void requestTaskCancel(this.#actor, this.#chan, this.cid).then((acked) => {
      // The task is over: a peer that sends nothing else for it (Python tractor) ends the dialog here.
      if (acked !== undefined) this.end({ error: cancelledBy(this.#actor.uid, this.#chan, this.cid) });
    });
  }

  /** Cancel the remote task unless it ended, and wait (bounded) for its end. */
  async cancelAndWait(): Promise<void> {
    if (this.#outcome) return;
    this.cancelRemote();
    const ended = (async () => {
      while (!this.#outcome) await this.#changes.wait();
    })();
    await withTimeout(ended, CANCEL_ACK_TIMEOUT_MS);
    if (!this.#outcome) log.warning('context %s: no outcome from %s within %d ms of the cancel request', this.cid, this.#chan.aid?.name, CANCEL_ACK_TIMEOUT_MS);
  }

  // ------------------------------------------------------------ leaving

  /**
   * Leave the dialog: `stop()` this side's stream; if the remote task has
   * not ended, request its cancellation and wait (bounded) for it; close.
   * Then raise what {@link leavingError} says is still to raise: a
   * cancellation this actor asked for is absorbed; a remote error, or a
   * cancellation asked by anyone else, is raised (unless already raised).
   */
  async leave(stop: () => void): Promise<void> {
    try {
      stop();
      await this.cancelAndWait();
    } finally {
      this.close();
    }
    const err = leavingError({
      self: this.#actor.uid, outcome: this.#outcome, overrun: this.#rx.overrun, delivered: this.#delivered,
      cancelCalled: this.#cancelCalled, scope: this.#scope,
    });
    if (err) this.raise(err);
  }

  /** The dialog is over here: stop routing its messages and unlink its scopes. */
  close(): void {
    this.#unlink();
    this.#blockScope?.close();
    this.#scope.close();
    this.#actor.closeDialog(this.#chan, this.cid);
  }
}
