/**
 * Spawning an actor: start it with its backend (`'subprocess'`: a `node`
 * child with this process's loader flags, see spawn/flags.ts; `'prewarm'`:
 * a spare of spawn/prewarm.ts; `'worker'`: spawn/worker.ts), wait for it to
 * connect back and say who it is, hand it its `SpawnSpec`.
 */
import { childProcess, crypto } from '../builtins.ts';
import { ActorFailure } from '../errors.ts';
import type { Address } from '../ipc/addr.ts';
import { authKeyForChild, childEnv, SECRETS_FLAG, spawnSecrets } from '../ipc/auth.ts';
import type { Channel } from '../ipc/channel.ts';
import { getLogger } from '../log.ts';
import { onAnyAbort, type Scope } from '../runtime/scope.ts';
import type { ModuleSpec } from '../runtime/resolve.ts';
import { mainModuleUrl, type RuntimeVars } from '../runtime/state.ts';
import { CLOSE_AFTER_EXIT_MS, SPAWN_TIMEOUT_MS, withTimeout } from '../runtime/timing.ts';
import { CHILD_EXEC_ARGV } from './flags.ts';
import { ACTOR_ENTRY, type Launched, type Launcher, type StartMethod } from './launch.ts';
import { takeSpare } from './prewarm.ts';
import { debugHooks } from '../runtime/debug-hooks.ts';
import { describeExit, type ExitInfo, trackChild } from './reap.ts';
import { launchWorker } from './worker.ts';

const log = getLogger('spawn');

export interface SpawnedActor {
  name: string;
  uuid: string;
  /** The process (or, for `'worker'`, the thread) running it: `kill()` is SIGKILL (or `terminate()`). */
  proc: Launched;
  chan: Channel;
  /** Resolves when the process has exited and been reaped, and its channel has delivered all it sent (bounded). */
  exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | undefined;
}

/** What spawning needs of the parent actor (the runtime implements it). */
export interface SpawnParent {
  readonly addrs: readonly Address[];
  readonly isRegistrar: boolean;
  /** Resolves with the channel of the child spawned with `uuid` once it connected and said who it is. */
  expectChild(uuid: string, token?: Buffer): { channel: Promise<Channel>; cancel: () => void };
  /** Route every message of `chan` from now on. */
  serveChannel(chan: Channel): void;
}

export interface SpawnRequest {
  name: string;
  enableModules: ModuleSpec[];
  runtimeVars: RuntimeVars;
  /** How to start it; `runtimeVars.startMethod` (the root's) when not given. */
  startMethod?: StartMethod;
}

/**
 * The `'subprocess'` backend: a new `node` process running the actor entry
 * (with `secrets`, sent down fd 3; in debug mode, the debugger's stdio).
 */
function launchSubprocess(argv: [string, string, string], secrets?: string, debug = false): Launched {
  // Debug mode: the root's stdin, output held while a REPL is open, the terminal as fd 4 (see devx/tty-lock.ts).
  const debugStdio = debug ? debugHooks.childStdio?.() : undefined;
  const stdio = debugStdio
    ? [...debugStdio.slice(0, 3), secrets ? 'pipe' : 'ignore', debugStdio[3]!]
    : secrets ? ['ignore', 'inherit', 'inherit', 'pipe'] : ['ignore', 'inherit', 'inherit'];
  // node:child_process is loaded by an actor's first spawn, not at its boot (most actors spawn none).
  const proc = childProcess().spawn(process.execPath, [...CHILD_EXEC_ARGV, ACTOR_ENTRY, ...argv, ...(secrets ? [SECRETS_FLAG] : [])], {
    stdio: stdio as ('inherit' | 'pipe' | 'ignore' | number)[],
    env: childEnv(),
  });
  if (debugStdio) debugHooks.forwardOutput?.(proc.stdout, proc.stderr);
  if (secrets) {
    const pipe = proc.stdio[3] as NodeJS.WritableStream & { on(e: 'error', f: () => void): void };
    pipe.on('error', () => {}); // a child that died at once: its exit says so
    pipe.end(secrets);
  }
  const exited = new Promise<ExitInfo>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
    proc.once('error', (err) => {
      log.error('cannot spawn actor %s: %s', argv[2], err.message);
      resolve({ code: -1, signal: null });
    });
  });
  return { pid: proc.pid, kill: () => void proc.kill('SIGKILL'), exited };
}

