/**
 * The subprocess spawn backend: start a `node` child with this process's
 * `execArgv` (so a program run under tsx gets tsx-capable children), wait for
 * it to connect back and say who it is, hand it its `SpawnSpec`.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { ActorFailure } from '../errors.ts';
import { CHILD_EXEC_ARGV } from '../spawn/flags.ts';
import { ACTOR_ENTRY, type ExitInfo, type Launched, type Launcher } from '../spawn/launch.ts';
import { takeSpare } from '../spawn/prewarm.ts';
import { launchWorker } from '../spawn/worker.ts';
import type { Channel } from '../ipc/channel.ts';
import { getLogger } from '../log.ts';
import type { Actor } from './actor.ts';
import { mainModuleUrl, type RuntimeVars, type StartMethod } from './state.ts';
import { onAnyAbort, type Scope } from './scope.ts';
import { SPAWN_TIMEOUT_MS } from './timing.ts';

const log = getLogger('spawn');

export type { ExitInfo } from '../spawn/launch.ts';

export interface SpawnedActor {
  name: string;
  uuid: string;
  /** The process (or, for `'worker'`, the thread) running it: `kill()` is SIGKILL (or `terminate()`). */
  proc: Launched;
  chan: Channel;
  /** Resolves when the process has exited and been reaped. */
  exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | undefined;
}

export interface SpawnRequest {
  name: string;
  enableModules: string[];
  runtimeVars: RuntimeVars;
  /** How to start it; `runtimeVars.startMethod` (the root's) when not given. */
  startMethod?: StartMethod;
}

/** Every child actor (process or worker) of this process still running, with its exit. */
const live = new Map<Launched, Promise<ExitInfo>>();

// However this process ends (process.exit on a second Ctrl-C, an uncaught
// exception), its children go with it: a busy child could not notice.
process.on('exit', () => {
  for (const proc of live.keys()) proc.kill();
});

/**
 * Last resort before this process exits: SIGKILL every child actor still
 * running and wait until it is reaped. Nurseries reap their children
 * themselves; this catches those of a task that was abandoned (it ignored its
 * cancellation past the grace period), which would otherwise become orphans
 * that nothing can see (a busy one never notices its parent is gone).
 */
export async function reapChildren(): Promise<void> {
  const left = [...live];
  if (!left.length) return;
  log.warning('killing %d actor process(es) still running as this actor exits', left.length);
  for (const [proc] of left) proc.kill();
  await Promise.all(left.map(([, exited]) => exited));
}

export function describeExit(e: ExitInfo): string {
  return e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
}

/** The `'subprocess'` backend: a new `node` process running the actor entry. */
const launchSubprocess: Launcher = (argv) => {
  const proc = spawn(process.execPath, [...CHILD_EXEC_ARGV, ACTOR_ENTRY, ...argv], { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<ExitInfo>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
    proc.once('error', (err) => {
      log.error('cannot spawn actor %s: %s', argv[2], err.message);
      resolve({ code: -1, signal: null });
    });
  });
  return { pid: proc.pid, kill: () => void proc.kill('SIGKILL'), exited };
};

const LAUNCHERS: Record<StartMethod, Launcher> = {
  subprocess: launchSubprocess,
  prewarm: (argv) => takeSpare(argv) ?? launchSubprocess(argv),
  worker: (argv) => launchWorker(ACTOR_ENTRY, argv),
};

/** Spawn one actor with `req.startMethod` and complete its handshake; aborting `scope` kills it. */
export async function spawnActor(actor: Actor, req: SpawnRequest, scope: Scope): Promise<SpawnedActor> {
  const uuid = randomUUID();
  const expected = actor.expectChild(uuid);
  const proc = LAUNCHERS[req.startMethod ?? req.runtimeVars.startMethod]([actor.addrs[0]!, uuid, req.name]);
  const child: Partial<SpawnedActor> & { exitInfo?: ExitInfo } = { name: req.name, uuid, proc };
  const exited = proc.exited.then((e) => (child.exitInfo = e));
  live.set(proc, exited);
  void exited.then(() => live.delete(proc));
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
    });
    actor.serveChannel(chan);
    log.runtime('spawned actor %s (pid %d)', req.name, proc.pid);
    return Object.assign(child, { chan, exited }) as SpawnedActor;
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
