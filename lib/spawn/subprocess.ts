/**
 * The subprocess spawn backend: start a `node` child with this process's
 * `execArgv` (so a program run under tsx gets tsx-capable children), wait for
 * it to connect back and say who it is, hand it its `SpawnSpec`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ActorFailure } from '../errors.ts';
import type { Address } from '../ipc/addr.ts';
import { authKeyForChild, childEnv, SECRETS_FLAG, spawnSecrets } from '../ipc/auth.ts';
import type { Channel } from '../ipc/channel.ts';
import { getLogger } from '../log.ts';
import { onAnyAbort, type Scope } from '../runtime/scope.ts';
import type { ModuleSpec } from '../runtime/resolve.ts';
import { mainModuleUrl, type RuntimeVars } from '../runtime/state.ts';
import { SPAWN_TIMEOUT_MS } from '../runtime/timing.ts';
import { debugHooks } from '../runtime/debug-hooks.ts';
import { describeExit, type ExitInfo, trackChild } from './reap.ts';

const log = getLogger('spawn');
const CHILD_ENTRY = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './entry.ts' : './entry.js', import.meta.url));
// `node --test` puts its own flags in execArgv; a child actor must not run as a test file.
const EXEC_ARGV = process.execArgv.filter((a) => !/^--test(?!-)|^--test-(?:only|name-pattern|skip-pattern|reporter|reporter-destination|concurrency|timeout|force-exit|shard|coverage)/.test(a));

export interface SpawnedActor {
  name: string;
  uuid: string;
  proc: ChildProcess;
  chan: Channel;
  /** Resolves when the process has exited and been reaped. */
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
}

/** Spawn one actor process and complete its handshake; aborting `scope` kills it. */
export async function spawnActor(actor: SpawnParent, req: SpawnRequest, scope: Scope): Promise<SpawnedActor> {
  const uuid = randomUUID();
  // With a cookie or TLS, what the child needs to connect back goes down a pipe only the two share (see ipc/auth.ts).
  const secrets = spawnSecrets();
  const expected = actor.expectChild(uuid, secrets?.token);
  // Debug mode: the root's stdin, output held while a REPL is open, the terminal as fd 4 (see devx/tty-lock.ts).
  const debugStdio = req.runtimeVars.debugMode ? debugHooks.childStdio?.() : undefined;
  const stdio = debugStdio
    ? [...debugStdio.slice(0, 3), secrets ? 'pipe' : 'ignore', debugStdio[3]!]
    : secrets ? ['ignore', 'inherit', 'inherit', 'pipe'] : ['ignore', 'inherit', 'inherit'];
  const proc = spawn(process.execPath, [...EXEC_ARGV, CHILD_ENTRY, actor.addrs[0]!, uuid, req.name, ...(secrets ? [SECRETS_FLAG] : [])], {
    stdio: stdio as ('inherit' | 'pipe' | 'ignore' | number)[],
    env: childEnv(),
  });
  if (debugStdio) debugHooks.forwardOutput?.(proc.stdout, proc.stderr);
  if (secrets) {
    const pipe = proc.stdio[3] as NodeJS.WritableStream & { on(e: 'error', f: () => void): void };
    pipe.on('error', () => {}); // a child that died at once: its exit says so
    pipe.end(secrets.payload);
  }
  const child: Partial<SpawnedActor> & { exitInfo?: ExitInfo } = { name: req.name, uuid, proc };
  const exited = new Promise<ExitInfo>((resolve) => {
    proc.once('exit', (code, signal) => resolve((child.exitInfo = { code, signal })));
    proc.once('error', (err) => {
      log.error('cannot spawn actor %s: %s', req.name, err.message);
      resolve((child.exitInfo = { code: -1, signal: null }));
    });
  });
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
    return Object.assign(child, { chan, exited }) as SpawnedActor;
  } catch (err) {
    expected.cancel();
    proc.kill('SIGKILL');
    await exited;
    throw err;
  } finally {
    unlink();
    clearTimeout(timer);
  }
}
