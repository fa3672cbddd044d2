/**
 * Discovery from any actor: joining the registry at boot (or becoming the
 * registrar), leaving it at exit, and finding other actors by name:
 * `findActor`, `waitForActor`, `queryActor`, `getRegistry`.
 *
 * Every wait on the network is bounded: a dead or wrong registry address is a
 * `RegistryError` after the timeout, never a hang.
 */
import { AuthenticationError, RegistryError, RemoteActorError, RuntimeUsageError, TransportClosed } from '../errors.ts';
import { type Address, parseAddress } from '../ipc/addr.ts';
import { greet } from '../ipc/auth.ts';
import { Channel } from '../ipc/channel.ts';
import { getLogger } from '../log.ts';
import type { Actor } from '../runtime/actor.ts';
import { Portal } from '../runtime/portal.ts';
import { callFunction } from '../runtime/rpc.ts';
import { currentScope, Scope } from '../runtime/scope.ts';
import { getRuntime, getRuntimeVars } from '../runtime/state.ts';
import { Registry, type RegistryEntry } from './registrar.ts';

const log = getLogger('discovery');

/** Where the first root listens as registrar unless told otherwise. */
export const DEFAULT_REGISTRY_ADDR: Address = 'tcp://127.0.0.1:1616';

/**
 * The registry addresses a root uses when none are given: `TRACTOR_TS_REGISTRY_ADDRS`
 * (comma-separated) if set, so that a test run or a deployment can move every
 * program's registrar without code changes; else the default.
 */
export function defaultRegistryAddrs(): Address[] {
  const env = process.env.TRACTOR_TS_REGISTRY_ADDRS?.split(',').map((a) => a.trim()).filter(Boolean);
  return env?.length ? env : [DEFAULT_REGISTRY_ADDR];
}
/** How long a registry address may take to connect and answer the handshake. */
export const PROBE_TIMEOUT_MS = 1000;
/** Default bound of a discovery call (find, query, connect to the found actor). */
export const DISCOVERY_TIMEOUT_MS = 3000;

/** Options of the discovery calls. */
export interface DiscoveryOptions {
  /** Registrars to ask (default: this actor's `registryAddrs`). */
  registryAddrs?: Address[];
  /** Bound of each network step, in ms (default 3000). `waitForActor` waits for the actor itself without bound. */
  timeoutMs?: number;
  /** Aborting it rejects the call with its reason. */
  signal?: AbortSignal;
}

// ------------------------------------------------------------------ channels

/** The peer accepted the connection but said nothing in time: it may just be busy. */
class HandshakeTimeout extends TransportClosed {}

/** Exchange `Aid`s on a fresh connection; the peer's identity lands in `chan.aid`. */
async function handshake(actor: Actor, chan: Channel, timeoutMs: number): Promise<void> {
  await greet(chan, actor, { timeoutMs, onTimeout: () => new HandshakeTimeout(`no Aid handshake within ${timeoutMs} ms`) });
}

/** Open a served channel to the actor listening at `addr`. */
async function connectActor(actor: Actor, addr: Address, timeoutMs: number): Promise<Channel> {
  const chan = await Channel.connect(addr, { timeoutMs });
  await handshake(actor, chan, timeoutMs);
  actor.serveChannel(chan);
  return chan;
}

/** Channels this process opened to registrars, by address. */
const registrarChans = new Map<Address, Promise<Channel>>();

/** The open ones among them: kept until this actor exits, so they can carry calls to the registrar actor too. */
const registrarsReached = new Set<Channel>();

/** Remember `p` as the channel to the registrar at `addr`, until it closes (a later one is never evicted by an older one). */
function rememberRegistrar(addr: Address, p: Promise<Channel>): void {
  registrarChans.set(addr, p);
  const forget = () => {
    if (registrarChans.get(addr) === p) registrarChans.delete(addr);
  };
  p.then((chan) => {
    registrarsReached.add(chan);
    chan.onClose(() => {
      registrarsReached.delete(chan);
      forget();
    });
  }, forget);
}

