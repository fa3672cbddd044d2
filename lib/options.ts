/**
 * Validation of every public options object, in one place: each mistake has
 * one message (what was expected, what came), whichever entry point received
 * it, and is an `InvalidArgument` raised before anything starts (no actor is
 * spawned, no socket bound, for a bad option).
 */
import { availableParallelism } from 'node:os';
import { InvalidArgument } from './errors.ts';
import { type Address, parseAddress } from './ipc/addr.ts';
import { isLogLevel, LOG_LEVELS } from './log.ts';

/** The spawn backends (SPEC "Spawn backends"; spawn/launch.ts). */
export const START_METHODS = ['subprocess', 'prewarm', 'worker'] as const;
/** One of {@link START_METHODS} (the `StartMethod` of runtime/state.ts). */
type StartMethodName = (typeof START_METHODS)[number];
const TRANSPORTS = ['tcp', 'uds'] as const;

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}

/** `opts` itself: `undefined` or a plain options object. */
export function checkOptions(opts: unknown, what: string): void {
  if (opts !== undefined && (opts === null || typeof opts !== 'object' || Array.isArray(opts))) {
    throw new InvalidArgument(`the options of ${what} must be an object, got ${show(opts)}`);
  }
}

export function checkLogLevel(v: unknown): void {
  if (v !== undefined && !isLogLevel(v)) throw new InvalidArgument(`unknown loglevel ${show(v)}; use one of ${LOG_LEVELS.join(', ')}`);
}

/** `v` as a start method; `where` (e.g. `SpawnOptions.startMethod`) says where it was given. */
export function checkStartMethod(v: unknown, where = 'startMethod'): StartMethodName | undefined {
  if (v === undefined || (START_METHODS as readonly unknown[]).includes(v)) return v as StartMethodName | undefined;
  throw new InvalidArgument(`${where}: unknown startMethod ${show(v)}; use one of ${START_METHODS.map((m) => `'${m}'`).join(', ')}`);
}

/** `RootOptions.prewarm`: a whole number from 0 to `os.availableParallelism()`. */
export function checkPrewarm(n: unknown): void {
  if (n === undefined) return;
  const max = availableParallelism();
  if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > max) {
    throw new InvalidArgument(`RootOptions.prewarm: expected a whole number of spare processes from 0 to ${max} (os.availableParallelism()), got ${show(n)}`);
  }
}

/** Bounds of `maxFrameBytes`: room for the runtime's own messages, and what a 4-byte length prefix can say. */
export const MIN_FRAME_LIMIT = 64 * 1024;
export const MAX_FRAME_LIMIT = 0xffff_ffff;

/** `RootOptions.maxFrameBytes` / `SpawnOptions.maxFrameBytes`: a whole number of bytes from 64 KiB to 4 GiB - 1. */
export function checkMaxFrameBytes(v: unknown, where: string): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || (v as number) < MIN_FRAME_LIMIT || (v as number) > MAX_FRAME_LIMIT) {
    throw new InvalidArgument(`${where}: expected the largest frame this actor accepts, a whole number of bytes from ${MIN_FRAME_LIMIT} (64 KiB) to ${MAX_FRAME_LIMIT} (4 GiB - 1), got ${show(v)}`);
  }
}

export function checkTransports(v: unknown): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) throw new InvalidArgument(`enableTransports must be a list of transports ('tcp', 'uds'), got ${show(v)}`);
  for (const t of v) {
    if (!(TRANSPORTS as readonly unknown[]).includes(t)) throw new InvalidArgument(`unknown transport ${show(t)}; use 'tcp' or 'uds'`);
  }
}

/** A list of address strings, each parsed (a malformed one is an `InvalidAddress` naming the accepted forms). */
export function checkAddresses(v: unknown, name: string): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) throw new InvalidArgument(`${name} must be a list of addresses ('tcp://host:port', 'uds:///path'), got ${show(v)}`);
  for (const a of v as Address[]) parseAddress(a);
}

export function checkModules(v: unknown, name = 'enableModules'): void {
  if (v !== undefined && !Array.isArray(v)) throw new InvalidArgument(`${name} must be a list of module specifiers, got ${show(v)}`);
}

export function checkBoolean(v: unknown, name: string): void {
  if (v !== undefined && typeof v !== 'boolean') throw new InvalidArgument(`${name} must be true or false, got ${show(v)}`);
}

export function checkSignal(v: unknown): void {
  if (v !== undefined && !(v instanceof AbortSignal)) throw new InvalidArgument(`signal must be an AbortSignal, got ${show(v)}`);
}

/** `v` if it is a positive integer; `name` says which option it is. */
export function checkPositiveInt(v: unknown, name: string): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1)) {
    throw new InvalidArgument(`${name} must be a positive integer, got ${show(v)}`);
  }
}

export function checkName(v: unknown, name: string): void {
  if (v !== undefined && (typeof v !== 'string' || v === '')) throw new InvalidArgument(`${name} must be a non-empty string, got ${show(v)}`);
}

interface Common { enableModules?: unknown; debugMode?: unknown; loglevel?: unknown; signal?: unknown }

function checkCommon(o: Common): void {
  checkModules(o.enableModules);
  checkBoolean(o.debugMode, 'debugMode');
  checkLogLevel(o.loglevel);
  checkSignal(o.signal);
}

/** `RootOptions` (of `openRoot`, `run`, `runDaemon`, and `openNursery` when it boots the root). */
export function checkRootOptions(opts: unknown, what: string): void {
  checkOptions(opts, what);
  const o = (opts ?? {}) as Common & Record<string, unknown>;
  checkCommon(o);
  checkName(o.name, 'name');
  checkTransports(o.enableTransports);
  // A malformed registry address fails here, with the accepted forms, not later in some child.
  checkAddresses(o.registryAddrs, 'registryAddrs');
  checkAddresses(o.bindAddrs, 'bindAddrs');
  checkStartMethod(o.startMethod, 'RootOptions.startMethod');
  checkStartMethod(process.env.TRACTOR_TS_START_METHOD || undefined, 'TRACTOR_TS_START_METHOD');
  checkPrewarm(o.prewarm);
  checkMaxFrameBytes(o.maxFrameBytes, 'RootOptions.maxFrameBytes');
  checkBoolean(o.inspect, 'inspect');
  if (o.cookie !== undefined && (typeof o.cookie !== 'string' || o.cookie === '')) {
    throw new InvalidArgument(`cookie must be a non-empty string (the tree's shared secret), got ${show(o.cookie)}`);
  }
}

/** `NurseryOptions`. */
export function checkNurseryOptions(opts: unknown, what: string): void {
  checkOptions(opts, what);
  const o = (opts ?? {}) as Common & Record<string, unknown>;
  checkCommon(o);
  checkStartMethod(o.startMethod, 'NurseryOptions.startMethod');
}

/** `SpawnOptions` (of `runInActor`, `startActor`, and each actor of a cluster). */
export function checkSpawnOptions(opts: unknown, what: string): void {
  checkOptions(opts, what);
  const o = (opts ?? {}) as Common & Record<string, unknown>;
  checkCommon(o);
  checkName(o.name, 'name');
  checkBoolean(o.infectPromises, 'infectPromises');
  checkBoolean(o.inspect, 'inspect');
  checkStartMethod(o.startMethod, 'SpawnOptions.startMethod');
  checkMaxFrameBytes(o.maxFrameBytes, 'SpawnOptions.maxFrameBytes');
}
