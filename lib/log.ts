/**
 * Logging on `debug` namespaces `tractor:<actor>:<area>`, filtered by a level
 * (tractor's levels) that a root or nursery passes down to its children.
 *
 * A message below the threshold costs one comparison: nothing is formatted.
 * `DEBUG=tractor:*` shows everything regardless of the level.
 */
import { createRequire } from 'node:module';
import type createDebugType from 'debug';
import { InvalidArgument } from './errors.ts';

// `debug` is loaded on the first message actually printed: a spawn does not
// pay for it when nothing is logged.
let debugModule: typeof createDebugType | undefined;
function createDebug(): typeof createDebugType {
  debugModule ??= createRequire(import.meta.url)('debug') as typeof createDebugType;
  return debugModule;
}

/**
 * tractor's log levels, lowest first; a root or nursery passes its `loglevel` down to its children.
 */
export type LogLevel = 'transport' | 'debug' | 'runtime' | 'cancel' | 'info' | 'warning' | 'error' | 'critical';

const RANK: Record<LogLevel, number> = {
  transport: 5, debug: 10, runtime: 15, cancel: 16, info: 20, warning: 30, error: 40, critical: 50,
};

/** Every level, lowest first. */
export const LOG_LEVELS = Object.freeze(Object.keys(RANK)) as readonly LogLevel[];

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

/**
 * A logger of one area. A message below the level in force costs one comparison.
 *
 * @example
 * ```ts
 * const log = tractor.log.getLogger('worker');
 * log.info('started %s', tractor.currentActor().name);
 * ```
 */
export class Logger {
  #debuggers = new Map<string, createDebugType.Debugger>();
  /** The area this logger names in its namespace (`tractor:<actor>:<area>`). */
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

  /** Log at level `transport` (printf-style `msg`, formatted only when printed). */
  transport(msg: string, ...args: unknown[]): void { this.#log('transport', msg, args); }
  /** Log at level `debug` (printf-style `msg`, formatted only when printed). */
  debug(msg: string, ...args: unknown[]): void { this.#log('debug', msg, args); }
  /** Log at level `runtime` (printf-style `msg`, formatted only when printed). */
  runtime(msg: string, ...args: unknown[]): void { this.#log('runtime', msg, args); }
  /** Log at level `cancel` (printf-style `msg`, formatted only when printed). */
  cancel(msg: string, ...args: unknown[]): void { this.#log('cancel', msg, args); }
  /** Log at level `info` (printf-style `msg`, formatted only when printed). */
  info(msg: string, ...args: unknown[]): void { this.#log('info', msg, args); }
  /** Log at level `warning` (printf-style `msg`, formatted only when printed). */
  warning(msg: string, ...args: unknown[]): void { this.#log('warning', msg, args); }
  /** Log at level `error` (printf-style `msg`, formatted only when printed). */
  error(msg: string, ...args: unknown[]): void { this.#log('error', msg, args); }
  /** Log at level `critical` (printf-style `msg`, formatted only when printed). */
  critical(msg: string, ...args: unknown[]): void { this.#log('critical', msg, args); }

  /** True when a message at `level` would be printed: guard expensive arguments with it. */
  isEnabledFor(level: LogLevel): boolean {
    return RANK[level] >= threshold || (debugEnv && createDebug().enabled(`tractor:${actorName}:${this.area}`));
  }
}

const loggers = new Map<string, Logger>();

/**
 * The logger of an area (`'ipc'`, `'spawn'`, or your own module's name), on the `debug` namespace `tractor:<actor>:<area>`.
 *
 * @example
 * ```ts
 * const log = tractor.log.getLogger('billing');
 * log.info('charged %d accounts', 3);
 * ```
 */
export function getLogger(area: string): Logger {
  let l = loggers.get(area);
  if (!l) loggers.set(area, (l = new Logger(area)));
  return l;
}

/**
 * Set this process's level (and so its children's, when passed to a root or nursery) and return the root logger.
 *
 * @example
 * ```ts
 * const log = tractor.log.getConsoleLog('info');
 * log.warning('shown');
 * ```
 * @throws {InvalidArgument} for an unknown level.
 */
export function getConsoleLog(level: LogLevel = 'info', area = 'tractor'): Logger {
  if (!isLogLevel(level)) throw new InvalidArgument(`unknown loglevel ${JSON.stringify(level)}; use one of ${LOG_LEVELS.join(', ')}`);
  threshold = RANK[level];
  currentLevel = level;
  return getLogger(area);
}
