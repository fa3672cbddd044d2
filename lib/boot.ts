/**
 * `bootActor()`: the one boot sequence of an actor runtime, for the root of
 * a tree (`openRoot`) and for a spawned child (`spawn/entry.ts`) alike: make
 * the runtime, serve RPC, listen, make it this process's current actor, and
 * join the registry. `stopActor()` is its reverse.
 */
import { joinRegistry, leaveRegistry } from './discovery/membership.ts';
import type { Address, TransportName } from './ipc/addr.ts';
import type { Channel } from './ipc/channel.ts';
import { ActorRuntime } from './runtime/actor.ts';
import type { ModuleSpec } from './runtime/resolve.ts';
import { getRuntime, setRuntime } from './runtime/current.ts';
import { Scope, setProcessScope } from './runtime/scope.ts';
import { serveStart } from './runtime/serve.ts';
import { closeSpares } from './spawn/prewarm.ts';
import { reapChildren } from './spawn/reap.ts';
import { getLogger } from './log.ts';

const log = getLogger('runtime');

export interface BootOptions {
  name: string;
  /** A child's uuid, chosen by its parent; a root makes its own. */
  uuid?: string;
  /** Modules this actor serves RPC from: module ids (already normalized) and `{ 'dotted.name': id }` aliases. */
  enableModules: Iterable<ModuleSpec>;
  transports: TransportName[];
  bindAddrs?: Address[] | undefined;
  registryAddrs: Address[];
  /** Aborting it cancels the actor. */
  signal?: AbortSignal | undefined;
  /**
   * A child's channel to its parent (served, and its loss cancels the
   * actor). A child registers beside its first requests, never becomes the
   * registrar, and with `parentIsRegistrar` registers over this channel.
   */
  parent?: { chan: Channel; isRegistrar: boolean } | undefined;
}

/**
 * Boot an actor runtime in this process. A root waits until it joined the
 * registry (or became the registrar) and fails if it cannot; a child does
 * not wait, and only logs a failure to register.
 */
export async function bootActor(opts: BootOptions): Promise<ActorRuntime> {
  const actor = new ActorRuntime({ name: opts.name, uuid: opts.uuid, enableModules: opts.enableModules });
  actor.serveStart = (chan, msg) => void serveStart(actor, chan, msg);
  if (opts.signal) actor.scope.link(opts.signal);
  if (opts.parent) actor.parentChan = opts.parent.chan;
  setRuntime(actor);
  setProcessScope(actor.scope);
  try {
    await actor.listen(opts.transports, opts.bindAddrs);
  } catch (err) {
    await stopActor(actor); // listeners already bound must not keep the process alive
    throw err;
  }
  if (opts.parent) {
    actor.serveChannel(opts.parent.chan);
    // Registration runs beside the first requests: a spawn never waits for the registrar.
    void joinRegistry(actor, opts.registryAddrs, false, opts.parent.isRegistrar).catch((err: Error) => {
      log.warning('could not register with the registrar: %s', err.message);
    });
    return actor;
  }
  try {
    await joinRegistry(actor, opts.registryAddrs, true);
  } catch (err) {
    await actor.cancel(null);
    await stopActor(actor);
    throw err;
  }
  return actor;
}

/**
 * Take a (cancelled) actor down: leave the registry, close its listeners and
 * channels, reap every child process still running (none outlives it) and
 * stop being this process's current actor.
 */
export async function stopActor(actor: ActorRuntime): Promise<void> {
  leaveRegistry(actor);
  await actor.close();
  // Prewarmed spares go with the actor that keeps them (they would also exit once its pipe closed).
  await Promise.all([reapChildren(), closeSpares()]);
  if (getRuntime() === actor) {
    setRuntime(undefined);
    setProcessScope(new Scope());
  }
}
