/**
 * Booting a tree in this process: the root actor (`openRoot`), the nursery
 * that boots one implicitly (`openNursery`), the program entry (`run`) with
 * its signal handling and exit code, and `runDaemon`.
 */
import { bootActor, stopActor } from './boot.ts';
import { bootDebugRoot, inspectActor } from './devx/debug-mode.ts';
import { setProcTitle } from './devx/proctitle.ts';
import { debugBoot, debugHooks } from './runtime/debug-hooks.ts';
import { defaultRegistryAddrs } from './discovery/api.ts';
import { Cancelled, ContextCancelled, formatError, InvalidArgument, RuntimeUsageError } from './errors.ts';
import type { Address, TransportName } from './ipc/addr.ts';
import { checkModules, checkOptions, checkRootOptions } from './options.ts';
import { getConsoleLog, getLogger, type LogLevel, setActorName } from './log.ts';
import type { ActorRuntime } from './runtime/actor.ts';
import { getRuntime } from './runtime/current.ts';
import { ActorNursery, type NurseryOptions } from './runtime/nursery.ts';
import type { ModuleSpec } from './runtime/resolve.ts';
import { Scope, sleepForever, throwIfDebuggerQuit, withScope } from './runtime/scope.ts';
import { assertNotImporting, getRuntimeVars, type StartMethod, updateRuntimeVars } from './runtime/state.ts';
import { fillSpares } from './spawn/prewarm.ts';
import { FORGOT_AWAIT_USING, undisposedNurseries, watchForgotten } from './runtime/forgotten.ts';
import { trapStrayErrors } from './infect/traps.ts';
import { rootCookie, setCookie } from './ipc/auth.ts';
import { setTls, type TlsOptions } from './ipc/tls.ts';
import { setMaxFrameBytes } from './ipc/channel.ts';
import { SIGNAL_REPEAT_MS } from './runtime/timing.ts';

const log = getLogger('runtime');

/**
 * Options of the root actor: of `openRoot`, `run`, `runDaemon`, and of
 * `openNursery` when it boots the root. Every field is checked before
 * anything boots (a mistake is an `InvalidArgument`).
 */
export interface RootOptions {
  /** The root actor's name (default `'root'`). */
  name?: string;
  /** Modules this actor serves RPC from (specifiers, or `{ 'dotted.name': specifier }` aliases). */
  enableModules?: ModuleSpec[];
  /** Registrar addresses (discovery). */
  registryAddrs?: Address[];
  /** Addresses this actor listens on, instead of the defaults of `enableTransports` (e.g. `tcp://10.0.0.1:0` to be reachable from other hosts). */
  bindAddrs?: Address[];
  /** Transports this actor listens on (default `['tcp']`, bound on 127.0.0.1). */
  enableTransports?: TransportName[];
  debugMode?: boolean;
  loglevel?: LogLevel;
  /** How this tree's actors are started unless a nursery or spawn says otherwise (default `'subprocess'`; see the README). */
  startMethod?: StartMethod;
  /** Spare processes kept booted for `startMethod: 'prewarm'` (default 1, at most `os.availableParallelism()`), by the root and by each actor of its tree that spawns with `'prewarm'`. */
  prewarm?: number;
  /** Aborting it cancels the whole tree. */
  signal?: AbortSignal;
  /**
   * The tree's shared secret: every connection must then prove it knows it
   * (HMAC challenge-response; it never crosses the wire). Default: the
   * environment variable `TRACTOR_TS_COOKIE`. Without one, any local process
   * may connect to this tree's actors.
   */
  cookie?: string;
  /** TLS for every TCP listener and connection of the tree, both sides verified against `ca` (the tree's own CA). */
  tls?: TlsOptions;
  /** Open the Node inspector in the root on a free port, print its `ws://` URL and wait for a debugger. */
  inspect?: boolean;
  /**
   * The largest message (frame) this root accepts, in bytes (default 64 MiB,
   * from 64 KiB to 4 GiB - 1); its children inherit it unless their spawn sets
   * its own. Announced to every tractor-ts peer, so a bigger message is refused
   * at the sender with a `FrameTooLarge` naming this option, never a dropped
   * connection.
   *
   * @example
   * ```ts
   * await using root = await tractor.openRoot({ maxFrameBytes: 256 * 1024 * 1024 });
   * ```
   */
  maxFrameBytes?: number;
}

/** The runtime of each open root, for this module only (a `Root` does not expose it). */
const runtimes = new WeakMap<Root, ActorRuntime>();

/** What a root does with an error that escaped every task (see infect/traps.ts), for this module only. */
interface StrayState {
  /** The first such error, if any. */
  error?: { err: unknown };
  /** Who ends on it: `run`'s root task; by default the whole root actor. */
  onStray?: (err: unknown) => void;
  untrap: () => void;
}
const strays = new WeakMap<Root, StrayState>();