function registrarChannel(actor: Actor, addr: Address, timeoutMs: number): Promise<Channel> {
  let p = registrarChans.get(addr);
  if (!p) {
    p = connectActor(actor, addr, timeoutMs).catch((err: Error) => {
      if (err instanceof AuthenticationError) throw err; // says what to do itself: another tree, or no cookie
      throw new RegistryError(`no registrar answers at ${addr}: ${err.message}. Start one (any root listening there) or pass registryAddrs`, { cause: err });
    });
    rememberRegistrar(addr, p);
  }
  return p;
}

/**
 * Connections this actor opened to find actors, by peer uuid, with how many
 * portals use each: closed when the last of them is disposed.
 */
const opened = new Map<string, { chan: Channel; refs: number }>();

/** A portal on a connection this actor opened: counted, and closed with its last portal. */
function ownedPortal(actor: Actor, chan: Channel): Portal {
  const uuid = chan.aid!.uuid;
  const held = opened.get(uuid)?.chan === chan ? opened.get(uuid)! : trackOpened(uuid, chan);
  held.refs++;
  return new Portal(actor, chan, {
    release: () => {
      if (--held.refs > 0) return;
      if (opened.get(uuid) === held) opened.delete(uuid);
      chan.close();
    },
  });
}

function trackOpened(uuid: string, chan: Channel): { chan: Channel; refs: number } {
  const held = { chan, refs: 0 };
  opened.set(uuid, held);
  chan.onClose(() => {
    if (opened.get(uuid) === held) opened.delete(uuid);
  });
  return held;
}

/**
 * An open connection to the actor `uuid` that no one else will close under
 * us: one this actor opened to find it, its registration connection (in the
 * registrar), our connection to it as a registrar, or the parent's channel. A
 * connection the peer opened to find us is never reused: the peer closes it
 * when its own portals are done, which would cut our calls short.
 */
function reusableChannel(actor: Actor, uuid: string): { chan: Channel; owned: boolean } | undefined {
  const own = opened.get(uuid)?.chan;
  if (own && !own.closed) return { chan: own, owned: true };
  // A registration made over someone else's connection (register_actor is callable by anyone) does not count.
  const shared = [actor.registry?.channelOf(uuid), actor.parentChan, ...registrarsReached]
    .find((c) => c?.aid?.uuid === uuid && !c.closed);
  return shared ? { chan: shared, owned: false } : undefined;
}

// ------------------------------------------------------------------ registry calls

function selfEntry(actor: Actor): RegistryEntry {
  return { name: actor.name, uuid: actor.uuid, pid: actor.pid, addrs: [...actor.addrs] };
}

/** Call a registry method at `addr` (directly, when this actor is that registrar). */
async function registryCall(actor: Actor, addr: Address, func: string, kwargs: Record<string, unknown>, opts: DiscoveryOptions, bounded = true): Promise<unknown> {
  if (actor.registry && actor.addrs.includes(addr)) return localCall(actor.registry, func, kwargs, opts);
  const chan = await registrarChannel(actor, addr, opts.timeoutMs ?? DISCOVERY_TIMEOUT_MS);
  return registryCallOver(actor, chan, addr, func, kwargs, opts, bounded);
}

/** The one registration failure that is fatal at boot: the address belongs to a tractor-ts actor that is not a registrar. */
const NOT_A_REGISTRAR = /is not a registrar/;

/** A registry method over `chan` (to the registrar at `addr`), its failures said as `RegistryError`s. */
async function registryCallOver(
  actor: Actor, chan: Channel, addr: Address, func: string, kwargs: Record<string, unknown>, opts: DiscoveryOptions, bounded = true,
): Promise<unknown> {
  const timeoutMs = opts.timeoutMs ?? DISCOVERY_TIMEOUT_MS;
  const timeout = bounded ? AbortSignal.timeout(timeoutMs) : undefined;
  try {
    return await callFunction(actor, chan, 'self', func, kwargs, [opts.signal, currentScope(), timeout]);
  } catch (err) {
    if (timeout?.aborted && err === timeout.reason) throw new RegistryError(`the registrar at ${addr} did not answer '${func}' within ${timeoutMs} ms`);
    // The registry died with its registrar: say so, rather than a bare TransportClosed.
    if (err instanceof TransportClosed && chan.closed) {
      throw new RegistryError(`the registrar at ${addr} went away during '${func}' (${err.message}); start a new one and retry`, { cause: err });
    }
    if (err instanceof RemoteActorError && err.boxedTypeName === 'TypeError' && /not a runtime method/.test(err.message)) {
      throw new RegistryError(`the actor at ${addr} (${chan.aid?.name}) is not a registrar; point registryAddrs at the registrar`);
    }
    throw err;
  }
}

