/**
 * The `'prewarm'` spawn backend: spare actor processes started ahead of
 * time, booted up to the point where they wait for their spawn spec (Node
 * up, loader and library loaded and compiled), so a spawn pays only for
 * the handshake and the import of its modules. A spare is taken by the next
 * `'prewarm'` spawn and replaced in the background; it is never reused (one
 * actor per process, as `'subprocess'`). A spare waits on its stdin pipe: the
 * one line it reads says who to become (parent address, uuid, name) and,
 * with a cookie or TLS, carries its spawn secrets (they are made per spawn,
 * after the spare started; the pipe is private to the two processes, never
 * argv or the environment). The end of the pipe, however this process ends
 * (even by SIGKILL), makes it exit. Spares belong to the root:
 * `closeSpares()` ends them when it closes.
 */
import type { ChildProcess } from 'node:child_process';
import { childProcess } from '../builtins.ts';
import { childEnv } from '../ipc/auth.ts';
import { getLogger } from '../log.ts';
import { getRuntimeVars } from '../runtime/state.ts';
import { CHILD_EXEC_ARGV } from './flags.ts';
import { ACTOR_ENTRY, type ExitInfo, type Launched } from './launch.ts';

const log = getLogger('spawn');

/** The argument that makes the actor entry wait as a spare (spawn/start.ts). */
export const SPARE_ARG = '--tractor-spare';

interface Spare { proc: ChildProcess; exited: Promise<ExitInfo> }

const spares: Spare[] = [];

function startSpare(): Spare {
  const proc = childProcess().spawn(process.execPath, [...CHILD_EXEC_ARGV, ACTOR_ENTRY, SPARE_ARG], { stdio: ['pipe', 'inherit', 'inherit'], env: childEnv() });
  // A spare that died (or a parent pipe that broke) is simply not taken.
  proc.stdin!.on('error', () => {});
  const exited = new Promise<ExitInfo>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
    proc.once('error', (err) => {
      log.error('cannot start a spare actor process: %s', err.message);
      resolve({ code: -1, signal: null });
    });
  });
  const spare = { proc, exited };
  void exited.then(() => {
    const i = spares.indexOf(spare);
    if (i >= 0) spares.splice(i, 1);
  });
  return spare;
}

/** How many spare processes are kept now. */
export function spareCount(): number {
  return spares.length;
}

/**
 * Top the pool up to the root's `prewarm` count (in the background). A root
 * whose start method is `'prewarm'` fills it once booted; any other actor on
 * its first `'prewarm'` spawn (a tree with that default would otherwise
 * double its processes, one spare beside each actor, spawning or not).
 */
export function fillSpares(): void {
  const count = getRuntimeVars().prewarm ?? 1;
  while (spares.length < count) spares.push(startSpare());
}

/** The one line a spare reads (spawn/start.ts): who to become, and its spawn secrets if any. */
export interface SpawnLine { argv: string[]; secrets?: string }

/**
 * A spare told to become the actor `argv` describes (handed `secrets` on its
 * stdin), or `undefined` when none is ready (the caller starts a fresh
 * process). The pool is refilled behind it.
 */
export function takeSpare(argv: [string, string, string], secrets?: string): Launched | undefined {
  let spare: Spare | undefined;
  while ((spare = spares.shift()) && spare.proc.exitCode !== null) { /* skip a dead spare */ }
  setImmediate(fillSpares);
  if (!spare) return undefined;
  const line: SpawnLine = { argv, secrets };
  spare.proc.stdin!.end(`${JSON.stringify(line)}\n`);
  const { proc } = spare;
  return { pid: proc.pid, kill: () => void proc.kill('SIGKILL'), exited: spare.exited };
}

/** End every spare (their stdin closes: they exit) and wait until they are reaped. */
export async function closeSpares(): Promise<void> {
  const left = spares.splice(0);
  for (const s of left) s.proc.stdin!.end();
  await Promise.all(left.map((s) => s.exited));
}
