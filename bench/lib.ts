/**
 * Shared bench helpers: timing, medians, interleaved A/B sampling, the JSON
 * line each figure prints, RSS of a process, and a leftover-process check.
 *
 * stdout carries only the result lines; progress goes to stderr.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** One figure: the library's value next to its raw baseline, measured in the same run. */
export interface Result {
  bench: string;
  unit: string;
  value: number;
  baseline: number;
  ratio: number;
  /** The Node version that ran it (`process.version`). */
  node: string;
}

/** A figure's goal, checked (and reported on stderr) after it is measured. */
export interface Target {
  text: string;
  met(r: Result): boolean;
}

/** A bench module: `figures` names what it measures, `bench` measures those `want` accepts. */
export interface BenchModule {
  figures: string[];
  targets?: Record<string, Target>;
  bench(want: (figure: string) => boolean): Promise<Result[]>;
}

export const now = (): number => performance.now();

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Progress and diagnostics, on stderr. */
export function log(...parts: unknown[]): void {
  process.stderr.write(`[bench] ${parts.join(' ')}\n`);
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** Build a figure from the two medians; `ratio` is value / baseline whatever the unit. */
export function result(bench: string, unit: string, value: number, baseline: number): Result {
  const digits = Math.abs(value) >= 100 ? 1 : 2;
  return { bench, unit, value: round(value, digits), baseline: round(baseline, digits), ratio: round(value / baseline, 3), node: process.version };
}

/** Print one figure as one JSON line on stdout. */
export function emit(r: Result): void {
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

/** Milliseconds `fn` takes. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = now();
  await fn();
  return now() - t0;
}

/** Run `step` back to back for `durationMs`; returns completed steps per second. */
export async function rate(durationMs: number, step: () => Promise<unknown>): Promise<number> {
  const t0 = now();
  const end = t0 + durationMs;
  let n = 0;
  let t = t0;
  while (t < end) {
    await step();
    n++;
    t = now();
  }
  return (n / (t - t0)) * 1000;
}

export interface Samples { lib: number[]; raw: number[] }

export interface InterleaveOptions {
  /** Measured pairs (lib + raw) to take. */
  pairs: number;
  /** Unmeasured rounds of each side first (default 1). */
  warmup?: number;
  /** Stop taking pairs once this many ms went by, as long as `minPairs` were taken (a noisy machine must not blow the suite's time budget). */
  budgetMs?: number;
  minPairs?: number;
}

/**
 * Interleaved sampling: `warmup` unmeasured rounds of each side, then up to
 * `pairs` measured rounds alternating library and baseline, in balanced
 * order (lib raw, raw lib, lib raw, ...) so neither side always runs first
 * on a noisy machine. Each sampler returns its own measurement (ms, calls/s,
 * MiB); report the medians.
 */
export async function interleave(label: string, opts: InterleaveOptions, lib: () => Promise<number>, raw: () => Promise<number>): Promise<Samples> {
  for (let i = 0; i < (opts.warmup ?? 1); i++) {
    await lib();
    await raw();
  }
  const t0 = now();
  const out: Samples = { lib: [], raw: [] };
  for (let i = 0; i < opts.pairs; i++) {
    if (opts.budgetMs !== undefined && i >= (opts.minPairs ?? 3) && now() - t0 > opts.budgetMs) {
      log(`${label}: time budget spent after ${i} pairs`);
      break;
    }
    if (i % 2 === 0) {
      out.lib.push(await lib());
      out.raw.push(await raw());
    } else {
      out.raw.push(await raw());
      out.lib.push(await lib());
    }
  }
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(x >= 100 ? 0 : 1)).join(' ');
  log(`${label}: lib [${fmt(out.lib)}] raw [${fmt(out.raw)}]`);
  return out;
}

/**
 * The ratio lib/raw of each interleaved pair: its median and quartiles say how
 * finely a run resolves a ratio (neighbouring samples share the machine's load).
 */
export function pairRatios(s: Samples): { median: number; q1: number; q3: number } {
  const r = s.lib.map((x, i) => x / s.raw[i]!).sort((a, b) => a - b);
  return { median: median(r), q1: r[Math.floor((r.length - 1) / 4)]!, q3: r[Math.ceil((3 * (r.length - 1)) / 4)]! };
}

/** Resident set size of process `pid`, in MiB (VmRSS of /proc/<pid>/status). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

/** Processes whose parent is this process (children still alive, or not yet reaped). */
export function childrenOf(ppid = process.pid): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state ppid ...
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[1]) !== ppid) continue;
      // An exited process not yet reaped has no command line: it goes by its name, `[name]` as ps shows it.
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim() ||
        `[${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}]`;
      out.push({ pid: Number(entry), cmd });
    } catch { /* gone meanwhile */ }
  }
  return out;
}
