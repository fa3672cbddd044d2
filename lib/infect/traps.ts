/**
 * Errors that escape every task: `unhandledRejection` and
 * `uncaughtException` (which is also where an `'error'` event nobody listens
 * to ends up, thrown by `emit`). In every actor, infected or not, the first
 * such error is the actor's failure: a child relays it boxed to its parent,
 * a root ends its root task with it. It is never Node's raw crash output, and
 * never mistaken for a cancellation.
 *
 * Which task it came from: Node runs both handlers in the async context of
 * the code that made the promise or threw (measured on Node 20 and 24), so
 * the legacy task of `toPromise.runTask` / `openChannelFrom` that was running
 * is named in the stack the parent sees.
 */
import { Cancelled } from '../errors.ts';
import { getLogger } from '../log.ts';
import { taskStorage } from '../runtime/scope.ts';

const log = getLogger('infect');


type Origin = 'unhandledRejection' | 'uncaughtException';

let reporter: ((err: unknown) => void) | undefined;

/**
 * Install the handlers of this process. `report(err)` is called once, with
 * the first escaped error that is not a cancellation; later ones are logged
 * (they are usually consequences of the first, e.g. floating promises
 * rejected by the actor's cancellation). Returns the uninstaller.
 */
export function trapStrayErrors(actor: { readonly name: string }, report: (err: unknown) => void): () => void {
  let reported = false;
  const deliver = (err: unknown) => {
    if (reported) return void log.error('another uncaught error in actor %s after its first: %s', actor.name, describe(err));
    reported = true;
    log.error('uncaught error in actor %s: %s', actor.name, describe(err));
    report(err);
  };
  const onStray = (err: unknown, origin: Origin) => {
    if (isCancellation(err)) {
      // A floating promise that was cancelled (its actor or task went away): not a failure of anyone.
      log.cancel('a floating promise in actor %s was cancelled (%s): await it or attach a .catch()', actor.name, describe(err));
      return;
    }
    annotate(err, origin);
    deliver(err);
  };
  const onRejection = (reason: unknown) => onStray(reason, 'unhandledRejection');
  const onException = (err: unknown) => onStray(err, 'uncaughtException');
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  reporter = deliver;
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    if (reporter === deliver) reporter = undefined;
  };
}

/**
 * Fail this actor with `err` as if it had escaped (a legacy task that held
 * the actor past its cancellation grace period). Without installed traps
 * (no actor runtime), it is thrown from a microtask, as an escaped error is.
 */
export function failActor(err: unknown): void {
  if (reporter) reporter(err);
  else queueMicrotask(() => {
    throw err;
  });
}

function isCancellation(err: unknown): boolean {
  return err instanceof Cancelled || (err as Error)?.name === 'AbortError';
}

/** Name where the error escaped (and from which legacy task) at the top of its stack, for the parent's traceback. */
function annotate(err: unknown, origin: Origin): void {
  if (!(err instanceof Error)) return;
  const task = taskStorage.getStore()?.legacy;
  const where = `(escaped as an ${origin}${task ? ` from ${task}` : ''})`;
  try {
    if (!err.stack?.includes(where)) err.stack = `${err.stack ?? `${err.name}: ${err.message}`}\n    ${where}`;
  } catch {
    // a frozen error keeps its stack
  }
}

function describe(err: unknown): string {
  return (err as Error)?.stack ?? String(err);
}
