/**
 * What every spawn backend hands the spawning code: a started actor (a
 * process or a worker thread) that will connect back to its parent, how to
 * kill it, and its exit. The handshake, the `SpawnSpec` and supervision are
 * the same for every backend (runtime/spawn.ts, runtime/nursery.ts).
 */
import { fileURLToPath } from 'node:url';

/**
 * The first module of every actor, process or thread: spawn/start.ts beside
 * this file in lib/, or dist/spawn/start.js once built, where this code sits
 * in a chunk at dist/'s root (scripts/build.mjs checks that).
 */
export const ACTOR_ENTRY = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './start.ts' : './spawn/start.js', import.meta.url));

export type { StartMethod };

import type { StartMethod } from '../runtime/state.ts';
import type { ExitInfo } from './reap.ts';

export type { ExitInfo } from './reap.ts';

export interface Launched {
  /** The OS process running it (for `'worker'`, this process). */
  readonly pid: number | undefined;
  /** End it at once: SIGKILL for a process, `terminate()` for a worker (even in a synchronous loop). */
  kill(): void;
  /** Resolves when it has ended and, for a process, been reaped. */
  readonly exited: Promise<ExitInfo>;
  /** True for a worker-thread actor. */
  readonly isWorker?: boolean;
}

/**
 * Start an actor that connects back to `argv[0]` (the parent's address) as
 * `argv[1]` (uuid) named `argv[2]`; `secrets` (the spawn secrets, with a
 * cookie or TLS: see ipc/auth.ts) is handed to it privately, never in argv
 * or the environment.
 */
export type Launcher = (argv: [parentAddr: string, uuid: string, name: string], secrets?: string) => Launched;