/**
 * The root actor of a tree, as returned by `openRoot`. Disposing it cancels
 * what it still runs, leaves the registry, closes it and reaps every child
 * process still running.
 *
 * @example
 * ```ts
 * await using root = await tractor.openRoot({ name: 'main', registryAddrs: ['tcp://127.0.0.1:1616'] });
 * await using an = await tractor.openNursery(); // runs under this root
 * ```
 */
export class Root implements AsyncDisposable {
  readonly #runtime: ActorRuntime;

  /** @internal */
  constructor(runtime: ActorRuntime) {
    this.#runtime = runtime;
    runtimes.set(this, runtime);
    strays.set(this, { untrap: () => {} });
  }

  /**
   * Aborted when the root actor is cancelled (SIGINT/SIGTERM under `run`, its `signal`, a cancel request).
   */
  get signal(): AbortSignal {
    return this.#runtime.scope.signal;
  }

  /**
   * `using root = ...` instead of `await using`: a root closes asynchronously
   * (it reaps its children). Throws a `RuntimeUsageError` that says so, and
   * closes the root in the background, so the mistake does not hang.
   * @internal
   */
  [Symbol.dispose](): void {
    const err = new RuntimeUsageError('a root needs `await using root = await tractor.openRoot()`, not `using`: ' +
      'closing it reaps its children, which a synchronous disposal cannot');
    this[Symbol.asyncDispose]().catch(() => {}); // the mistake is reported by the throw below
    throw err;
  }

