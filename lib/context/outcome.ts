/**
 * The remote task's outcome as a parent-side dialog sees it (a context's, a
 * legacy stream's): what it ended with, the `ContextCancelled` of a cancel
 * this side asked for that the peer did not report itself, and which error
 * leaving the dialog still has to raise.
 */
import { ContextCancelled, RemoteActorError, TransportClosed } from '../errors.ts';
import type { Channel } from '../ipc/channel.ts';
import type { Scope } from '../runtime/scope.ts';
import { fmtUid, type Uid } from '../uid.ts';

/** The remote task's return value, or the error it (or its dialog) ended with. */
export type Outcome = { value: unknown } | { error: Error };

/** The peer of `chan` as messages name it. */
export function peerName(chan: Channel): string {
  return chan.aid ? fmtUid([chan.aid.name, chan.aid.uuid]) : 'the peer';
}

/** True when `uid` is this actor (`self`): the same uuid. */
export function isOurs(self: Uid, uid: Uid | null | undefined): boolean {
  return !!uid && uid[1] === self[1];
}

/** The outcome of a remote task that ended on `self`'s cancel request without saying so itself. */
export function cancelledBy(self: Uid, chan: Channel, cid: string): ContextCancelled {
  const peer: Uid = chan.aid ? [chan.aid.name, chan.aid.uuid] : self;
  return new ContextCancelled(`ContextCancelled in actor ${fmtUid(peer)}: task cancelled by ${fmtUid(self)}`, {
    srcUid: peer, srcTypeName: 'ContextCancelled', relayPath: [peer], remoteStack: '', canceller: self, cid,
    remoteMessage: `task cancelled by ${fmtUid(self)}`,
  });
}

/** What a parent-side dialog knows when it is left. */
export interface Leaving {
  self: Uid;
  outcome: Outcome | undefined;
  /** This side's overrun (or undecodable message), if any. */
  overrun: Error | undefined;
  /** Errors already raised to the user. */
  delivered: WeakSet<object>;
  cancelCalled: boolean;
  scope: Scope;
}

/**
 * The error leaving the dialog raises, if any: lost messages (an overrun)
 * are never silent, a peer failure echoing our own overrun is that same
 * error raised once, a cancellation this side caused is absorbed, and
 * nothing already raised to the user is raised again.
 */
export function leavingError(l: Leaving): Error | undefined {
  const o = l.outcome;
  const err = o && 'error' in o ? o.error : undefined;
  if (l.overrun && (!err || isOverrunEcho(l, err) || absorbed(l, err))) {
    return l.delivered.has(l.overrun) || (err && l.delivered.has(err)) ? undefined : l.overrun;
  }
  return err && !l.delivered.has(err) && !absorbed(l, err) ? err : undefined;
}

/** True when `err` is a cancellation this side caused, which leaving absorbs. */
function absorbed(l: Leaving, err: Error): boolean {
  if (err instanceof ContextCancelled) return isOurs(l.self, err.canceller);
  // The channel died while we were cancelling (e.g. the actor was torn down): that is our cancel completing.
  if (err instanceof TransportClosed && l.cancelCalled) return true;
  return l.scope.aborted && err === l.scope.reason;
}

function isOverrunEcho(l: Leaving, err: Error): boolean {
  return err instanceof RemoteActorError && err.boxedTypeName === l.overrun?.name && isOurs(l.self, err.srcUid);
}
