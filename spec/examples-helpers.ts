// Test helpers of the example specs (not endpoints): run an example under
// examples/ as a user would (`npx tsx examples/NAME.ts` on Node 20, plain
// `node examples/NAME.ts` on Node 24, from the repo root), check its exit, find processes of its tree that outlived it.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TS_LOADER } from './helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  pid: number;
  stdout: string;
  stderr: string;
  lines: string[];
  /** The run's `EXAMPLE_RUN_ID`: every process of its tree inherits it (see `survivorsOf`). */
  runId: string;
}

export interface RunOptions {
  /** Extra environment, on top of this process's. */
  env?: Record<string, string>;
  /** SIGTERM after this many ms (then SIGKILL 3 s later). */
  ms?: number;
}

/** An example started but not yet awaited (for programs a test talks to while they run). */
export interface ExampleRun {
  proc: ChildProcess;
  runId: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once the program exited and its output is closed. */
  done: Promise<RunResult>;
  /** SIGKILL it if it still runs, and wait for it (cleanup in a finally). */
  kill: () => Promise<void>;
}

/**
 * Start example `name` (`examples/NAME.ts`; `name` may hold a slash, e.g.
 * `service_daemon_discovery/daemon`). A run that outlives `ms` gets SIGTERM
 * (which tears the example's actor tree down), then SIGKILL, so a hung example
 * never leaves processes behind.
 */
export function startExample(name: string, opts: RunOptions = {}): ExampleRun {
  const ms = opts.ms ?? 25_000;
  const runId = randomUUID();
  const proc = spawn(process.execPath, [...TS_LOADER, path.join('examples', ...`${name}.ts`.split('/'))], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env, EXAMPLE_RUN_ID: runId },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const term = setTimeout(() => proc.kill('SIGTERM'), ms);
  const hard = setTimeout(() => proc.kill('SIGKILL'), ms + 3000);
  const done = new Promise<RunResult>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(term);
      clearTimeout(hard);
      resolve({ code, signal, pid: proc.pid!, stdout, stderr, lines: stdout.split('\n').filter((l) => l !== ''), runId });
    });
  });
  done.catch(() => {});
  return {
    proc,
    runId,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await done.catch(() => {});
    },
  };
}

/** Run example `name` to completion (see `startExample`). */
export function runExample(name: string, opts: RunOptions = {}): Promise<RunResult> {
  return startExample(name, opts).done;
}

export function assertExit(r: RunResult, code: number): void {
  assert.equal(r.code, code, `exit code ${r.code} (signal ${r.signal}), expected ${code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
}

/** Live processes whose environment carries `EXAMPLE_RUN_ID=<id>` (every actor inherits it). */
function marked(id: string): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (!readFileSync(`/proc/${d}/environ`, 'utf8').includes(`EXAMPLE_RUN_ID=${id}`)) continue;
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // exited, awaiting reaping
      found.push({ pid: Number(d), cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch { /* gone, or not ours */ }
  }
  return found;
}

/** Processes of run `id` still running, giving those that are exiting right now `ms` to finish. */
export async function survivorsOf(id: string, ms = 1000): Promise<{ pid: number; cmd: string }[]> {
  const until = Date.now() + ms;
  let left = marked(id);
  while (left.length && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    left = marked(id);
  }
  return left;
}

/** `lines` holds every one of `expected`, in this relative order. */
export function assertInOrder(lines: string[], expected: string[], stdout: string): void {
  let at = -1;
  for (const e of expected) {
    const i = lines.indexOf(e, at + 1);
    assert.ok(i > at, `expected ${JSON.stringify(e)} after line ${at} of:\n${stdout}`);
    at = i;
  }
}