function localCall(registry: Registry, func: string, kwargs: Record<string, unknown>, opts: DiscoveryOptions): Promise<unknown> {
  const name = String(kwargs.name);
  switch (func) {
    case 'find_actor': return Promise.resolve(registry.find(name));
    case 'wait_for_actor': return localWait(registry, name, opts);
    case 'unregister_actor': return Promise.resolve(registry.unregister(String(kwargs.uuid)));
    default: return Promise.resolve(registry.list());
  }
}

/** Wait in this registrar's own registry: both `opts.signal` and the ambient scope cancel the wait. */
async function localWait(registry: Registry, name: string, opts: DiscoveryOptions): Promise<RegistryEntry> {
  const scope = new Scope([opts.signal, currentScope()]);
  try {
    return await registry.wait(name, scope.signal);
  } finally {
    scope.close();
  }
}

// ------------------------------------------------------------------ boot and exit

/**
 * Join the registry at boot. A root (`mayBecomeRegistrar`) that finds nobody
 * at the first address listens there itself and becomes the registrar; any
 * actor registers with every registrar that answers. A registry address held
 * by something that is not a registrar is a `RegistryError`.
 */
export async function joinRegistry(actor: Actor, addrs: Address[], mayBecomeRegistrar: boolean, parentIsRegistrar = false): Promise<void> {
  for (const [i, addr] of addrs.entries()) {
    // A child of the registrar registers over the channel it already has: no connection per spawn.
    if (i === 0 && parentIsRegistrar && actor.parentChan) {
      await registerOver(actor, addr, actor.parentChan, false);
      continue;
    }
    const chan = await reachRegistrar(actor, addr, mayBecomeRegistrar && i === 0);
    if (chan) await registerOver(actor, addr, chan, true);
  }
}

/**
 * A handshaken channel to the registrar at `addr`, or `undefined` when this
 * actor became that registrar (or, for a non-root, when nobody answers).
 * Two tries: a root that loses the race to listen there (two roots booting
 * at once) registers with the winner instead of staying unregistered.
 */
async function reachRegistrar(actor: Actor, addr: Address, mayBecomeRegistrar: boolean): Promise<Channel | undefined> {
  for (let attempt = 0; ; attempt++) {
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
      if (attempt > 0) {
        throw new RegistryError(`${addr} is in use, but nothing there accepts connections as a registrar (${(err as Error).message}). ` +
          'Free that address, or give every root the same free registryAddrs.', { cause: err });
      }
      continue;
    }
    try {
      await handshake(actor, chan, PROBE_TIMEOUT_MS);
    } catch (err) {
      if (err instanceof AuthenticationError) throw err;
      throw new RegistryError(`${addr} is held by something that is not a tractor-ts registrar (${(err as Error).message}). ` +
        'Free that address, or give every root the same free registryAddrs (and, if that tree uses TLS, the same tls settings).', { cause: err });
    }
    return chan;
  }
}

/** Register this actor over `chan`: the entry lives as long as that connection. */
async function registerOver(actor: Actor, addr: Address, chan: Channel, fresh: boolean): Promise<void> {
  if (fresh) actor.serveChannel(chan);
  rememberRegistrar(addr, Promise.resolve(chan));
  try {
    await registryCall(actor, addr, 'register_actor', { ...selfEntry(actor) }, { timeoutMs: PROBE_TIMEOUT_MS });
  } catch (err) {
    if (fresh) chan.close(); // not a registrar (or a broken one): keep no connection to it
    if (err instanceof RegistryError && NOT_A_REGISTRAR.test(err.message)) throw err;
    // A registrar that is going away (its root exiting cancels or cuts our
    // call) or too busy to answer in time is no reason to fail this actor's
    // boot: it just stays unregistered there.
    log.info('could not register with the registrar at %s: %s', addr, (err as Error).message);
  }
}

