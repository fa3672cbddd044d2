/**
 * Membership: joining the registry at boot (registering with every registrar
 * that answers, or becoming the registrar), joining again when a registrar
 * goes away (re-electing one), and leaving it at exit.
 */
import { AuthenticationError, HandshakeTimeout, NotARegistrar, RegistryError, TransportClosed } from '../errors.ts';
import { type Address, parseAddress } from '../ipc/addr.ts';
import { Channel, speaksTractorTs } from '../ipc/channel.ts';
import { getLogger } from '../log.ts';
import type { ActorRuntime } from '../runtime/actor.ts';
import { startMsg } from '../runtime/call.ts';
import { EXITING_REGISTRAR_PAUSE_MS, EXITING_REGISTRAR_TRIES, PROBE_TIMEOUT_MS, REJOIN_FIRST_MS, REJOIN_MAX_MS } from '../runtime/timing.ts';
import { discoveryOf, handshake, registryCall, rememberRegistrar, saysRegistrar } from './connections.ts';
import { inCallersDialect, pythonRegistryMethods } from './python.ts';
import { Registry, type RegistryEntry, registryMethods } from './registry.ts';

const log = getLogger('discovery');

/** This actor's own registry entry. */
function selfEntry(actor: ActorRuntime): RegistryEntry {
  return { name: actor.name, uuid: actor.uuid, pid: actor.pid, addrs: [...actor.addrs] };
}

/**
 * Join the registry at boot. A root (`mayBecomeRegistrar`) that finds nobody
 * at the first address listens there itself and becomes the registrar; any
 * actor registers with every registrar that answers. A registry address held
 * by something that is not a registrar is a `RegistryError`.
 *
 * A registration outlives its registrar: when the connection it was made
 * over closes while this actor lives, the actor joins again (see
 * {@link rejoin}).
 */
export async function joinRegistry(actor: ActorRuntime, addrs: Address[], mayBecomeRegistrar: boolean, parentIsRegistrar = false): Promise<void> {
  for (const [i, addr] of addrs.entries()) {
    // A child of the registrar registers over the channel it already has: no connection per spawn.
    if (i === 0 && parentIsRegistrar && actor.parentChan) {
      await registerOver(actor, addr, actor.parentChan, false);
      continue;
    }
    const may = mayBecomeRegistrar && i === 0;
    const chan = await reachRegistrar(actor, addr, may);
    if (!chan) continue;
    if (await registerOver(actor, addr, chan, true)) rejoinWhenGone(actor, addr, chan, may);
    else if (stillMember(actor)) void rejoin(actor, addr, may); // a registrar exiting (or too busy) just then: join the next one
  }
}

/** When the registration connection `chan` closes while this actor lives, join the registry at `addr` again. */
function rejoinWhenGone(actor: ActorRuntime, addr: Address, chan: Channel, mayBecomeRegistrar: boolean): void {
  chan.onClose(() => {
    if (stillMember(actor)) void rejoin(actor, addr, mayBecomeRegistrar);
  });
}

function stillMember(actor: ActorRuntime): boolean {
  return !discoveryOf(actor).leaving && !actor.cancelCalled;
}

/**
 * The registrar at `addr` went away: re-elect one and register with it. Every
 * actor that was registered there races to listen on `addr` (those that may
 * become the registrar: roots); the one whose bind succeeds is the new
 * registrar, the others get EADDRINUSE and register with it. An actor that
 * may not become the registrar (a child) only reconnects. Tries again, with
 * a growing pause, until it is registered or leaves: a registrar that is
 * still closing, or a peer that is no registrar, is no reason to give up.
 */
async function rejoin(actor: ActorRuntime, addr: Address, mayBecomeRegistrar: boolean): Promise<void> {
  log.info('the registrar at %s went away: joining the registry again', addr);
  for (let pause = REJOIN_FIRST_MS; stillMember(actor); pause = Math.min(pause * 2, REJOIN_MAX_MS)) {
    try {
      const chan = await reachRegistrar(actor, addr, mayBecomeRegistrar);
      if (!stillMember(actor)) return void chan?.close();
      if (!chan && actor.isRegistrar && actor.addrs.includes(addr)) return void log.runtime('re-elected: %s is now the registrar at %s', actor.name, addr);
      if (chan && (await registerOver(actor, addr, chan, true))) {
        rejoinWhenGone(actor, addr, chan, mayBecomeRegistrar);
        return void log.info('registered again, with %s at %s', chan.aid?.name, addr);
      }
    } catch (err) {
      log.info('rejoining the registry at %s: %s (trying again in %d ms)', addr, (err as Error).message, pause);
    }
    await pauseFor(pause);
  }
}

/** A pause that never keeps the process alive by itself. */
function pauseFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * A handshaken channel to the registrar at `addr`, or `undefined` when this
 * actor became that registrar (or, for a non-root, when nobody answers).
 * A root that loses the race to listen there (two roots booting at once)
 * registers with the winner instead of staying unregistered. A connection
 * reset or closed before the peer's Aid is a registrar exiting just then
 * (its listener still accepted us): asked again, a few times, so that once
 * its listener is gone this actor registers with the next one or takes the
 * address over.
 */
