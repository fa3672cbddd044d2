/**
 * The child side of a context: run the endpoint `fn(ctx, kwargs)` as the
 * served task, route the dialog's messages to its `Context`, and reply with
 * its return value once it called `started()`.
 */
import { RuntimeUsageError } from '../errors.ts';
import { assertSerializable, checkPld } from '../msg/payload.ts';
import { throwIfDebuggerQuit, withScope } from '../runtime/scope.ts';
import type { RemoteTask } from '../runtime/task.ts';
import { Context } from './context.ts';
import { type ContextFn, pldSpecOf } from './endpoint.ts';

/** Child side: run the endpoint `fn(ctx, kwargs)` for `task`. */
export async function serveContext(task: RemoteTask, fn: ContextFn, kwargs: unknown): Promise<void> {
  const pldSpec = pldSpecOf(fn);
  const ctx = new Context({
    actor: task.actor, chan: task.chan, cid: task.cid, side: 'child', scope: task.scope, task, pldSpec,
  });
  task.deliver = (msg, mustAccept) => ctx.sink.deliver(msg, mustAccept);
  task.fail = (err) => ctx.sink.undecodable(err as Error);
  const result = await withScope(task.scope, () => fn(ctx, kwargs), ctx);
  throwIfDebuggerQuit(task.scope);
  if (!ctx.startedSent) throw new RuntimeUsageError(`context endpoint '${task.func}' returned without calling ctx.started()`);
  const pld = checkPld(pldSpec, result, 'the return value');
  assertSerializable(pld, 'the return value of', task.func);
  if (ctx.stream && !ctx.stream.closed) ctx.stream.markClosed();
  task.send({ msg_type: 'Return', cid: task.cid, pld });
}