/**
 * Listen on `addr` as the registrar; false if another root just took it (the
 * caller then registers with that one). `connectErr` is why nobody answered.
 */
async function becomeRegistrar(actor: Actor, addr: Address, connectErr: Error): Promise<boolean> {
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
  actor.registry = new Registry();
  actor.registry.register(selfEntry(actor));
  log.runtime('actor %s is the registrar at %s', actor.name, addr);
  return true;
}

/** Tell every registrar this actor is leaving (best effort; the registrar also notices the closed connection). */
export function leaveRegistry(actor: Actor): void {
  for (const p of registrarChans.values()) {
    void p.then((chan) => {
      if (chan.closed) return;
      chan.send({ msg_type: 'Start', cid: actor.newCid(), ns: 'self', func: 'unregister_actor', kwargs: { uuid: actor.uuid }, uid: actor.uid, pld_spec: null });
      chan.flush();
    }, () => {});
  }
  registrarChans.clear();
}

// ------------------------------------------------------------------ public API

function runtime(what: string): Actor {
  const actor = getRuntime();
  if (!actor) throw new RuntimeUsageError(`${what}() needs a running actor: call it inside tractor.run(), a root or a nursery`);
  return actor;
}

function registryAddrs(opts: DiscoveryOptions): Address[] {
  const addrs = opts.registryAddrs ?? getRuntimeVars().registryAddrs;
  for (const a of addrs) parseAddress(a);
  return addrs.length ? addrs : defaultRegistryAddrs();
}

/** Connections being opened to registered actors, by uuid: concurrent finds of one actor share one. */
const connecting = new Map<string, Promise<{ chan?: Channel; gone: boolean }>>();

/** Connect to the first address of `entry` where that very actor answers (shared by concurrent callers). */
function channelTo(actor: Actor, entry: RegistryEntry, opts: DiscoveryOptions): Promise<{ chan?: Channel; gone: boolean }> {
  let p = connecting.get(entry.uuid);
  if (!p) {
    p = connectEntry(actor, entry, opts.timeoutMs ?? DISCOVERY_TIMEOUT_MS).finally(() => connecting.delete(entry.uuid));
    connecting.set(entry.uuid, p);
  }
  return p;
}

/**
 * Try every address of `entry`. `gone` is false only when an address timed
 * out: an actor that is merely busy stays registered. Refused connections,
 * missing socket files, non-tractor peers and other actors at its address all
 * mean it is gone (and `waitForActor` would otherwise retry it in a loop).
 */
async function connectEntry(actor: Actor, entry: RegistryEntry, timeoutMs: number): Promise<{ chan?: Channel; gone: boolean }> {
  let gone = true;
  for (const addr of entry.addrs) {
    try {
      const chan = await connectActor(actor, addr, timeoutMs);
      if (chan.aid?.uuid === entry.uuid) return { chan, gone: false };
      log.info('registered actor %s is gone from %s: %s answers there now', entry.name, addr, chan.aid?.name);
      chan.close();
    } catch (err) {
      // A peer of another tree (or one that refused us) is not gone: its own tree still uses it.
      gone &&= !timedOut(err as Error) && !(err instanceof AuthenticationError);
      log.info('registered actor %s is not reachable at %s: %s', entry.name, addr, (err as Error).message);
    }
  }
  return { gone };
}

/** A connect or handshake that ran out of time (the peer may be alive but busy). */
function timedOut(err: Error): boolean {
  if (err instanceof HandshakeTimeout) return true;
  const cause = err.cause as NodeJS.ErrnoException | undefined;
  return cause?.code === 'ETIMEDOUT' || (cause?.code === undefined && /timed out/.test(cause?.message ?? ''));
}