  /**
   * Cancel what the root still runs, leave the registry, close, and reap every child process.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    strays.get(this)!.untrap();
    await this.#runtime.cancel(null);
    // Children of nurseries that were never closed, or of abandoned tasks, are reaped too: no process outlives its root.
    await stopActor(this.#runtime);
    clearSecrets();
  }
}

/** This process's cookie and TLS identity, set for a root and cleared with it. */
function setSecrets(opts: RootOptions): void {
  setCookie(rootCookie(opts.cookie));
  try {
    setTls(opts.tls);
  } catch (err) {
    setCookie(undefined);
    throw err;
  }
}

function clearSecrets(): void {
  setCookie(undefined);
  setTls(undefined);
}

/**
 * Boot the root actor of a new tree in this process: it listens, joins the
 * registry (becoming the registrar if none answers at the first address) and
 * becomes this process's current actor.
 *
 * @example
 * ```ts
 * await using root = await tractor.openRoot({ name: 'root', enableTransports: ['tcp'] });
 * console.log(tractor.currentActor().name); // 'root'
 * ```
 * @throws {RuntimeUsageError} when this process already runs an actor, or while a child imports its modules.
 * @throws {InvalidArgument} for a bad option (an `InvalidAddress` for a malformed address).
 * @throws {RegistryError} when a registry address is held by something that is not a registrar.
 */
export async function openRoot(opts: RootOptions = {}): Promise<Root> {
  assertNotImporting('openRoot()');
  if (getRuntime()) {
    throw new RuntimeUsageError('an actor runtime is already running in this process: open nurseries with openNursery() instead of a second root');
  }
  checkRootOptions(opts, 'openRoot()');
  const transports = opts.enableTransports ?? ['tcp'];
  updateRuntimeVars({
    isRoot: true,
    debugMode: opts.debugMode ?? false,
    loglevel: opts.loglevel ?? 'warning',
    registryAddrs: opts.registryAddrs?.length ? opts.registryAddrs : defaultRegistryAddrs(),
    enableTransports: transports,
    // The environment's default: the whole suite (or a program) run with one backend, as tractor's --spawn-backend.
    startMethod: opts.startMethod ?? ((process.env.TRACTOR_TS_START_METHOD || undefined) as StartMethod | undefined) ?? 'subprocess',
    depth: 0,
    prewarm: opts.prewarm ?? 1,
    maxFrameBytes: opts.maxFrameBytes,
  });
  setMaxFrameBytes(opts.maxFrameBytes);
  if (opts.loglevel) getConsoleLog(opts.loglevel);
  const name = opts.name ?? 'root';
  setActorName(name);
  setProcTitle(name);
  if (opts.debugMode) await bootDebugRoot();
  else debugBoot.lazyRoot = bootDebugRoot; // a child in debug mode of its own (SpawnOptions.debugMode) starts it
  if (opts.inspect) inspectActor(name, true);
  // Trapped from the start: an error escaping while the root boots is its failure too (run/runDaemon included).
  const trapped: { root?: Root; early?: { err: unknown } } = {};
  const untrap = trapStrayErrors({ name }, (err) => {
    if (trapped.root) strayInRoot(trapped.root, err);
    else trapped.early = { err };
  });
  setSecrets(opts);
  let actor: ActorRuntime;
  try {
    actor = await bootActor({
      name, enableModules: opts.enableModules ?? [], transports, bindAddrs: opts.bindAddrs,
      registryAddrs: getRuntimeVars().registryAddrs, signal: opts.signal,
    });
  } catch (err) {
    clearSecrets();
    untrap();
    if (trapped.early) console.error(formatError(trapped.early.err));
    throw err;
  }
  if (getRuntimeVars().startMethod === 'prewarm') fillSpares();
  const root = (trapped.root = new Root(actor));
  strays.get(root)!.untrap = untrap;
  // After our caller resumed (run/runDaemon set onStray right after the await).
  const early = trapped.early;
  if (early) setImmediate(() => strayInRoot(root, early.err));
  return root;
}

/** The first error that escaped every task in a root: its root task's failure (run/runDaemon), or by default the whole root's. */
function strayInRoot(root: Root, err: unknown): void {
  const stray = strays.get(root)!;
  stray.error = { err };
  process.exitCode ||= 1;
  if (stray.onStray) return stray.onStray(err);
  // A root opened by hand: say it now, and cancel what it runs with that error.
  console.error(formatError(err));
  runtimes.get(root)!.scope.abort(err);
}

/**
 * Open an actor nursery: `await using an = await tractor.openNursery()`. It
 * boots a root actor first (closed with the nursery) if this process has none;
 * inside an actor it opens a nursery of that actor.
 *
 * @example
 * ```ts
 * export async function hi(args: { who: string }) { return `hi ${args.who}`; }
 * async function main() {
 *   await using an = await tractor.openNursery();
 *   const portal = await an.runInActor(hi, { who: 'root' });
 *   console.log(await portal.waitForResult());
 * }
 * ```
 * @throws {InvalidArgument} for a bad option, before anything boots.
 */
export async function openNursery(opts: NurseryOptions & RootOptions = {}): Promise<ActorNursery> {
  assertNotImporting('openNursery()');
  checkRootOptions(opts, 'openNursery()');
  const existing = getRuntime();
  if (existing) {
    const rootOnly = (['name', 'registryAddrs', 'bindAddrs', 'enableTransports', 'prewarm', 'cookie', 'tls'] as const).filter((k) => opts[k] !== undefined);
    if (rootOnly.length) {
      log.warning('openNursery(): %s only apply when the nursery boots the root; this process already runs actor %s, so they are ignored (pass them to run()/openRoot())',
        rootOnly.join(', '), existing.name);
    }
    return new ActorNursery(existing, opts);
  }
  const root = await openRoot(opts);
  const actor = runtimes.get(root)!;
  const nursery = new ActorNursery(actor, opts, () => root[Symbol.asyncDispose]());
  // A plain script (no run()): nothing returns to notice a nursery never closed.
  watchForgotten(nursery, actor);
  return nursery;
}

/** `main` ended with nurseries never closed (their children are killed with the root): say how to close them. */
function warnUndisposed(actor: ActorRuntime): void {
  const n = undisposedNurseries(actor);
  if (n) log.warning('main() ended with %d actor nurser%s never closed: %s', n, n === 1 ? 'y' : 'ies', FORGOT_AWAIT_USING);
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** While `fn` runs, SIGINT/SIGTERM abort `scope` (a second one, SIGNAL_REPEAT_MS or more later, exits at once); `onCancel` gets the first one's `Cancelled`. */
async function withSignalHandling<T>(scope: Scope, onCancel: (reason: Cancelled) => void, fn: () => Promise<T>): Promise<T> {
  let received: string | undefined;
  let receivedAt = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (sig === 'SIGINT' && debugHooks.shieldSigint?.()) return;
    if (received) {
      // The same signal relayed again (tsx's relay, see SIGNAL_REPEAT_MS) is not a second Ctrl-C.
      if (performance.now() - receivedAt < SIGNAL_REPEAT_MS) return;
      process.exit(SIGNAL_EXIT[sig]);
    }
    received = sig;
    receivedAt = performance.now();
    process.exitCode = SIGNAL_EXIT[sig];
    const reason = new Cancelled(`${sig} received: cancelling the actor tree`);
    onCancel(reason);
    scope.abort(reason);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn();
  } finally {
    // After a signal the tree is still going down (the root's own disposal comes next): keep
    // answering, so a repeat is ignored and a real second one exits, never Node's default kill.
    if (!received) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

/**
 * Run `main` as the root task of a new tree: the twin of `trio.run(main)`.
 * SIGINT/SIGTERM cancel the whole tree; an error is printed (remote errors
 * with their remote stacks) and sets a non-zero exit code. Use it as
 * `if (tractor.isMain(import.meta)) tractor.run(main)`, not awaited.
 *
 * @example
 * ```ts
 * async function main() {
 *   await using an = await tractor.openNursery();
 *   // ...
 * }
 * if (tractor.isMain(import.meta)) tractor.run(main);
 * ```
 */
export function run<T>(main: () => Promise<T>, opts: RootOptions = {}): Promise<T> {
  let signalled: Cancelled | undefined;
  const done = (async () => {
    assertNotImporting('run()');
    if (typeof main !== 'function') throw new InvalidArgument(`run(main) needs the async function to run as the root task, got ${typeof main}`);
    await using root = await openRoot(opts);
    const scope = new Scope([runtimes.get(root)!.scope]);
    const stray = strays.get(root)!;
    stray.onStray = (err) => scope.abort(err);
    const value = await withSignalHandling(scope, (sig) => (signalled = sig), () => withScope(scope, main).then((value) => {
      throwIfDebuggerQuit(scope); // `q` in the root's REPL after stepping, and main returned anyway
      return value;
    }).catch((err) => {
      // Debug mode: the error that reached the root stops here too (the second step of the crash flow).
      debugHooks.crash?.(err, scope.aborted && err instanceof Cancelled);
      throw err;
    })).finally(() => warnUndisposed(runtimes.get(root)!));
    // An error that escaped every task is the program's failure even if main() swallowed it.
    if (stray.error) throw stray.error.err;
    return value;
  })();
  done.catch((err) => {
    const shown = signalled ? causeUnderSignal(err, signalled) : err;
    if (shown instanceof Cancelled && !shown.canceller) console.error(shown.message);
    else console.error(formatError(shown));
    process.exitCode ||= 1;
  });
  return done;
}

/**
 * What to print for `err` when the root was cancelled by a signal: a SIGTERM
 * or Ctrl-C to the whole process group reaches the children too, and each
 * one's own cancellation (a `ContextCancelled` naming it), wrapped with the
 * rest in a `SuppressedError` by the disposals it crossed, is that same
 * teardown, not a failure. The one real error among them, or the signal's
 * `Cancelled` for a clean cancellation.
 */
function causeUnderSignal(err: unknown, signalled: Cancelled): unknown {
  const real = flatten(err).filter((e) => !(e instanceof Cancelled || e instanceof ContextCancelled));
  if (real.length === 0) return signalled;
  return real.length === 1 ? real[0] : err;
}

/** The errors a `SuppressedError` or `AggregateError` carries, depth first; any other error as itself. */
function flatten(err: unknown): unknown[] {
  if (err instanceof AggregateError) return err.errors.flatMap(flatten);
  const s = err as { name?: unknown; error?: unknown; suppressed?: unknown };
  if (err instanceof Error && s.name === 'SuppressedError' && 'error' in s && 'suppressed' in s) return [...flatten(s.error), ...flatten(s.suppressed)];
  return [err];
}

/**
 * Serve RPC on `enableModules` as a long-lived root actor until cancelled
 * (SIGINT/SIGTERM or `opts.signal`), then exit cleanly.
 *
 * @example
 * ```ts
 * // a service other programs find by name (findActor('math'))
 * if (tractor.isMain(import.meta)) await tractor.runDaemon([import.meta.url], { name: 'math' });
 * ```
 */
export async function runDaemon(enableModules: ModuleSpec[], opts: RootOptions = {}): Promise<void> {
  checkModules(enableModules, 'runDaemon(enableModules)');
  checkOptions(opts, 'runDaemon()');
  await serveDaemon({ ...opts, enableModules: [...enableModules, ...(opts.enableModules ?? [])] });
}

/**
 * The body of `runDaemon`. `booted` runs once the root is up, before it
 * serves: what it throws ends the daemon at once (the `tractor-ts registrar`
 * command refuses to run as anything but the registrar).
 * @internal
 */
export async function serveDaemon(opts: RootOptions, booted?: () => Promise<void>): Promise<void> {
  await using root = await openRoot(opts);
  await booted?.();
  const scope = new Scope([runtimes.get(root)!.scope]);
  const stray = strays.get(root)!;
  stray.onStray = (err) => scope.abort(err);
  await withSignalHandling(scope, () => {}, () => sleepForever(scope.signal)).catch((err) => {
    if (!(err instanceof Cancelled) && err !== opts.signal?.reason && !stray.error) throw err;
  });
  if (stray.error) {
    // An error that escaped every task ends the daemon: printed (remote stacks included), exit code 1.
    console.error(formatError(stray.error.err));
    process.exitCode = 1;
    return;
  }
  if (process.exitCode === 130 || process.exitCode === 143) process.exitCode = 0;
}

