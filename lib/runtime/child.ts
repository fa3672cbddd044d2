/**
 * Entry point of a spawned actor process: connect back to the parent,
 * exchange `Aid`s, receive the `SpawnSpec`, import the enabled modules and
 * serve RPC until cancelled or until the parent's channel closes (a parent
 * that died, even by SIGKILL, takes its children with it).
 *
 * argv: <parent address> <uuid> <name> (a worker-thread actor gets them in
 * its `workerData`, see spawn/worker.ts; signals never reach a thread).
 */
import { isMainThread, workerData } from 'node:worker_threads';
import { boxError } from '../errors.ts';
import { aidMsg, Channel } from '../ipc/channel.ts';
import { getConsoleLog, getLogger, isLogLevel, setActorName } from '../log.ts';
import { joinRegistry, leaveRegistry } from '../discovery/client.ts';
import { Actor } from './actor.ts';
import { importModule } from './resolve.ts';
import { serveStart } from './rpc.ts';
import { reapChildren } from './spawn.ts';
import { WORKER_ARGV } from '../spawn/worker.ts';
import { setProcessScope } from './scope.ts';
import { SPAWN_TIMEOUT_MS } from './timing.ts';
import { type RuntimeVars, setImportingModules, setRuntime, updateRuntimeVars } from './state.ts';

const [parentAddr, uuid, name] = ((workerData as Record<string, string[]> | null)?.[WORKER_ARGV] ?? process.argv.slice(2)) as [string, string, string];
const log = getLogger('runtime');
// Ctrl-C reaches the whole process group; the root decides how the tree goes down.
if (isMainThread) process.on('SIGINT', () => {});
// SIGTERM before boot completes: nothing to cancel yet, exit cleanly (replaced once the actor runs).
const earlySigterm = () => process.exit(0);
if (isMainThread) process.on('SIGTERM', earlySigterm);

const chan = await Channel.connect(parentAddr).catch((err: Error) => {
  console.error(`tractor-ts: actor ${name} cannot reach its parent at ${parentAddr}: ${err.message}`);
  process.exit(1);
});
chan.onClose(() => {
  if (!actor) process.exit(1);
});
let actor: Actor | undefined;
chan.send(aidMsg({ name, uuid, pid: process.pid }));
await chan.recvAid(SPAWN_TIMEOUT_MS).catch((err: Error) => {
  console.error(`tractor-ts: actor ${name} got a bad handshake from its parent: ${err.message}`);
  process.exit(1);
});
const spec = await chan.recv();
if (spec.msg_type !== 'SpawnSpec') {
  console.error(`tractor-ts: actor ${name} expected its SpawnSpec from its parent, got ${spec.msg_type}`);
  process.exit(1);
}

const vars = spec._runtime_vars as unknown as RuntimeVars;
updateRuntimeVars({ ...vars, isRoot: false });
setActorName(name);
if (isLogLevel(vars.loglevel)) getConsoleLog(vars.loglevel);

actor = new Actor({ name, uuid, enableModules: spec.enable_modules });
const self = actor;
self.serveStart = (c, msg) => void serveStart(self, c, msg);
self.parentChan = chan;
setRuntime(self);
setProcessScope(self.scope);

let exiting = false;
self.onShutdown = () => {
  if (exiting) return;
  exiting = true;
  // Never exit before every actor this one spawned is dead (see reapChildren).
  leaveRegistry(self);
  void self.close().then(reapChildren).finally(() => process.exit());
};
if (isMainThread) {
  process.off('SIGTERM', earlySigterm);
  process.on('SIGTERM', () => void self.cancel(null).then(() => self.onShutdown?.()));
}

await self.listen(vars.enableTransports ?? ['tcp']);
self.serveChannel(chan);
// Registration runs beside the first requests: a spawn never waits for the registrar.
void joinRegistry(self, vars.registryAddrs ?? [], false, vars.registrarIsParent).catch((err: Error) => {
  log.warning('could not register with the registrar: %s', err.message);
});

// An error that escapes every task (a stray promise, an emitter's 'error') is
// this actor's failure: report it boxed to the parent instead of dying silently.
const onStrayError = (err: unknown) => {
  log.error('uncaught error in actor %s: %s', name, (err as Error)?.stack ?? String(err));
  if (!chan.closed) chan.send(boxError(err, self.uid, null));
  chan.flush();
  process.exitCode = 1;
  void self.cancel(null).then(() => self.onShutdown?.());
};
process.on('uncaughtException', onStrayError);
process.on('unhandledRejection', onStrayError);

setImportingModules(true);
try {
  for (const m of spec.enable_modules) await importModule(m);
} catch (err) {
  // Report the boot failure to the parent as the actor's own error, then exit.
  if (!chan.closed) chan.send(boxError(err, self.uid, null));
  chan.flush();
  await self.close();
  process.exit(1);
} finally {
  setImportingModules(false);
}
