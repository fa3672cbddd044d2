// Test helpers (not endpoints): process inspection and running fixture scripts.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * True while `pid` runs. A zombie (exited, not yet reaped) counts as dead: an
 * orphan is reaped by the system's init, which is outside the tree's control
 * (and can be slow in a container).
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0 only probes
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false; // gone between the probe and the read
  }
}

/** Wait until every pid is gone; returns those still alive after `ms`. */
export async function waitDead(pids: number[], ms: number): Promise<number[]> {
  const until = Date.now() + ms;
  let alive = pids.filter(isAlive);
  while (alive.length && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 25));
    alive = alive.filter(isAlive);
  }
  return alive;
}

/** Every live (non-zombie) descendant of `root`, from /proc. */
export function descendants(root: number = process.pid): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const ppid = Number(fields[1]);
      let list = children.get(ppid);
      if (!list) children.set(ppid, (list = []));
      list.push(Number(d));
    } catch { /* gone */ }
  }
  const out: number[] = [];
  const unvisited = [root];
  while (unvisited.length) {
    for (const c of children.get(unvisited.pop()!) ?? []) {
      out.push(c);
      unvisited.push(c);
    }
  }
  return out;
}

/**
 * What runs a `.ts` program here: nothing on a Node that strips types itself
 * (Node 24: `node prog.ts`), tsx's loader on Node 20 (`node --import tsx prog.ts`).
 */
export const TS_LOADER: readonly string[] = (process.features as { typescript?: unknown }).typescript ? [] : ['--import', 'tsx'];

/** The start method the suite runs with (`TRACTOR_TS_START_METHOD`, see spec/by-method/), `'subprocess'` by default. */
export const START_METHOD = process.env.TRACTOR_TS_START_METHOD || 'subprocess';

/**
 * `skip` for a test about an actor's own OS process (its pid, signals sent to
 * it, its reaping): a worker actor is a thread of this process, so there is
 * none (the worker-specific tests in spec/runtime/spawn-worker.test.ts cover ending it).
 */
export const PROCESS_ONLY: string | false = START_METHOD === 'worker' && 'a worker actor is a thread of this process: it has no pid of its own';

/** The actor processes (spawned `spawn/start` entries) below `root`; other helpers (e.g. esbuild's service) are left out. */
export function actorProcesses(root: number = process.pid): number[] {
  return descendants(root).filter((pid) => {
    try {
      // An actor names itself in its process title (`tractor-ts[<name>]`, which replaces its argv), else its argv names the entry (a spare: spawn/start).
      return /^tractor-ts\[|[\\/]spawn[\\/](?:entry|start)\.[jt]s\0/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });
}

export interface Script {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** The first stdout line, parsed as JSON. */
  firstLine: Promise<unknown>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Run a fixture script as a separate program: `node [--import tsx] <script> ...args` (see `TS_LOADER`). */
export function runScript(url: URL, args: string[] = [], opts: { detached?: boolean } = {}): Script {
  const proc = spawn(process.execPath, [...TS_LOADER, fileURLToPath(url), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const firstLine = new Promise<unknown>((resolve, reject) => {
    proc.stdout!.on('data', (c: Buffer) => {
      out += c;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    void exited.then((e) => reject(new Error(`script exited (${JSON.stringify(e)}) before printing a line; stderr:\n${err}`)));
  });
  firstLine.catch(() => {});
  return { proc, stdout: () => out, stderr: () => err, firstLine, exited };
}

/** Resolves with `p`, or rejects after `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
    }),
  ]);
}

/** Every error reachable from `err` (itself, causes, aggregated and suppressed errors). */
export function errorTree(err: unknown): unknown[] {
  const out: unknown[] = [];
  const visit = (e: unknown) => {
    if (e === undefined || e === null || out.includes(e)) return;
    out.push(e);
    const o = e as { cause?: unknown; errors?: unknown[]; error?: unknown; suppressed?: unknown };
    visit(o.cause);
    visit(o.error);
    visit(o.suppressed);
    for (const x of o.errors ?? []) visit(x);
  };
  visit(err);
  return out;
}

/** Poll `cond` every 10 ms until it holds; rejects after `ms` naming `what`. */
export async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves with what `fn` threw, or undefined if it did not throw. */
export async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    return err;
  }
}

/** The lines of a marker file a fixture appends to (empty if it does not exist yet). */
export function markerLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