/** A portal to a registered actor, or `undefined` if it does not answer; entries of actors that are gone are dropped. */
async function portalTo(actor: Actor, entry: RegistryEntry, registrar: Address, opts: DiscoveryOptions): Promise<Portal | undefined> {
  const reuse = reusableChannel(actor, entry.uuid);
  if (reuse) return reuse.owned ? ownedPortal(actor, reuse.chan) : new Portal(actor, reuse.chan);
  const { chan, gone } = await channelTo(actor, entry, opts);
  if (chan) return ownedPortal(actor, chan);
  if (gone) void registryCall(actor, registrar, 'unregister_actor', { uuid: entry.uuid }, opts).catch(() => {});
  return undefined;
}

/**
 * A portal to an actor registered under `name`, or `undefined` if none is
 * (or none answers). With several registered, the most recently registered
 * one that answers wins. Dispose the portal (`await using`) to close the
 * connection it opened; portals to the same actor share one connection,
 * closed when the last of them is disposed.
 */
export async function findActor(name: string, opts: DiscoveryOptions = {}): Promise<Portal | undefined> {
  const actor = runtime('findActor');
  for (const { addr, entries } of await askEveryRegistrar(actor, name, opts)) {
    for (const entry of entries) {
      const portal = await portalTo(actor, entry, addr, opts);
      if (portal) return portal;
    }
  }
  return undefined;
}

/**
 * A portal to the actor registered under `name`, waiting until one registers.
 * Honours the ambient signal and `opts.signal`.
 */
export async function waitForActor(name: string, opts: DiscoveryOptions = {}): Promise<Portal> {
  const actor = runtime('waitForActor');
  const addr = registryAddrs(opts)[0]!;
  for (;;) {
    const entry = (await registryCall(actor, addr, 'wait_for_actor', { name }, opts, false)) as RegistryEntry;
    const portal = await portalTo(actor, entry, addr, opts);
    if (portal) return portal;
  }
}

/** The first address of the actor registered under `name`, or `undefined`. */
export async function queryActor(name: string, opts: DiscoveryOptions = {}): Promise<Address | undefined> {
  const actor = runtime('queryActor');
  for (const { entries } of await askEveryRegistrar(actor, name, opts)) {
    if (entries[0]) return entries[0].addrs[0];
  }
  return undefined;
}

/**
 * `find_actor(name)` at every registry address, in order. One dead registrar
 * does not hide the others: only when none answers is it a `RegistryError`.
 */
async function askEveryRegistrar(actor: Actor, name: string, opts: DiscoveryOptions): Promise<{ addr: Address; entries: RegistryEntry[] }[]> {
  const answers: { addr: Address; entries: RegistryEntry[] }[] = [];
  let failure: unknown;
  for (const addr of registryAddrs(opts)) {
    try {
      answers.push({ addr, entries: (await registryCall(actor, addr, 'find_actor', { name }, opts)) as RegistryEntry[] });
    } catch (err) {
      if (!(err instanceof RegistryError)) throw err;
      failure ??= err;
    }
  }
  if (!answers.length && failure) throw failure;
  return answers;
}

/**
 * A portal to the registrar at `addr` (default: the first registry address).
 * `await portal.runFromNs('self', 'get_registry')` lists every registered
 * actor as `{ name, uuid, pid, addrs }`.
 */
export async function getRegistry(addr?: Address, opts: Omit<DiscoveryOptions, 'registryAddrs'> = {}): Promise<Portal> {
  const actor = runtime('getRegistry');
  const target = addr ?? registryAddrs({})[0]!;
  parseAddress(target);
  let chan: Channel;
  try {
    chan = await connectActor(actor, target, opts.timeoutMs ?? DISCOVERY_TIMEOUT_MS);
  } catch (err) {
    if (err instanceof AuthenticationError) throw err;
    throw new RegistryError(`no registrar answers at ${target}: ${(err as Error).message}`, { cause: err });
  }
  // Something that answers the handshake is not necessarily a registrar: ask it once.
  try {
    await registryCallOver(actor, chan, target, 'get_registry', {}, opts);
  } catch (err) {
    chan.close();
    throw err;
  }
  // A connection of its own, closed with the portal (never shared: the registrar's uuid is unknown before connecting).
  return new Portal(actor, chan, { release: () => chan.close() });
}
