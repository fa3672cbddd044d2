/**
 * The actor runtime running in this process, if any, and what user code may
 * know of it: `currentActor()`.
 */
import { RuntimeUsageError } from '../errors.ts';
import type { Address } from '../ipc/addr.ts';
import type { Uid } from '../uid.ts';
import type { ActorRuntime } from './actor.ts';
import { isWorkerActor } from './state.ts';

/** What user code can know about the actor it runs in. */
export interface ActorInfo {
  readonly name: string;
  readonly uid: Uid;
  readonly pid: number;
  readonly enableModules: readonly string[];
  readonly isRegistrar: boolean;
  readonly addrs: readonly Address[];
  /** True in an actor spawned with `startMethod: 'worker'` (a thread of its parent's process: `pid` is the parent's). */
  readonly isWorker: boolean;
}

let runtime: ActorRuntime | undefined;

/** The actor runtime of this process, if one is running. */
export function getRuntime(): ActorRuntime | undefined {
  return runtime;
}

export function setRuntime(actor: ActorRuntime | undefined): void {
  runtime = actor;
}

/**
 * The actor this code runs in: its name, uid, pid, enabled modules, whether it is the registrar, and its addresses.
 *
 * @example
 * ```ts
 * export async function whoami() { return tractor.currentActor().name; }
 * ```
 * @throws {RuntimeUsageError} outside a running actor (open a root or nursery first).
 */
export function currentActor(): ActorInfo {
  const a = runtime;
  if (!a) throw new RuntimeUsageError('no actor runtime is running in this process: call tractor.run(), openRoot() or openNursery() first');
  return Object.freeze({
    name: a.name,
    uid: a.uid,
    pid: a.pid,
    enableModules: Object.freeze([...a.enableModules]),
    isRegistrar: a.isRegistrar,
    addrs: Object.freeze([...a.addrs]),
    isWorker: isWorkerActor,
  });
}
