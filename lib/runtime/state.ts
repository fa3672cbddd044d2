/**
 * Process-wide runtime state: the runtime variables handed from parent to
 * child, whether this process is a spawned actor and which module is the
 * program's entry, and whether this process is still importing the modules
 * it serves (when opening a root is a mistake). The running actor itself is
 * in `runtime/current.ts`.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { workerData } from 'node:worker_threads';
import { fs } from '../builtins.ts';
import { MsgTypeError, RuntimeUsageError } from '../errors.ts';
import { checkAddresses, checkLogLevel, checkStartMethod, checkTransports } from '../options.ts';
import type { TransportName } from '../ipc/addr.ts';
import type { LogLevel } from '../log.ts';

/** How an actor is started (SPEC "Spawn backends"; spawn/launch.ts). */
export type StartMethod = 'subprocess' | 'prewarm' | 'worker';

/** The runtime variables of this actor, inherited down the tree. */
export interface RuntimeVars {
  /** True only in the process that booted the tree. */
  isRoot: boolean;
  debugMode: boolean;
  registryAddrs: string[];
  loglevel: LogLevel;
  startMethod: StartMethod;
  enableTransports: TransportName[];
  /** @internal True in a child whose parent is the registrar (it registers over its parent channel). */
  registrarIsParent?: boolean;
  /** Depth in the actor tree: 0 for the root. */
  depth: number;
  /** @internal Debug mode: where the root serves the tree-wide TTY lock. */
  debugLockAddr?: string;
  /** @internal This actor opens the Node inspector at boot (`inspect: true`; not inherited). */
  inspect?: boolean;
  /** True in an actor spawned with `infectPromises: true` (see `toPromise`); never inherited. */
  infectPromises?: boolean;
  /** @internal How many spare processes an actor keeps for `'prewarm'` spawns: the root's `prewarm` option (default 1), inherited. */
  prewarm?: number;
  /** The largest frame this actor accepts (`maxFrameBytes`; absent: the default, 64 MiB); inherited unless a spawn sets its own. */
  maxFrameBytes?: number;
}

const vars: RuntimeVars = {
  isRoot: true,
  debugMode: false,
  registryAddrs: [],
  loglevel: 'warning',
  startMethod: 'subprocess',
  enableTransports: ['tcp'],
  depth: 0,
};

/**
 * The runtime variables a child received in its `SpawnSpec`, checked at that
 * boundary: a parent that sends something else (another version, a bug)
 * fails the child's boot with a `MsgTypeError` naming the field.
 */
export function parseRuntimeVars(raw: Record<string, unknown>): RuntimeVars {
  const field = (name: string, ok: boolean, expected: string) => {
    if (!ok) throw new MsgTypeError(`SpawnSpec _runtime_vars.${name} must be ${expected}, got ${JSON.stringify(raw[name])}`);
  };
  try {
    checkAddresses(raw.registryAddrs, 'registryAddrs');
    checkTransports(raw.enableTransports);
    checkLogLevel(raw.loglevel);
    checkStartMethod(raw.startMethod);
  } catch (err) {
    throw new MsgTypeError(`SpawnSpec _runtime_vars: ${(err as Error).message}`, { cause: err });
  }
  field('registryAddrs', Array.isArray(raw.registryAddrs), 'a list of addresses');
  field('enableTransports', Array.isArray(raw.enableTransports), 'a list of transports');
  field('loglevel', raw.loglevel !== undefined, 'a log level');
  field('debugMode', typeof raw.debugMode === 'boolean', 'a boolean');
  field('depth', Number.isInteger(raw.depth) && (raw.depth as number) >= 0, 'a non-negative integer');
  field('registrarIsParent', raw.registrarIsParent === undefined || typeof raw.registrarIsParent === 'boolean', 'a boolean');
  field('debugLockAddr', raw.debugLockAddr === undefined || typeof raw.debugLockAddr === 'string', 'an address');
  field('inspect', raw.inspect === undefined || typeof raw.inspect === 'boolean', 'a boolean');
  field('infectPromises', raw.infectPromises === undefined || typeof raw.infectPromises === 'boolean', 'a boolean');
  field('prewarm', raw.prewarm === undefined || (Number.isInteger(raw.prewarm) && (raw.prewarm as number) >= 0), 'a non-negative integer');
  field('maxFrameBytes', raw.maxFrameBytes === undefined || (Number.isInteger(raw.maxFrameBytes) && (raw.maxFrameBytes as number) > 0), 'a positive integer');
  return {
    isRoot: false,
    debugMode: raw.debugMode as boolean,
    registryAddrs: [...(raw.registryAddrs as string[])],
    loglevel: raw.loglevel as LogLevel,
    startMethod: (raw.startMethod ?? 'subprocess') as StartMethod,
    enableTransports: [...(raw.enableTransports as TransportName[])],
    registrarIsParent: raw.registrarIsParent === true,
    depth: raw.depth as number,
    ...(raw.debugLockAddr !== undefined && { debugLockAddr: raw.debugLockAddr as string }),
    inspect: raw.inspect === true,
    infectPromises: raw.infectPromises === true,
    ...(raw.prewarm !== undefined && { prewarm: raw.prewarm as number }),
    ...(raw.maxFrameBytes !== undefined && { maxFrameBytes: raw.maxFrameBytes as number }),
  };
}

