/**
 * The grace periods of cancellation, in one place (documented in the README).
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