async function reachRegistrar(actor: ActorRuntime, addr: Address, mayBecomeRegistrar: boolean): Promise<Channel | undefined> {
  for (let lostRace = false, resets = 0; ;) {
    let chan: Channel;
    try {
      chan = await Channel.connect(addr, { timeoutMs: PROBE_TIMEOUT_MS });
    } catch (err) {
      if (err instanceof AuthenticationError) throw err; // someone answers there, over TLS, but not of this tree
      if (!mayBecomeRegistrar) {
        log.info('no registrar at %s (%s): this actor is not registered there', addr, (err as Error).message);
        return undefined;
      }
      if (await becomeRegistrar(actor, addr, err as Error)) return undefined;
      if (lostRace) {
        throw new RegistryError(`${addr} is in use, but nothing there accepts connections as a registrar (${(err as Error).message}). ` +
          'Free that address, or give every root the same free registryAddrs.', { cause: err });
      }
      lostRace = true;
      continue;
    }
    try {
      await handshake(actor, chan, PROBE_TIMEOUT_MS);
    } catch (err) {
      if (err instanceof AuthenticationError) throw err;
      // A silent peer (a timeout) is no registrar exiting: only a reset or a close is asked again.
      if (err instanceof TransportClosed && !(err instanceof HandshakeTimeout) && resets++ < EXITING_REGISTRAR_TRIES) {
        log.info('the registrar at %s dropped the connection before its Aid (%s): exiting? asking again', addr, err.message);
        await pauseFor(EXITING_REGISTRAR_PAUSE_MS);
        continue;
      }
      throw new RegistryError(`${addr} is held by something that is not a tractor-ts registrar (${(err as Error).message}). ` +
        'Free that address, or give every root the same free registryAddrs (and, if that tree uses TLS, the same tls settings).', { cause: err });
    }
    // Never call a registry method on a peer whose Aid says it is no registrar: that kills a Python actor.
    if (!saysRegistrar(chan)) {
      chan.close();
      throw new NotARegistrar(`the actor at ${addr} (${chan.aid?.name}) is not a registrar; point registryAddrs at the registrar`);
    }
    return chan;
  }
}

/** Register this actor over `chan`: the entry lives as long as that connection. False when the registrar did not take it. */
async function registerOver(actor: ActorRuntime, addr: Address, chan: Channel, fresh: boolean): Promise<boolean> {
  if (fresh) actor.serveChannel(chan);
  rememberRegistrar(actor, addr, Promise.resolve(chan));
  try {
    await registryCall(actor, addr, 'register_actor', { ...selfEntry(actor) }, { timeoutMs: PROBE_TIMEOUT_MS });
    return true;
  } catch (err) {
    if (fresh) chan.close(); // not a registrar (or a broken one): keep no connection to it
    if (err instanceof NotARegistrar) throw err;
    // A registrar that is going away (its root exiting cancels or cuts our
    // call) or too busy to answer in time is no reason to fail this actor's
    // boot: it just stays unregistered there.
    log.info('could not register with the registrar at %s: %s', addr, (err as Error).message);
    return false;
  }
}

/**
 * Listen on `addr` as the registrar; false if another root just took it (the
 * caller then registers with that one). `connectErr` is why nobody answered.
 */
async function becomeRegistrar(actor: ActorRuntime, addr: Address, connectErr: Error): Promise<boolean> {
  try {
    await actor.listenOn(parseAddress(addr));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') return false;
    if (code === 'EADDRNOTAVAIL') {
      // Typical of a registrar on another host that is not up yet: this host cannot take its place.
      throw new RegistryError(`no registrar answers at ${addr} (${connectErr.message}), and this host cannot listen there ` +
        'to become the registrar (not one of its addresses): start the registrar first, or fix registryAddrs', { cause: err });
    }
    throw new RegistryError(`cannot listen on the registry address ${addr}: ${(err as Error).message}`, { cause: err });
  }
  const registry = new Registry();
  discoveryOf(actor).registry = registry;
  // One table, served in each caller's dialect (tractor-ts, or Python tractor's: discovery/python.ts).
  actor.selfMethods = inCallersDialect(registryMethods(registry), pythonRegistryMethods(registry));
  registry.register(selfEntry(actor));
  log.runtime('actor %s is the registrar at %s', actor.name, addr);
  return true;
}

/**
 * Tell every registrar this actor is leaving (best effort). A tractor-ts
 * registrar also notices the closed connection; a Python one keeps the entry
 * until told (`unregister_actor(uid)`), so the message goes out now, on the
 * channels already open, before the actor closes them.
 */
export function leaveRegistry(actor: ActorRuntime): void {
  const state = discoveryOf(actor);
  state.leaving = true;
  const { registrarChans, registrarsReached } = state;
  const told = new Set<Channel>();
  const leave = (chan: Channel) => {
    if (chan.closed || told.has(chan)) return;
    told.add(chan);
    const kwargs = speaksTractorTs(chan) ? { uuid: actor.uuid } : { uid: actor.uid };
    chan.send(startMsg(actor, actor.newCid(), 'self', 'unregister_actor', kwargs));
    chan.flush();
  };
  for (const chan of registrarsReached) leave(chan);
  for (const p of registrarChans.values()) void p.then(leave, () => {});
  registrarChans.clear();
}
