/**
 * Reaping: every child actor of this process (a process, or a worker thread)
 * is tracked until it has exited, so that none outlives it, whatever way
 * this process ends.
 */
import { getLogger } from '../log.ts';

const log = getLogger('spawn');

/** How a child actor ended: a process's exit code or signal. A worker ended by `terminate()` reads as SIGKILL. */
export interface ExitInfo { code: number | null; signal: NodeJS.Signals | null }

/** What reaping needs of a child actor: a way to end it at once (SIGKILL, or `terminate()` for a worker). */
export interface Killable { kill(): void }

/** Every child actor of this process still running, with its exit. */
const live = new Map<Killable, Promise<ExitInfo>>();

// However this process ends (process.exit on a second Ctrl-C, an uncaught
// exception), its children go with it: a busy child could not notice.
process.on('exit', () => {
  for (const proc of live.keys()) proc.kill();
});

/**
 * Last resort before this process exits: SIGKILL every child actor still
 * running and wait until it is reaped. Nurseries reap their children
 * themselves; this catches those of a task that was abandoned (it ignored its
 * cancellation past the grace period), which would otherwise become orphans
 * that nothing can see (a busy one never notices its parent is gone).
 */
export async function reapChildren(): Promise<void> {
  const left = [...live];
  if (!left.length) return;
  log.warning('killing %d actor process(es) still running as this actor exits', left.length);
  for (const [proc] of left) proc.kill();
  await Promise.all(left.map(([, exited]) => exited));
}

/** How a process ended, for messages. */
export function describeExit(e: ExitInfo): string {
  return e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
}

/** How many child processes (and workers) of this process are still running. */
export function liveChildren(): number {
  return live.size;
}

/** Track `proc` until `exited` settles (see {@link reapChildren}). */
export function trackChild(proc: Killable, exited: Promise<ExitInfo>): void {
  live.set(proc, exited);
  void exited.then(() => live.delete(proc));
}