const LAUNCHERS: Record<StartMethod, Launcher> = {
  subprocess: launchSubprocess,
  prewarm: (argv, secrets) => takeSpare(argv, secrets) ?? launchSubprocess(argv, secrets),
  worker: (argv, secrets) => launchWorker(ACTOR_ENTRY, argv, secrets),
};

/**
 * Once `chan` has closed, or {@link CLOSE_AFTER_EXIT_MS} after its actor's
 * exit: what the actor reported before it exited (a boxed boot failure) is
 * read first, even when its exit reaches this process before those bytes.
 */
async function closedAfterExit(chan: Channel): Promise<void> {
  await withTimeout(new Promise<void>((resolve) => chan.onClose(() => resolve())), CLOSE_AFTER_EXIT_MS, undefined, true);
}

/** Spawn one actor with `req.startMethod` and complete its handshake; aborting `scope` kills it. */
export async function spawnActor(actor: SpawnParent, req: SpawnRequest, scope: Scope): Promise<SpawnedActor> {
  const uuid = crypto().randomUUID();
  // With a cookie or TLS, what the child needs to connect back is handed to it privately by
  // every backend (see ipc/auth.ts). Spares and workers cannot be handed the debugger's
  // stdio yet: in debug mode every spawn is a 'subprocess' one.
  const secrets = spawnSecrets();
  const expected = actor.expectChild(uuid, secrets?.token);
  const argv: [string, string, string] = [actor.addrs[0]!, uuid, req.name];
  const debug = req.runtimeVars.debugMode;
  const method = debug ? 'subprocess' : req.startMethod ?? req.runtimeVars.startMethod;
  const proc = method === 'subprocess' ? launchSubprocess(argv, secrets?.payload, debug) : LAUNCHERS[method](argv, secrets?.payload);
  const child: Partial<SpawnedActor> & { exitInfo?: ExitInfo } = { name: req.name, uuid, proc };
  const exited = proc.exited.then((e) => (child.exitInfo = e));
  trackChild(proc, exited);
  let unlink = () => {};
  let timer: NodeJS.Timeout | undefined;
  try {
    const chan = await new Promise<Channel>((resolve, reject) => {
      expected.channel.then(resolve);
      exited.then((e) => reject(new ActorFailure(`actor '${req.name}' exited (${describeExit(e)}) before connecting back to its parent`, e.code, e.signal)));
      unlink = onAnyAbort([scope], reject);
      timer = setTimeout(() => reject(new ActorFailure(`actor '${req.name}' did not connect back within ${SPAWN_TIMEOUT_MS} ms`)), SPAWN_TIMEOUT_MS);
    });
    chan.send({
      msg_type: 'SpawnSpec',
      name: req.name,
      uuid,
      enable_modules: req.enableModules,
      reg_addrs: req.runtimeVars.registryAddrs,
      bind_addrs: [],
      _runtime_vars: { ...req.runtimeVars, isRoot: false, depth: req.runtimeVars.depth + 1, registrarIsParent: actor.isRegistrar },
      _parent_main_data: { main_url: mainModuleUrl() ?? null },
      auth_key: authKeyForChild(secrets?.token, uuid),
    });
    actor.serveChannel(chan);
    log.runtime('spawned actor %s (pid %d)', req.name, proc.pid);
    return Object.assign(child, { chan, exited: exited.then((e) => closedAfterExit(chan).then(() => e)) }) as SpawnedActor;
  } catch (err) {
    expected.cancel();
    proc.kill();
    await exited;
    throw err;
  } finally {
    unlink();
    clearTimeout(timer);
  }
}
