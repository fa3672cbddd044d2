/**
 * The calling side of RPC: send `Start`, await `StartAck` then
 * `Return`/`Error`, with cancellation linked to the caller's signals (a
 * cancel request to the peer, a bounded wait for its end). Also calls to the
 * peer runtime's own `self` methods.
 */
import { InvalidArgument, MsgTypeError, TransportClosed } from '../errors.ts';
import type { Channel } from '../ipc/channel.ts';
import { unboxError } from '../msg/box.ts';
import { assertSerializable } from '../msg/payload.ts';
import { type DialogMsg, type FuncType, PLD_SPEC_ANY, type StartMsg } from '../msg/types.ts';
import { isPlainObject } from '../msg/validate.ts';
import type { ActorRuntime } from './actor.ts';
import { abortedReason, onAnyAbort, type Scope } from './scope.ts';
import { CANCEL_ACK_TIMEOUT_MS } from './timing.ts';

/** Throw `InvalidArgument` unless `kwargs`, the arguments of a call to `func`, is a plain object (a map on the wire). */
export function checkKwargs(kwargs: unknown, func: string): void {
  if (isPlainObject(kwargs)) return;
  const got = Array.isArray(kwargs) ? 'an array' : kwargs === null ? 'null' : typeof kwargs === 'object' ? `a ${kwargs.constructor?.name ?? 'non-plain'} object` : `${typeof kwargs} ${String(kwargs)}`;
  throw new InvalidArgument(`the arguments of '${func}' must be one plain object of named arguments (e.g. { n: 5 }), got ${got}`);
}

/** The `Start` message of a call by `actor` to `ns:func(kwargs)` in dialog `cid`. */
export function startMsg(actor: ActorRuntime, cid: string, ns: string, func: string, kwargs: object): StartMsg {
  return { msg_type: 'Start', cid, ns, func, kwargs: kwargs as Record<string, unknown>, uid: actor.uid, pld_spec: PLD_SPEC_ANY };
}

/**
 * Ask the peer to cancel task `cid`. Resolves with the peer's `CancelAck`
 * (true: the task was cancelled and has ended; false: there was no such task
 * any more), or `undefined` if none came within the bound or the channel
 * closed. A `CancelAck` means the task is over: Python tractor sends nothing
 * else for a cancelled plain call (runtime/_rpc.py), and a tractor-ts peer
 * sends the task's own reply before the ack.
 */
export async function requestTaskCancel(actor: ActorRuntime, chan: Channel, cid: string): Promise<boolean | undefined> {
  if (chan.closed) return undefined;
  const ackCid = actor.newCid();
  const d = actor.openDialog(chan, ackCid);
  const timer = setTimeout(() => d.fail(new TransportClosed(`no CancelAck for task ${cid}`)), CANCEL_ACK_TIMEOUT_MS);
  try {
    chan.send(startMsg(actor, ackCid, 'self', '_cancel_task', { cid }));
    for (;;) {
      const msg = await d.next();
      if (msg.msg_type === 'CancelAck') return msg.pld === true;
      if (msg.msg_type !== 'StartAck') return undefined; // an Error: the peer could not cancel it
    }
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    actor.closeDialog(chan, ackCid);
  }
}

/** Sources whose abort cancels a call: an explicit signal, the ambient scope, the owning nursery. */
export type CancelSources = (Scope | AbortSignal | undefined)[];

/**
 * Call `ns:func(kwargs)` in the peer and return its result. Aborting any of
 * `sources` sends a cancel request, waits (bounded) for the remote task to
 * end, and rejects with the abort reason.
 */
export async function callFunction(
  actor: ActorRuntime, chan: Channel, ns: string, func: string, kwargs: object, sources: CancelSources,
  expect: FuncType = 'asyncfunc',
): Promise<unknown> {
  checkKwargs(kwargs, func);
  assertSerializable(kwargs, 'the arguments of', func);
  const already = abortedReason(sources);
  if (already) throw already.reason;
  const cid = actor.newCid();
  const d = actor.openDialog(chan, cid);
  let aborted: { reason: unknown } | undefined;
  let timer: NodeJS.Timeout | undefined;
  const unlink = onAnyAbort(sources, (reason) => {
    aborted = { reason };
    // The peer's CancelAck ends the call at once; the timer bounds a peer that never acks.
    void requestTaskCancel(actor, chan, cid).then((acked) => acked !== undefined && d.fail(reason));
    timer = setTimeout(() => d.fail(reason), CANCEL_ACK_TIMEOUT_MS);
  });
  try {
    chan.send(startMsg(actor, cid, ns, func, kwargs));
    for (;;) {
      const msg: DialogMsg = await d.next();
      if (msg.msg_type === 'StartAck') {
        if (msg.functype !== expect) {
          void requestTaskCancel(actor, chan, cid); // it started anyway: it must not outlive this call
          throw new TypeError(`'${func}' is a ${msg.functype} in the peer, not a ${expect}`);
        }
        continue;
      }
      if (aborted) throw aborted.reason;
      if (msg.msg_type === 'Return') return msg.pld;
      if (msg.msg_type === 'Error') throw unboxError(msg);
      throw new MsgTypeError(`unexpected ${msg.msg_type} in the reply to '${func}'`);
    }
  } catch (err) {
    throw aborted ? aborted.reason : err;
  } finally {
    unlink();
    clearTimeout(timer);
    actor.closeDialog(chan, cid);
  }
}

/** Call a runtime method in the peer (`self` namespace) and wait, bounded, for its ack. */
export async function callSelf(actor: ActorRuntime, chan: Channel, func: string, kwargs: object, timeoutMs: number): Promise<unknown> {
  const cid = actor.newCid();
  const d = actor.openDialog(chan, cid);
  const timer = setTimeout(() => d.fail(new TransportClosed(`${chan.aid?.name ?? 'the peer'} did not answer '${func}' within ${timeoutMs} ms: it is busy or gone`)), timeoutMs);
  try {
    chan.send(startMsg(actor, cid, 'self', func, kwargs));
    let msg = await d.next();
    while (msg.msg_type === 'StartAck') msg = await d.next(); // registry methods run as tasks and ack first
    if (msg.msg_type === 'Error') throw unboxError(msg);
    return (msg as { pld?: unknown }).pld;
  } finally {
    clearTimeout(timer);
    actor.closeDialog(chan, cid);
  }
}