/**
 * A copy of this actor's runtime variables (inherited down the tree).
 *
 * @example
 * ```ts
 * console.log(tractor.getRuntimeVars().registryAddrs);
 * ```
 */
export function getRuntimeVars(): RuntimeVars {
  return { ...vars, registryAddrs: [...vars.registryAddrs], enableTransports: [...vars.enableTransports] };
}

export function updateRuntimeVars(patch: Partial<RuntimeVars>): void {
  Object.assign(vars, patch);
}

/**
 * True in the process that booted the tree (not in any actor it spawned).
 *
 * @example
 * ```ts
 * if (tractor.isRootProcess()) console.log('the root of the tree');
 * ```
 */
export function isRootProcess(): boolean {
  return vars.isRoot;
}

/** True in an actor spawned with `startMethod: 'worker'` (its argv comes in `workerData`, see spawn/worker.ts). */
export const isWorkerActor = Boolean((workerData as Record<string, unknown> | null)?.tractorActorArgv);

/** True when this process is an actor spawned by a parent (set by `spawn/entry.ts` before it imports anything it serves). */
let isChildProcess = false;

/**
 * Mark this process as a spawned actor: its `process.argv[1]` is the spawn
 * entry, not a program, so no module of it is the entry module (`isMain`).
 */
export function markChildProcess(): void {
  isChildProcess = true;
}

function entryPath(): string | undefined {
  const arg = process.argv[1];
  if (!arg || isChildProcess) return undefined;
  try {
    return fs().realpathSync(path.resolve(arg));
  } catch {
    return path.resolve(arg);
  }
}

let mainUrl: string | undefined;

/**
 * True only in the entry module of the root process: the guard of the entry
 * idiom `if (tractor.isMain(import.meta)) tractor.run(main)`. A child imports
 * the modules it serves, the main script included, and must not re-run it.
 *
 * @example
 * ```ts
 * if (tractor.isMain(import.meta)) tractor.run(main);
 * ```
 */
export function isMain(meta: ImportMeta): boolean {
  const entry = entryPath();
  if (!entry || !meta.url.startsWith('file:')) return false;
  let file = fileURLToPath(meta.url);
  try {
    file = fs().realpathSync(file);
  } catch { /* keep it as given */ }
  const same = file === entry || file.replace(/\.[cm]?[jt]sx?$/, '') === entry;
  if (same) mainUrl = meta.url;
  return same;
}

/** The file URL of the program's entry module, if there is one. */
export function mainModuleUrl(): string | undefined {
  if (mainUrl) return mainUrl;
  const entry = entryPath();
  return entry ? pathToFileURL(entry).href : undefined;
}

let importingModules = false;

export function setImportingModules(on: boolean): void {
  importingModules = on;
}

/** Refuse to boot a runtime while a child imports its modules: that is a program re-running itself. */
export function assertNotImporting(what: string): void {
  if (importingModules) {
    throw new RuntimeUsageError(
      `${what} was called while this actor was importing the modules it serves: the module runs its ` +
      'program at import time. Guard the program entry with ' +
      '`if (tractor.isMain(import.meta)) tractor.run(main)` (not awaited) so children only import it.');
  }
}
