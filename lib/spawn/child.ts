/**
 * The life of a spawned actor, process or worker thread: connect back to the
 * parent, exchange `Aid`s, receive the `SpawnSpec`, boot (`bootActor`),
 * import the enabled modules and serve RPC until cancelled or until the
 * parent's channel closes (a parent that died, even by SIGKILL, takes its
 * children with it). `runChild()` is called by the actor entry
 * (spawn/entry.ts) with its command line, or by a prewarmed spare
 * (spawn/spare.ts) once it is told who to become: a spare imports this
 * module, and so everything an actor runs, before it is taken.
 */
import { isMainThread } from 'node:worker_threads';
import { bootActor, stopActor } from '../boot.ts';
import { trapStrayErrors } from '../infect/traps.ts';
import { greet, readSpawnSecrets, setAuthKey } from '../ipc/auth.ts';
import { Channel, setMaxFrameBytes } from '../ipc/channel.ts';
import { bindAhead } from '../ipc/server.ts';
import { DEFAULT_MAX_FRAME } from '../ipc/framing.ts';
import { getConsoleLog, setActorName } from '../log.ts';
import { boxError } from '../msg/box.ts';
import { importModule } from '../runtime/resolve.ts';
import { markChildProcess, parseRuntimeVars, type RuntimeVars, setImportingModules, updateRuntimeVars } from '../runtime/state.ts';
import { SPAWN_TIMEOUT_MS } from '../runtime/timing.ts';
import { bootDebugChild, inspectActor } from '../devx/debug-mode.ts';
import { setProcTitle } from '../devx/proctitle.ts';

// Before anything this actor serves is imported: none of it is a program's entry (`isMain`).
markChildProcess();

/** Who to become: what a process actor's command line says, a worker's `workerData`, a spare's spawn line. */
export interface ChildArgs {
  argv: readonly string[];
  /** The spawn secrets handed over in memory (a worker's, a spare's); else read from fd 3 when `argv` says so. */
  secrets?: string | undefined;
  /** Settles once the loaders the actor's modules need are in place (a Node 20 worker registers tsx's meanwhile). */
  loaders?: Promise<void> | undefined;
}

/** Run this process (or thread) as the actor `argv` = [parent address, uuid, name, ...flags] describes. */
export async function runChild({ argv, secrets, loaders }: ChildArgs): Promise<void> {
  const [parentAddr, uuid, name] = argv as [string, string, string];
  // first: `ps` names the actor from its first moment (a worker thread must not rename its parent's process)
  if (isMainThread) setProcTitle(name);
  // Ctrl-C reaches the whole process group; the root decides how the tree goes down.
  if (isMainThread) process.on('SIGINT', () => {});
  // SIGTERM before boot completes: nothing to cancel yet, exit cleanly (replaced once the actor runs).
  const earlySigterm = () => process.exit(0);
  if (isMainThread) process.on('SIGTERM', earlySigterm);

  // Before anything else: the spawn token (and TLS identity) the parent handed over (fd 3, the
  // spare's spawn line, or a worker's workerData; a thread's process.argv is its process's, not its own).
  const spawnToken = await readSpawnSecrets(argv.slice(3), secrets).catch((err: Error) => fail(`could not read the spawn secrets its parent handed it: ${err.message}`));
  let booted = false;
  const chan = await Channel.connect(parentAddr).catch((err: Error) => fail(`cannot reach its parent at ${parentAddr}: ${err.message}`));
  chan.onClose(() => {
    if (!booted) process.exit(1);
  });
  const greeting = greet(chan, { name, uuid, pid: process.pid }, { timeoutMs: SPAWN_TIMEOUT_MS, spawnToken });
  // Its listener binds while the parent answers (its Aid goes out first: the write was queued first). A
  // bind is a few ms of CPU (Node's address lookup and cluster setup) that would otherwise come after.
  void bindAhead();
  await greeting.catch((err: Error) => fail(`got a bad handshake from its parent: ${err.message}`));
  const spec = await chan.recv();
  if (spec.msg_type !== 'SpawnSpec') fail(`expected its SpawnSpec from its parent, got ${spec.msg_type}`);

  setAuthKey(spec.auth_key, spawnToken, uuid); // the tree's cookie key, for every connection from now on
  let vars: RuntimeVars;
  try {
    vars = parseRuntimeVars(spec._runtime_vars);
  } catch (err) {
    // Report it to the parent as this actor's failure to boot, then exit.
    chan.send(boxError(err, [name, uuid], null));
    chan.flush();
    fail(`got bad runtime variables from its parent: ${(err as Error).message}`);
  }
  updateRuntimeVars(vars);
  // This actor's frame limit, for its parent channel and every channel from now on (and announced in its Aids).
  setMaxFrameBytes(vars.maxFrameBytes);
  chan.setMaxFrame(vars.maxFrameBytes ?? DEFAULT_MAX_FRAME);
  // Dropped for bad input from the parent (a frame over this limit): a failure, never a quiet exit 0; the
  // channel told the parent why before it closed, so the parent's nursery raises that cause.
  chan.onClose(() => {
    if (chan.badInput) process.exitCode = 1;
  });
  setActorName(name);
  if (vars.debugMode) bootDebugChild();
  if (vars.inspect) inspectActor(name, false);
  getConsoleLog(vars.loglevel);

  await loaders; // before it serves anything: a call imports its module
  booted = true;
  const self = await bootActor({
    name, uuid, enableModules: spec.enable_modules, transports: vars.enableTransports,
    registryAddrs: vars.registryAddrs, parent: { chan, isRegistrar: vars.registrarIsParent === true },
  });
  let exiting = false;
  self.onShutdown = () => {
    if (exiting) return;
    exiting = true;
    // Never exit before every actor this one spawned is dead (see reapChildren).
    void stopActor(self).finally(() => process.exit());
  };
  if (isMainThread) {
    process.off('SIGTERM', earlySigterm);
    process.on('SIGTERM', () => void self.cancel(null).then(() => self.onShutdown?.()));
  }

  // An error that escapes every task (a stray promise, an emitter's 'error') is
  // this actor's failure: report it boxed to the parent instead of dying silently.
  trapStrayErrors(self, (err) => {
    if (!chan.closed) chan.send(boxError(err, self.uid, null));
    chan.flush();
    process.exitCode = 1;
    void self.cancel(null).then(() => self.onShutdown?.());
  });

  setImportingModules(true);
  try {
    for (const m of self.enableModules) await importModule(m);
  } catch (err) {
    // Cancelled meanwhile (its parent asked it to go while it imported, or went): that shutdown ends
    // it, with the exit its parent asked for; the channel that would carry this error is closed by then.
    if (self.cancelCalled) return;
    // Report the boot failure to the parent as the actor's own error, then exit.
    if (!chan.closed) chan.send(boxError(err, self.uid, null));
    chan.flush();
    await self.close();
    process.exit(1);
  } finally {
    setImportingModules(false);
  }

  /** This actor cannot start: say why on stderr (its parent sees the exit) and exit. */
  function fail(why: string): never {
    console.error(`tractor-ts: actor ${name} ${why}`);
    process.exit(1);
  }
}
