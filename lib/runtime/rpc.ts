/**
 * Remote procedure calls: serving a `Start` (look the function up, ack, run
 * it as a task under the actor's scope, reply) and making one (send `Start`,
 * await `StartAck` then `Return`/`Error`, with cancellation linked to the
 * caller's signals). Also the runtime's own `self` namespace: `cancel` and
 * `_cancel_task`.
 */
import {
  Cancelled, fmtUid, ModuleNotExposed, MsgTypeError, TransportClosed, boxError, unboxError,
} from '../errors.ts';
import type { Channel } from '../ipc/channel.ts';
import { getLogger } from '../log.ts';
import type { DialogMsg, FuncType, Msg, StartMsg, Uid } from '../msg/types.ts';
import { assertSerializable } from '../msg/pld.ts';
import type { Actor, ServedTask } from './actor.ts';
import { functypeOf, importModule, loadedModule } from './resolve.ts';
import { abortedReason, currentSignal, onAnyAbort, Scope, withScope } from './scope.ts';
import { registrarMethods } from '../discovery/registrar.ts';
import { CANCEL_ACK_TIMEOUT_MS, TASK_CANCEL_GRACE_MS } from './timing.ts';
import { serveContext } from '../context.ts';
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
  #finish!: () => void;
  #finished = false;

  constructor(readonly actor: Actor, readonly chan: Channel, readonly cid: string, readonly caller: Uid, readonly func: string) {
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
    if (!this.scope.aborted) return false;
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

function lookup(actor: Actor, ns: string, func: string): Function | Promise<Function> {
  if (!actor.enableModules.has(ns)) {
    throw new ModuleNotExposed(
      `module ${ns} is not exposed by actor ${fmtUid(actor.uid)}: list it in that actor's enableModules ` +
      `(e.g. \`startActor('${actor.name}', { enableModules: [import.meta.url] })\` in the module that defines '${func}')`);
  }
  const mod = loadedModule(ns);
  return mod ? exportedFunction(mod, ns, func) : importModule(ns).then((m) => exportedFunction(m, ns, func));
}

function exportedFunction(mod: Record<string, unknown>, ns: string, func: string): Function {
  const fn = Object.hasOwn(mod, func) ? mod[func] : undefined;
  if (typeof fn !== 'function') throw new TypeError(`module ${ns} has no exported function '${func}'`);
  return fn;
}

/** Serve one `Start`: run the target as a task of this actor and reply. */
export async function serveStart(actor: Actor, chan: Channel, msg: StartMsg): Promise<void> {
  const method = msg.ns === 'self' ? registrarMethod(actor, chan, msg.func) : undefined;
  if (msg.ns === 'self' && !method) return serveSelf(actor, chan, msg);
  const task = new RemoteTask(actor, chan, msg.cid, msg.uid, msg.func);
  actor.addTask(task);
  try {
    if (actor.cancelCalled) throw actor.scope.reason;
    const found = method ?? lookup(actor, msg.ns, msg.func);
    const fn = found instanceof Promise ? await found : found;
    const functype = functypeOf(fn);
    task.send({ msg_type: 'StartAck', cid: msg.cid, functype });
    if (functype === 'context') {
      await serveContext(task, fn as ContextFn, msg.kwargs);
    } else if (functype === 'asyncgen') {
      await serveGenerator(task, fn as GenFn, msg.kwargs);
    } else {
      const result = await withScope(task.scope, () => (fn as AsyncFn)(msg.kwargs));
      assertSerializable(result, 'the return value of', msg.func);
      task.send({ msg_type: 'Return', cid: msg.cid, pld: result });
    }
  } catch (err) {
    debugHooks.crash?.(err, task.isCancellation(err));
    if (!task.finished) task.sendError(err);
  } finally {
    task.finish();
  }
}

type AsyncFn = (args: unknown) => Promise<unknown>;
type GenFn = (args: unknown) => AsyncGenerator<unknown>;
type ContextFn = (ctx: unknown, args: unknown) => Promise<unknown>;

/** Legacy one-way streaming: each `yield` becomes a `Yield`, the end a `Stop`. */
async function serveGenerator(task: RemoteTask, fn: GenFn, kwargs: unknown): Promise<void> {
  const gen = withScope(task.scope, () => fn(kwargs));
  const stopOnCancel = task.scope.onAbort(() => void gen.return(undefined).catch(() => {}));
  try {
    for (;;) {
      const step = await withScope(task.scope, () => gen.next());
      if (step.done) break;
      assertSerializable(step.value, 'a value yielded by', task.func);
      if (task.send({ msg_type: 'Yield', cid: task.cid, pld: step.value })) await task.chan.drained();
      if (task.scope.aborted) throw task.scope.reason;
    }
    if (task.scope.aborted) throw task.scope.reason;
    task.send({ msg_type: 'Stop', cid: task.cid });
  } finally {
    stopOnCancel();
  }
}

/** A registry method, when this actor is the registrar (served as a task, so it can be cancelled). */
function registrarMethod(actor: Actor, chan: Channel, func: string): Function | undefined {
  if (!actor.registry) return undefined;
  const methods = registrarMethods(actor.registry, chan, currentSignal);
  return Object.hasOwn(methods, func) ? methods[func] : undefined;
}

/** The runtime's own methods, callable only under the `self` namespace. */
async function serveSelf(actor: Actor, chan: Channel, msg: StartMsg): Promise<void> {
  const ack = (pld: boolean) => {
    if (!chan.closed) chan.send({ msg_type: 'CancelAck', cid: msg.cid, pld });
  };
  switch (msg.func) {
    case 'cancel':
      await actor.cancel(msg.uid);
      ack(true);
      chan.flush();
      actor.onShutdown?.();
      return;
    case 'enabled_modules':
      // Lets a caller holding a portal from discovery resolve functions by identity.
      if (!chan.closed) chan.send({ msg_type: 'Return', cid: msg.cid, pld: [...actor.enableModules] });
      return;
    case '_cancel_task': {
      const task = actor.getTask(String((msg.kwargs as { cid?: unknown }).cid));
      if (!task) return ack(false);
      await task.cancel(msg.uid);
      return ack(true);
    }
    default:
      if (!chan.closed) {
        chan.send(boxError(new TypeError(`'${msg.func}' is not a runtime method of the 'self' namespace`), actor.uid, msg.cid));
      }
  }
}

/** Ask the peer to cancel task `cid`; fire and forget (its ack is dropped). */
export function requestTaskCancel(actor: Actor, chan: Channel, cid: string): void {
  if (chan.closed) return;
  chan.send({ msg_type: 'Start', cid: actor.newCid(), ns: 'self', func: '_cancel_task', kwargs: { cid }, uid: actor.uid, pld_spec: null });
}

/** Sources whose abort cancels a call: an explicit signal, the ambient scope, the owning nursery. */
export type CancelSources = (Scope | AbortSignal | undefined)[];

/**
 * Call `ns:func(kwargs)` in the peer and return its result. Aborting any of
 * `sources` sends a cancel request, waits (bounded) for the remote task to
 * end, and rejects with the abort reason.
 */
export async function callFunction(
  actor: Actor, chan: Channel, ns: string, func: string, kwargs: object, sources: CancelSources,
  expect: FuncType = 'asyncfunc',
): Promise<unknown> {
  assertSerializable(kwargs, 'the arguments of', func);
  const already = abortedReason(sources);
  if (already) throw already.reason;
  const cid = actor.newCid();
  const d = actor.openDialog(chan, cid);
  let aborted: { reason: unknown } | undefined;
  let timer: NodeJS.Timeout | undefined;
  const unlink = onAnyAbort(sources, (reason) => {
    aborted = { reason };
    requestTaskCancel(actor, chan, cid);
    timer = setTimeout(() => d.fail(reason), CANCEL_ACK_TIMEOUT_MS);
  });
  try {
    chan.send({ msg_type: 'Start', cid, ns, func, kwargs: kwargs as Record<string, unknown>, uid: actor.uid, pld_spec: null });
    for (;;) {
      const msg: DialogMsg = await d.next();
      if (msg.msg_type === 'StartAck') {
        if (msg.functype !== expect) {
          requestTaskCancel(actor, chan, cid); // it started anyway: it must not outlive this call
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
export async function callSelf(actor: Actor, chan: Channel, func: string, kwargs: object, timeoutMs: number): Promise<unknown> {
  const cid = actor.newCid();
  const d = actor.openDialog(chan, cid);
  const timer = setTimeout(() => d.fail(new TransportClosed(`${chan.aid?.name ?? 'the peer'} did not answer '${func}' within ${timeoutMs} ms: it is busy or gone`)), timeoutMs);
  try {
    chan.send({ msg_type: 'Start', cid, ns: 'self', func, kwargs: kwargs as Record<string, unknown>, uid: actor.uid, pld_spec: null });
    let msg = await d.next();
    while (msg.msg_type === 'StartAck') msg = await d.next(); // registry methods run as tasks and ack first
    if (msg.msg_type === 'Error') throw unboxError(msg);
    return (msg as { pld?: unknown }).pld;
  } finally {
    clearTimeout(timer);
    actor.closeDialog(chan, cid);
  }
}
