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
