/**
 * `RemoteTask`: one task this actor serves for a peer (one `Start`): its
 * cancel scope under the actor's, its reply path, its cancellation with a
 * grace period after which it is abandoned and reported.
 */
import { Cancelled, DebuggerQuit } from '../errors.ts';
import type { Channel } from '../ipc/channel.ts';
import { getLogger } from '../log.ts';
import { boxError } from '../msg/box.ts';
import type { Msg } from '../msg/types.ts';
import { fmtUid, type Uid } from '../uid.ts';
import type { ActorRuntime, ServedTask } from './actor.ts';
import { Scope } from './scope.ts';
import { TASK_CANCEL_GRACE_MS } from './timing.ts';
import { debugHooks } from './debug-hooks.ts';

const log = getLogger('rpc');

/** A remote task being served: its scope, its reply path, its cancellation. */
export class RemoteTask implements ServedTask {
  readonly scope: Scope;
  readonly done: Promise<void>;
  /** Who asked for this task to be cancelled, if anyone did. */
  canceller: Uid | undefined;
  /** Given up on after ignoring cancellation; nothing more is sent. */
  abandoned = false;
  deliver: ServedTask['deliver'];
  fail: ServedTask['fail'];
  #finish!: () => void;
  #finished = false;

  readonly actor: ActorRuntime;
  readonly chan: Channel;
  readonly cid: string;
  /** The actor that asked for this task. */
  readonly caller: Uid;
  /** The name of the function it runs, for messages. */
  readonly func: string;
  /** When it started (`Date.now()`), for its age in `actor_state`. */
  readonly startedAt = Date.now();

  constructor(actor: ActorRuntime, chan: Channel, cid: string, caller: Uid, func: string) {
    this.actor = actor;
    this.chan = chan;
    this.cid = cid;
    this.caller = caller;
    this.func = func;
    this.scope = new Scope([actor.scope]);
    this.done = new Promise((resolve) => (this.#finish = resolve));
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** Send a message of this dialog, unless the task was abandoned or the peer is gone. */
  send(msg: Msg): boolean {
    if (this.abandoned || this.chan.closed) return false;
    return this.chan.send(msg);
  }

  /** Reply with `err` boxed; a cancellation this task was asked for becomes a `ContextCancelled`. */
  sendError(err: unknown): void {
    const canceller = this.isCancellation(err) ? (this.canceller ?? this.actor.uid) : null;
    this.send(boxError(err, this.actor.uid, this.cid, canceller));
  }

  /** True when `err` is this task's own cancellation surfacing (not a new failure). */
  isCancellation(err: unknown): boolean {
    // `q` in a REPL after stepping past pause() quits through this task's scope: a failure of the task, as `q` at pause() is.
    if (!this.scope.aborted || err instanceof DebuggerQuit) return false;
    return err === this.scope.reason || err instanceof Cancelled || (err as Error)?.name === 'AbortError';
  }

  cancel(canceller: Uid): Promise<void> {
    if (this.#finished) return this.done;
    this.canceller ??= canceller;
    log.cancel('cancelling task %s (%s) for %s', this.cid, this.func, fmtUid(canceller));
    this.scope.abort(new Cancelled(`task '${this.func}' in actor ${fmtUid(this.actor.uid)} was cancelled by ${fmtUid(canceller)}`, canceller));
    const timer = setTimeout(() => {
      if (this.#finished) return;
      if (debugHooks.graceHold?.()) return void timer.refresh(); // a task stopped in a REPL is not stuck
      log.warning('task %s (%s) ignored cancellation for %d ms: abandoning it (it keeps running until its actor exits)',
        this.cid, this.func, TASK_CANCEL_GRACE_MS);
      this.sendError(this.scope.reason);
      this.abandoned = true;
      this.finish();
    }, TASK_CANCEL_GRACE_MS);
    timer.unref();
    return this.done.finally(() => clearTimeout(timer));
  }

  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    // Unlink from the actor's scope: a long-lived actor serves millions of tasks.
    this.scope.close();
    this.actor.removeTask(this.cid);
    this.#finish();
  }
}
