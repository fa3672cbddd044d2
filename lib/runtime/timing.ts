/**
 * Every grace period and timeout of the runtime, in one place, each with why
 * it is that long (the cancellation ones are documented in the README).
 */

/** A remote task that has not ended this long after its cancellation is abandoned (and reported). */
export const TASK_CANCEL_GRACE_MS = 1000;
/**
 * Infected actors (`toPromise`): legacy code offered cancellation through its
 * signal that has not settled this long after is abandoned, and its actor
 * torn down (a Promise cannot be stopped from outside, so the process goes).
 * Shorter than TASK_CANCEL_GRACE_MS, so the SC task awaiting it still ends
 * with its cancellation before the runtime would abandon that task too.
 */
export const LEGACY_CANCEL_GRACE_MS = 500;
/** How long a caller waits for a cancelled remote task (or actor) to acknowledge. */
export const CANCEL_ACK_TIMEOUT_MS = 1500;
/**
 * After a graceful cancel request, an actor process still alive this long is
 * SIGKILLed. Longer than a child needs to give up on a stuck task
 * (TASK_CANCEL_GRACE_MS), close its channels and reap its own children, so a
 * busy grandchild is always reaped by its parent first.
 */
export const KILL_GRACE_MS = 2500;
/** A child that has not connected back this long after spawning is killed. */
export const SPAWN_TIMEOUT_MS = 30_000;
/** How long a peer that connected to this actor may take to say who it is (a slow child boot, a busy peer). */
export const HANDSHAKE_TIMEOUT_MS = 5000;
/** How long closing an actor waits for its channels to finish flushing before it lets them go. */
export const ACTOR_CLOSE_GRACE_MS = 300;
/** How long a registry address may take to connect and answer the handshake (at boot, before becoming the registrar). */
export const PROBE_TIMEOUT_MS = 1000;
/** Default bound of a discovery call (find, query, connect to the found actor). */
export const DISCOVERY_TIMEOUT_MS = 3000;
/**
 * How long a registry call keeps retrying a refused connection to its
 * registrar: the gap while the actors registered with a registrar that went
 * away elect a new one (a bind race on the same host takes milliseconds).
 * Short, so a registry address nobody will ever serve still fails soon.
 */
export const REGISTRAR_GAP_MS = 1000;
/**
 * A root booted by a nursery outside `run()` whose program has had nothing
 * left to do for this many checks, this far apart, while the nursery is
 * still open, is told it forgot `await using` (runtime/forgotten.ts): long
 * enough that a program between two steps is never taken for one that ended.
 */
export const FORGOTTEN_NURSERY_CHECK_MS = 1000;
export const FORGOTTEN_NURSERY_IDLE_CHECKS = 3;
/**
 * A registry address whose connection is reset or closed before the peer's
 * Aid is asked again this many times, this far apart: a registrar exiting
 * just then (its listener accepted us) is gone by then, and its address free
 * to take over. An impostor that always does so still fails within ~0.5 s more.
 */
export const EXITING_REGISTRAR_TRIES = 3;
export const EXITING_REGISTRAR_PAUSE_MS = 100;
/** First and longest pause between tries to rejoin the registry after its registrar went away (doubling in between). */
export const REJOIN_FIRST_MS = 20;
export const REJOIN_MAX_MS = 2000;

/**
 * A second SIGINT/SIGTERM at a root within this time of the first is the
 * same one (not an impatient second Ctrl-C, which exits at once): `npx tsx`
 * relays a signal to its program and, if the program's thread has not run
 * its handler within 30 ms, sends it again (then SIGKILLs it 30 ms later).
 */
export const SIGNAL_REPEAT_MS = 500;
/** How long a module being resolved by identity may take to import before it counts as stuck in top-level await. */
export const MAIN_IMPORT_WAIT_MS = 1000;
/** How long a one-shot child's lost channel may precede its exit and still count as that exit (not a transport failure). */
export const EXIT_AFTER_CLOSE_MS = 1000;
/**
 * How long after a child's exit its channel may still be delivering what the
 * child sent before it exited (why it failed to boot): the exit and the
 * channel's last bytes reach the parent in either order. The kernel closes a
 * dead process's sockets, so the wait is a loop turn or two.
 */
export const CLOSE_AFTER_EXIT_MS = 1000;

/**
 * How long a receiver that takes nothing may hold up its channel before the
 * message waiting for it is forced in (and overruns its stream): long enough
 * for a busy reader to catch up, short enough that one stalled stream does
 * not hold up the other dialogs of its channel for long. Only peers that
 * grant no credit (Python tractor) can fill a buffer. The time counts at
 * most {@link STALL_STEP_MS} per retry, so a process that was descheduled
 * (a busy host) is not overrun by the wall-clock time it did not run.
 */
export const STREAM_STALL_MS = 100;
/** The most one retry of a stalled delivery adds to the stall time. */
export const STALL_STEP_MS = 10;
/** After a graceful close, how long a peer that never reads may keep the socket open before it is destroyed. */
export const CLOSE_FLUSH_GRACE_MS = 1000;

/**
 * The one way the library bounds a wait: `p`'s outcome, unless `ms` pass
 * first; then whatever `onTimeout()` returns (the default: `undefined`), or
 * the error it throws. The timer is cleared as soon as either happens;
 * `unref` lets the process exit meanwhile (for waits at teardown).
 */
export function withTimeout<T, U = undefined>(p: Promise<T>, ms: number, onTimeout?: () => U, unref = false): Promise<T | U> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<U>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout ? onTimeout() : (undefined as U));
      } catch (err) {
        reject(err);
      }
    }, ms);
    if (unref) timer.unref();
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}
