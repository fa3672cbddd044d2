/**
 * The tree-wide TTY lock of debug mode: one actor at a time talks to the
 * terminal, the others wait their turn in FIFO order. It is held through the
 * root: the root runs the queue in a thread of its own (lock-worker.ts), so
 * the queue keeps moving while the root's main thread is itself stopped in a
 * REPL, and a debug-mode child reaches it over a Unix socket whose address it
 * inherits. An actor that dies holding the lock closes that socket, which
 * releases it.
 *
 * Taking the lock is synchronous (the main thread blocks in `Atomics.wait`
 * until its turn): a `pause()` must stop while its caller's frame is still
 * on the stack. While the main thread blocks, the actor answers nothing on
 * IPC, like an actor stopped in a REPL; grace periods of the tree are
 * suspended meanwhile (see `setGraceHold` in runtime/timing.ts).
 *
 * Also here: output of other actors is held while someone holds the lock
 * (the root forwards its children's stdout/stderr through a gate in debug
 * mode), and the file descriptor the REPL writes to (the root's terminal).
 */
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { fs } from '../builtins.ts';
import { lockWorkerSource } from './lock-worker.ts';


let worker: Worker | undefined;
let role: 'server' | 'client' | undefined;
let state: Int32Array | undefined;
let holding = 0;
const held: [Writable, Buffer][] = [];

function startWorker(r: 'server' | 'client', addr: string): Worker {
  const shared = new SharedArrayBuffer(12);
  state = new Int32Array(shared);
  role = r;
  worker = new Worker(lockWorkerSource(), { eval: true, execArgv: [], workerData: { role: r, shared, addr } });
  worker.on('message', (m: { op: string }) => {
    if (m.op === 'idle') flushHeld();
  });
  worker.on('error', (err) => process.stderr.write(`tractor-ts: the debugger's TTY lock failed: ${err.message}\n`));
  return worker;
}

/** In the root of a debug-mode tree: start serving the lock; resolves with its address. */
export async function startLockServer(): Promise<string> {
  const dir = fs().mkdtempSync(path.join(os.tmpdir(), 'tractor-ts-tty-'));
  const addr = path.join(dir, 'lock.sock');
  const w = startWorker('server', addr);
  await new Promise<void>((resolve, reject) => {
    w.on('message', (m: { op: string }) => m.op === 'listening' && resolve());
    w.once('error', reject);
  });
  w.unref();
  return addr;
}

/** In a debug-mode child: connect to the root's lock (watching whether anyone holds it). */
export function joinLock(addr: string): void {
  startWorker('client', addr).unref();
}

/** True once this process serves or reaches a tree's TTY lock. */
export function haveLock(): boolean {
  return worker !== undefined;
}

/**
 * Block until this actor holds the terminal (re-entrant). False when the
 * lock cannot be reached (the root is gone): the REPL then opens anyway.
 */
export function acquireTty(who: string): boolean {
  if (!worker || !state) return false;
  if (holding++ > 0) return true;
  Atomics.store(state, 1, 0);
  worker.postMessage({ op: 'acquire', who });
  while (Atomics.load(state, 1) === 0) Atomics.wait(state, 1, 0, 1000);
  return Atomics.load(state, 1) === 1;
}

/** Give the terminal to the next actor in line. */
export function releaseTty(): void {
  if (!worker || holding === 0) return;
  if (--holding === 0) worker.postMessage({ op: 'release' });
}

/** True while any actor of the tree holds the lock or waits for it (as last seen by this actor). */
export function treeInDebugger(): boolean {
  return holding > 0 || (state !== undefined && Atomics.load(state, 0) > 0);
}

/**
 * In the root, before it cancels part of the tree (one-cancels-all after a
 * child failed, or a nursery's end): `undefined` when no actor is at a REPL
 * or queued for one, so nothing waits; else a promise that resolves once the
 * tree has stayed out of the debugger for `settleMs` (an error that a closed
 * REPL lets go reaches the parent, which stops in a REPL of its own, so a
 * short gap between two REPLs is no end). Tractor's `maybe_wait_for_debugger`.
 */
export function untilDebuggerIdle(settleMs = IDLE_SETTLE_MS): Promise<void> | undefined {
  if (role !== 'server' || !treeInDebugger()) return undefined;
  return new Promise((resolve) => {
    let turns = Atomics.load(state!, 2);
    let idleSince = 0;
    const poll = setInterval(() => {
      const now = Atomics.load(state!, 2);
      if (treeInDebugger() || now !== turns) {
        turns = now;
        idleSince = 0;
      } else if (!idleSince) idleSince = Date.now();
      else if (Date.now() - idleSince >= settleMs) {
        clearInterval(poll);
        resolve();
      }
    }, 50);
  });
}

/** How long the tree must stay out of the debugger before the root cancels part of it (see untilDebuggerIdle). */
const IDLE_SETTLE_MS = 1000;

/** True while this actor itself holds the terminal. */
export function holdingTty(): boolean {
  return holding > 0;
}

/**
 * The file descriptor the REPL writes to: the root's stdout, passed to
 * debug-mode children as fd 4 (fd 3 carries a child's spawn secrets).
 */
export function termFd(isRoot: boolean): number {
  return isRoot ? 1 : 4;
}

/** Spawn stdio for a debug-mode child: the root's stdin, piped output (held while a REPL is open), then the terminal (placed at fd 4 by the spawner). */
export function debugStdio(isRoot: boolean): ['inherit', 'pipe', 'pipe', number] {
  return ['inherit', 'pipe', 'pipe', termFd(isRoot)];
}

/** Forward a debug-mode child's output; in the root, hold it while any actor of the tree is at a REPL. */
export function forwardOutput(stdout: Readable | null, stderr: Readable | null): void {
  const gate = (to: Writable) => (chunk: Buffer) => {
    if (role === 'server' && (held.length || treeInDebugger())) held.push([to, chunk]);
    else to.write(chunk);
  };
  stdout?.on('data', gate(process.stdout));
  stderr?.on('data', gate(process.stderr));
}

function flushHeld(): void {
  if (treeInDebugger()) return;
  for (const [to, chunk] of held.splice(0)) to.write(chunk);
}
