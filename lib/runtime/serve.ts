/**
 * Serving a `Start`: look the function up among the enabled modules, ack
 * with its kind, run it as a `RemoteTask` under the actor's scope and reply
 * (a value, a stream of `Yield`s, or a context dialog). Also the runtime's
 * own `self` namespace: `cancel`, `enabled_modules`, `_cancel_task`, and the
 * methods the runtime was given (`selfMethods`).
 */
import { FunctionNotFound, ModuleNotExposed, MsgTypeError, UnknownRuntimeMethod } from '../errors.ts';
import type { Channel } from '../ipc/channel.ts';
import { boxError } from '../msg/box.ts';
import { EXT_PROBLEM, reviveExt } from '../msg/ext.ts';
import { assertSerializable } from '../msg/payload.ts';
import type { StartMsg } from '../msg/types.ts';
import { fmtUid } from '../uid.ts';
import { serveContext } from '../context/serve.ts';
import type { ActorRuntime } from './actor.ts';
import { checkKwargs } from './call.ts';
import { functypeOf, importModule, loadedModule } from './resolve.ts';
import { currentSignal, throwIfDebuggerQuit, withScope } from './scope.ts';
import { RemoteTask } from './task.ts';
import { debugHooks } from './debug-hooks.ts';
import { getRuntimeVars } from './state.ts';

/**
 * A request decoded before this actor had imported the modules that register
 * the types of its arguments (they are imported while the first requests
 * arrive): decode those values now, or refuse the request.
 */
async function reviveArgs(actor: ActorRuntime, msg: StartMsg): Promise<Record<string, unknown>> {
  for (const m of actor.enableModules) await importModule(m).catch(() => undefined);
  const { value, problem } = reviveExt(msg.kwargs);
  if (problem) throw new MsgTypeError(`the arguments of '${msg.func}' in actor ${fmtUid(actor.uid)}: ${problem}`);
  return value as Record<string, unknown>;
}

function lookup(actor: ActorRuntime, name: string, func: string): Function | Promise<Function> {
  // A dotted alias (`enableModules: { 'svc.math': import.meta.url }`) names its module for callers that cannot use URLs.
  const ns = actor.moduleAliases.get(name) ?? name;
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
  if (typeof fn !== 'function') throw new FunctionNotFound(`module ${ns} has no exported function '${func}'`);
  return fn;
}

/** Serve one `Start`: run the target as a task of this actor and reply. */
export async function serveStart(actor: ActorRuntime, chan: Channel, msg: StartMsg): Promise<void> {
  const method = msg.ns === 'self' ? givenMethod(actor, chan, msg.func) : undefined;
  if (msg.ns === 'self' && !method) return serveSelf(actor, chan, msg);
  const task = new RemoteTask(actor, chan, msg.cid, msg.uid, msg.func);
  actor.addTask(task);
  try {
    if (actor.cancelCalled) throw actor.scope.reason;
    checkKwargs(msg.kwargs, msg.func); // a bad kwargs that arrives anyway: an error reply, never a dead channel
    const found = method ?? lookup(actor, msg.ns, msg.func);
    const fn = found instanceof Promise ? await found : found;
    if (EXT_PROBLEM in msg) msg.kwargs = await reviveArgs(actor, msg);
    const functype = functypeOf(fn);
    task.send({ msg_type: 'StartAck', cid: msg.cid, functype });
    if (functype === 'context') {
      await serveContext(task, fn as ContextFn, msg.kwargs);
    } else if (functype === 'asyncgen') {
      await serveGenerator(task, fn as GenFn, msg.kwargs);
    } else {
      const result = await withScope(task.scope, () => (fn as AsyncFn)(msg.kwargs));
      throwIfDebuggerQuit(task.scope);
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

/** A runtime method this actor was given (the registry's, in the registrar), served as a task so it can be cancelled. */
function givenMethod(actor: ActorRuntime, chan: Channel, func: string): AsyncFn | undefined {
  const methods = actor.selfMethods;
  const method = methods && Object.hasOwn(methods, func) ? methods[func] : undefined;
  if (!method) return undefined;
  return (kwargs) => method(kwargs as Record<string, unknown>, { chan, signal: currentSignal() });
}

/** The runtime's own methods, callable only under the `self` namespace. */
async function serveSelf(actor: ActorRuntime, chan: Channel, msg: StartMsg): Promise<void> {
  const ack = (pld: boolean) => {
    if (!chan.closed) chan.send({ msg_type: 'CancelAck', cid: msg.cid, pld });
  };
  // Every `self` method is answered StartAck first, as Python tractor's callers require (runtime/_runtime.py:829).
  if (msg.func === 'cancel' || msg.func === '_cancel_task' || msg.func === 'enabled_modules') {
    if (!chan.closed) chan.send({ msg_type: 'StartAck', cid: msg.cid, functype: 'asyncfunc' });
  }
  switch (msg.func) {
    case 'cancel':
      await actor.cancel(msg.uid);
      ack(true);
      chan.flush();
      actor.onShutdown?.();
      return;
    case 'enabled_modules':
      // Lets a caller holding a portal from discovery resolve functions by identity (tractor-ts callers only).
      if (!chan.closed) chan.send({ msg_type: 'Return', cid: msg.cid, pld: [...actor.enableModules] });
      return;
    case 'actor_state':
      // What `tractor-ts tree` shows of this actor (tractor-ts only: never asked of a Python peer).
      if (!chan.closed) chan.send({ msg_type: 'Return', cid: msg.cid, pld: actorState(actor) as unknown as Record<string, unknown> });
      return;
    case '_cancel_task': {
      const task = actor.getTask(String((msg.kwargs as { cid?: unknown }).cid));
      if (!task) return ack(false);
      await task.cancel(msg.uid);
      return ack(true);
    }
    default:
      if (!chan.closed) {
        chan.send(boxError(new UnknownRuntimeMethod(`'${msg.func}' is not a runtime method of the 'self' namespace`), actor.uid, msg.cid));
      }
  }
}

/** What `self:actor_state` reports: who this actor is, since when, what it runs, whom it spawned. */
export interface ActorState {
  name: string;
  uuid: string;
  pid: number;
  /** The uuid of the actor that spawned this one; null for a root. */
  parent: string | null;
  startMethod: string;
  uptimeMs: number;
  addrs: string[];
  isRegistrar: boolean;
  debugMode: boolean;
  tasks: { cid: string; func: string; ageMs: number; caller: string }[];
  children: { name: string; uuid: string; pid: number }[];
}

function actorState(actor: ActorRuntime): ActorState {
  const now = Date.now();
  const vars = getRuntimeVars();
  return {
    name: actor.name,
    uuid: actor.uuid,
    pid: actor.pid,
    parent: actor.parentChan?.aid?.uuid ?? null,
    startMethod: vars.startMethod,
    uptimeMs: now - actor.startedAt,
    addrs: [...actor.addrs],
    isRegistrar: actor.isRegistrar,
    debugMode: vars.debugMode,
    tasks: [...actor.tasks()].flatMap((t) => t instanceof RemoteTask
      ? [{ cid: t.cid, func: t.func, ageMs: now - t.startedAt, caller: t.caller[0] }] : []),
    children: [...actor.children()].flatMap((c) => c.aid ? [{ name: c.aid.name, uuid: c.aid.uuid, pid: c.aid.pid }] : []),
  };
}
