/**
 * Nurseries never disposed: the mistake of `const an = await openNursery()`
 * without `await using`. Inside `run()` it is told when `main` returns
 * ({@link undisposedNurseries}); in a plain script nothing returns, and the
 * program would wait for its children for ever without a word, so a root
 * booted by a nursery is watched ({@link watchForgotten}): once the program
 * has had nothing left to do for a few seconds while that nursery is still
 * open, it says so, once.
 *
 * "Nothing left to do" is judged from outside, conservatively: no dialog
 * open and no remote task served in this actor, no spawn and no `wait()`
 * under way, no task in `sleepForever()`, and no resource keeping the event
 * loop alive beyond the runtime's own (its listeners, its channels' sockets,
 * its child processes): a timer, a server or a socket of the program's own
 * means it is busy, and nothing is said.
 */
import { getLogger } from '../log.ts';
import { spareCount } from '../spawn/prewarm.ts';
import { liveChildren } from '../spawn/reap.ts';
import type { ActorRuntime } from './actor.ts';
import { sleepingForever } from './scope.ts';
import { FORGOTTEN_NURSERY_CHECK_MS, FORGOTTEN_NURSERY_IDLE_CHECKS } from './timing.ts';

const log = getLogger('runtime');

/** What the watch needs of a nursery. */
export interface Watchable {
  readonly closed: boolean;
  /** A spawn or a `wait()` is under way. */
  readonly active: boolean;
}

const open = new Map<Watchable, ActorRuntime>();

/** `nursery` opened on `actor`: counted until it is disposed ({@link disposed}). */
export function opened(nursery: Watchable, actor: ActorRuntime): void {
  open.set(nursery, actor);
}

export function disposed(nursery: Watchable): void {
  open.delete(nursery);
}

/** How many nurseries of `actor` are open (never disposed). */
export function undisposedNurseries(actor: ActorRuntime): number {
  let n = 0;
  for (const a of open.values()) if (a === actor) n++;
  return n;
}

export const FORGOT_AWAIT_USING = 'open a nursery with `await using an = await tractor.openNursery()` ' +
  '(or close it yourself: `await an[Symbol.asyncDispose]()`), so the program ends when its block does';

/** Watch the nursery that booted the root `actor` in a plain script (outside `run()`). */
export function watchForgotten(nursery: Watchable, actor: ActorRuntime): void {
  let idle = 0;
  const timer = setInterval(() => {
    if (nursery.closed || !open.has(nursery)) return void clearInterval(timer);
    idle = nothingToDo(nursery, actor) ? idle + 1 : 0;
    if (idle < FORGOTTEN_NURSERY_IDLE_CHECKS) return;
    clearInterval(timer);
    log.warning('this program has nothing left to do, but its actor nursery was never closed: its children keep it running. %s', FORGOT_AWAIT_USING);
  }, FORGOTTEN_NURSERY_CHECK_MS).unref();
}

function nothingToDo(nursery: Watchable, actor: ActorRuntime): boolean {
  if (nursery.active || actor.busy() || sleepingForever()) return false;
  // The runtime's own handles: listeners, channel sockets, processes (and a pipe or two each).
  const budget: Record<string, number> = {
    server: actor.addrs.length,
    socket: actor.channelCount() + 2 * (liveChildren() + spareCount()),
    process: liveChildren() + spareCount(),
  };
  for (const r of process.getActiveResourcesInfo()) {
    const kind = r === 'TCPServerWrap' || r === 'PipeServerWrap' ? 'server'
      : r === 'TCPSocketWrap' || r === 'PipeWrap' || r === 'TLSWrap' ? 'socket'
      : r === 'ProcessWrap' ? 'process' : undefined;
    if (!kind || --budget[kind]! < 0) return false; // the program's own: it is busy
  }
  return true;
}
