/**
 * Logging on `debug` namespaces `tractor:<actor>:<area>`, filtered by a level
 * (tractor's levels) that a root or nursery passes down to its children.
 *
 * A message below the threshold costs one comparison: nothing is formatted.
 * `DEBUG=tractor:*` shows everything regardless of the level.
 */
import { createRequire } from 'node:module';
import type createDebugType from 'debug';

// `debug` is loaded on the first message actually printed: a spawn does not
// pay for it when nothing is logged.
let debugModule: typeof createDebugType | undefined;
function createDebug(): typeof createDebugType {
  debugModule ??= createRequire(import.meta.url)('debug') as typeof createDebugType;
  return debugModule;
}

export type LogLevel = 'transport' | 'debug' | 'runtime' | 'cancel' | 'info' | 'warning' | 'error' | 'critical';

const RANK: Record<LogLevel, number> = {
  transport: 5, debug: 10, runtime: 15, cancel: 16, info: 20, warning: 30, error: 40, critical: 50,
};

let threshold = RANK.warning;
let currentLevel: LogLevel = 'warning';
let actorName = 'root';
// Read once: a DEBUG that never names tractor makes every filtered call a single comparison.
const debugEnv = /tractor|\*/.test(process.env.DEBUG ?? '');

/** Names this process's actor in every log namespace (set by the runtime at boot). */
export function setActorName(name: string): void {
  actorName = name;
}

export function isLogLevel(v: unknown): v is LogLevel {
  return typeof v === 'string' && Object.hasOwn(RANK, v);
}

/** The level in force in this process. */
export function getLevel(): LogLevel {
  return currentLevel;
}

export class Logger {
  #debuggers = new Map<string, createDebugType.Debugger>();
  readonly area: string;

  constructor(area: string) {
    this.area = area;
  }

  #emit(level: LogLevel, msg: string, args: unknown[]): void {
    const ns = `tractor:${actorName}:${this.area}`;
    let d = this.#debuggers.get(ns);
    if (!d) {
      d = createDebug()(ns);
      this.#debuggers.set(ns, d);
    }
    const forced = RANK[level] >= threshold;
    if (!forced && !d.enabled) return;
    const was = d.enabled;
    d.enabled = true;
    d(`${level.toUpperCase()} ${msg}`, ...args);
    d.enabled = was;
  }

  #log(level: LogLevel, msg: string, args: unknown[]): void {
    if (RANK[level] < threshold && !debugEnv) return;
    this.#emit(level, msg, args);
  }

  transport(msg: string, ...args: unknown[]): void { this.#log('transport', msg, args); }
  debug(msg: string, ...args: unknown[]): void { this.#log('debug', msg, args); }
  runtime(msg: string, ...args: unknown[]): void { this.#log('runtime', msg, args); }
  cancel(msg: string, ...args: unknown[]): void { this.#log('cancel', msg, args); }
  info(msg: string, ...args: unknown[]): void { this.#log('info', msg, args); }
  warning(msg: string, ...args: unknown[]): void { this.#log('warning', msg, args); }
  error(msg: string, ...args: unknown[]): void { this.#log('error', msg, args); }
  critical(msg: string, ...args: unknown[]): void { this.#log('critical', msg, args); }

  /** True when a message at `level` would be printed: guard expensive arguments with it. */
  isEnabledFor(level: LogLevel): boolean {
    return RANK[level] >= threshold || (debugEnv && createDebug().enabled(`tractor:${actorName}:${this.area}`));
  }
}

const loggers = new Map<string, Logger>();

/** The logger of an area (`'ipc'`, `'spawn'`, or your own module's name). */
export function getLogger(area: string): Logger {
  let l = loggers.get(area);
  if (!l) loggers.set(area, (l = new Logger(area)));
  return l;
}

/** Set this process's level (and so its children's, when passed to a root or nursery) and return the root logger. */
export function getConsoleLog(level: LogLevel = 'info', area = 'tractor'): Logger {
  if (!isLogLevel(level)) throw new TypeError(`unknown log level ${JSON.stringify(level)}; use one of ${Object.keys(RANK).join(', ')}`);
  threshold = RANK[level];
  currentLevel = level;
  return getLogger(area);
}
