/**
 * Discovery's connections, held per runtime: the channels this actor opened
 * to registrars (kept while it lives, they carry its registration) and to
 * actors it found (shared by the portals using them, closed with the last),
 * which connection to an actor may be reused, and calls to a registry
 * method, said as `RegistryError`s when they fail. Every wait on the network
 * is bounded.
 */
import { AuthenticationError, ConnectTimeout, HandshakeTimeout, InvalidArgument, NotARegistrar, RegistryError, RemoteActorError, TransportClosed } from '../errors.ts';
import type { Address } from '../ipc/addr.ts';
import { greet } from '../ipc/auth.ts';
import { Channel, speaksTractorTs } from '../ipc/channel.ts';
import { getLogger } from '../log.ts';
import type { ActorRuntime, SelfMethod } from '../runtime/actor.ts';
import { callFunction } from '../runtime/call.ts';
import { Portal } from '../runtime/portal.ts';
import { currentScope, Scope } from '../runtime/scope.ts';
import { DISCOVERY_TIMEOUT_MS, REGISTRAR_GAP_MS } from '../runtime/timing.ts';
import { callPythonRegistrar } from './python.ts';
import type { Registry, RegistryEntry } from './registry.ts';

const log = getLogger('discovery');

/** Options of the discovery calls. */
export interface DiscoveryOptions {
  /** Registrars to ask (default: this actor's `registryAddrs`). */
  registryAddrs?: Address[];
  /** Bound of each network step, in ms (default 3000). `waitForActor` waits for the actor itself without bound. */
  timeoutMs?: number;
  /** Aborting it rejects the call with its reason. */
  signal?: AbortSignal;
}

/** A connection this actor opened to a found actor, with how many portals use it. */
interface Held { chan: Channel; refs: number }

/** A connection to a registered actor, or whether it is gone (`false` when it may just be busy). */
type Reached = { chan?: Channel; gone: boolean };

/** What discovery keeps for one runtime (never for longer: a new root starts afresh). */
interface DiscoveryState {
  /** The registry, when this actor is the registrar. */
  registry: Registry | undefined;
  /** Channels this actor opened to registrars, by address. */
  registrarChans: Map<Address, Promise<Channel>>;
  /** The open ones among them: kept until this actor exits, so they can carry calls to the registrar actor too. */
  registrarsReached: Set<Channel>;
  /** Connections this actor opened to find actors, by peer uuid: closed when the last portal using one is disposed. */
  opened: Map<string, Held>;
  /** Connections being opened to registered actors, by uuid: concurrent finds of one actor share one. */
  connecting: Map<string, Promise<Reached>>;
  /** Set when this actor leaves the registry (it exits): a registrar going away then starts no re-election. */
  leaving: boolean;
}

const states = new WeakMap<ActorRuntime, DiscoveryState>();

/** Discovery's state for `actor`, made on first use. */
export function discoveryOf(actor: ActorRuntime): DiscoveryState {
  let s = states.get(actor);
  if (!s) {
    s = { registry: undefined, registrarChans: new Map(), registrarsReached: new Set(), opened: new Map(), connecting: new Map(), leaving: false };
    states.set(actor, s);
  }
  return s;
}

// ------------------------------------------------------------------ channels

/** Exchange `Aid`s (and, with a cookie, proofs) on a fresh connection; the peer's identity lands in `chan.aid`. */
export async function handshake(actor: ActorRuntime, chan: Channel, timeoutMs: number): Promise<void> {
  await greet(chan, actor, { timeoutMs });
}

/** Open a served channel to the actor listening at `addr`. */
export async function connectActor(actor: ActorRuntime, addr: Address, timeoutMs: number): Promise<Channel> {
  const chan = await Channel.connect(addr, { timeoutMs });
  await handshake(actor, chan, timeoutMs);
  actor.serveChannel(chan);
  return chan;
}

/** Remember `p` as the channel to the registrar at `addr`, until it closes (a later one is never evicted by an older one). */
export function rememberRegistrar(actor: ActorRuntime, addr: Address, p: Promise<Channel>): void {
  const { registrarChans, registrarsReached } = discoveryOf(actor);
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

function registrarChannel(actor: ActorRuntime, addr: Address, timeoutMs: number): Promise<Channel> {
  let p = discoveryOf(actor).registrarChans.get(addr);
  if (!p) {
    p = connectRegistrar(actor, addr, timeoutMs).catch((err: Error) => {
      if (err instanceof AuthenticationError) throw err; // says what to do itself: another tree, or no cookie
      throw new RegistryError(`no registrar answers at ${addr}: ${err.message}. Start one (any root listening there) or pass registryAddrs`, { cause: err });
    });
    rememberRegistrar(actor, addr, p);
  }
  return p;
}

/**
 * Connect to the registrar at `addr`. Nobody listening there may be the gap
 * while the actors registered with a registrar that went away elect the next
 * one (discovery/membership.ts): a refused connection is tried again, for
 * {@link REGISTRAR_GAP_MS} at most, unless this actor itself became the
 * registrar there meanwhile.
 */
export async function connectRegistrar(actor: ActorRuntime, addr: Address, timeoutMs: number): Promise<Channel> {
  const until = performance.now() + Math.min(timeoutMs, REGISTRAR_GAP_MS);
  for (let pause = 20; ; pause = Math.min(pause * 2, 200)) {
    try {
      return await connectActor(actor, addr, timeoutMs);
    } catch (err) {
      if (!nobodyListens(err) || isRegistrarAt(actor, addr) || performance.now() + pause > until) throw err;
    }
    await new Promise((r) => setTimeout(r, pause));
  }
}

/**
 * A connection refused (TCP), reset while connecting (the listener's process
 * died with our connection in its backlog) or a socket file missing (UDS):
 * nobody listens at that address right now.
 */
function nobodyListens(err: unknown): boolean {
  const code = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
  return err instanceof TransportClosed && (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ENOENT');
}

/** Whether this actor serves the registry at `addr`. */
function isRegistrarAt(actor: ActorRuntime, addr: Address): boolean {
  return actor.selfMethods !== undefined && actor.addrs.includes(addr);
}

/** A portal on a connection this actor opened: counted, and closed with its last portal. */
export function ownedPortal(actor: ActorRuntime, chan: Channel): Portal {
  const { opened } = discoveryOf(actor);
  const uuid = chan.aid!.uuid;
  const held = opened.get(uuid)?.chan === chan ? opened.get(uuid)! : trackOpened(opened, uuid, chan);
  held.refs++;
  return new Portal(actor, chan, {
    release: () => {
      if (--held.refs > 0) return;
      if (opened.get(uuid) === held) opened.delete(uuid);
      chan.close();
    },
  });
}

function trackOpened(opened: Map<string, Held>, uuid: string, chan: Channel): Held {
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
export function reusableChannel(actor: ActorRuntime, uuid: string): { chan: Channel; owned: boolean } | undefined {
  const { opened, registry, registrarsReached } = discoveryOf(actor);
  const own = opened.get(uuid)?.chan;
  if (own && !own.closed) return { chan: own, owned: true };
  // A registration made over someone else's connection (register_actor is callable by anyone) does not count.
  const shared = [registry?.channelOf(uuid), actor.parentChan, ...registrarsReached]
    .find((c) => c?.aid?.uuid === uuid && !c.closed);
  return shared ? { chan: shared, owned: false } : undefined;
}

/** Connect to the first address of `entry` where that very actor answers (shared by concurrent callers). */
export function channelTo(actor: ActorRuntime, entry: RegistryEntry, opts: DiscoveryOptions): Promise<Reached> {
  const { connecting } = discoveryOf(actor);
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
async function connectEntry(actor: ActorRuntime, entry: RegistryEntry, timeoutMs: number): Promise<Reached> {
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
  if (err instanceof HandshakeTimeout || err instanceof ConnectTimeout) return true;
  return (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
}

// ------------------------------------------------------------------ registry calls

/** Lookups: asked again (of the next registrar) when the registrar went away while answering. */
const LOOKUPS = new Set(['find_actor', 'wait_for_actor', 'get_registry']);

/**
 * Call a registry method at `addr` (directly, when this actor is that
 * registrar). A lookup whose registrar goes away mid-call is asked again:
 * the actors registered there elect the next registrar meanwhile.
 */
export async function registryCall(actor: ActorRuntime, addr: Address, func: string, kwargs: Record<string, unknown>, opts: DiscoveryOptions, bounded = true): Promise<unknown> {
  for (;;) {
    try {
      return await registryCallOnce(actor, addr, func, kwargs, opts, bounded);
    } catch (err) {
      if (!LOOKUPS.has(func) || !wentAway.has(err as Error) || opts.signal?.aborted) throw err;
      log.info("the registrar at %s went away during '%s': asking the next one", addr, func);
    }
  }
}

/** The `RegistryError`s that say the registrar went away mid-call. */
const wentAway = new WeakSet<Error>();

async function registryCallOnce(actor: ActorRuntime, addr: Address, func: string, kwargs: Record<string, unknown>, opts: DiscoveryOptions, bounded = true): Promise<unknown> {
  if (isRegistrarAt(actor, addr)) return localCall(actor, func, kwargs, opts);
  let chan: Channel;
  try {
    chan = await registrarChannel(actor, addr, opts.timeoutMs ?? DISCOVERY_TIMEOUT_MS);
  } catch (err) {
    // Re-elected while we waited for a registrar there.
    if (isRegistrarAt(actor, addr)) return localCall(actor, func, kwargs, opts);
    throw err;
  }
  if (chan.aid?.uuid === actor.uuid && isRegistrarAt(actor, addr)) {
    chan.close(); // reached ourselves, just re-elected
    return localCall(actor, func, kwargs, opts);
  }
  if (!speaksTractorTs(chan)) {
    // A Python tractor registrar: its arguments and shapes (discovery/python.ts).
    return callPythonRegistrar(func, kwargs, (f, kw, b = bounded) => registryCallOver(actor, chan, addr, f, kw, opts, b), actor.uid);
  }
  return registryCallOver(actor, chan, addr, func, kwargs, opts, bounded);
}

/**
 * Whether the peer's `Aid` allows it to be a registrar: not when it says
 * `is_registrar: false`, nor, from a peer that is not tractor-ts, when it
 * says null: a plain Python actor does, which Python itself counts as a
 * registrar (discovery/_api.py:110) but which then dies on the first registry
 * call. A peer whose Aid has no such field at all (an older one) may be.
 */
export function saysRegistrar(chan: Channel): boolean {
  const said = chan.aid?.isRegistrar;
  return said !== false && (said !== null || speaksTractorTs(chan));
}

/** A registry method over `chan` (to the registrar at `addr`), its failures said as `RegistryError`s. */
export async function registryCallOver(
  actor: ActorRuntime, chan: Channel, addr: Address, func: string, kwargs: Record<string, unknown>, opts: DiscoveryOptions, bounded = true,
): Promise<unknown> {
  const timeoutMs = opts.timeoutMs ?? DISCOVERY_TIMEOUT_MS;
  const timeout = bounded ? AbortSignal.timeout(timeoutMs) : undefined;
  try {
    return await callFunction(actor, chan, 'self', func, kwargs, [opts.signal, currentScope(), timeout]);
  } catch (err) {
    if (timeout?.aborted && err === timeout.reason) throw new RegistryError(`the registrar at ${addr} did not answer '${func}' within ${timeoutMs} ms`);
    // The registry died with its registrar: say so, rather than a bare TransportClosed.
    if (err instanceof TransportClosed && chan.closed) {
      const gone = new RegistryError(`the registrar at ${addr} went away during '${func}' (${err.message}); start a new one and retry`, { cause: err });
      wentAway.add(gone);
      throw gone;
    }
    if (err instanceof RemoteActorError && err.boxedTypeName === 'UnknownRuntimeMethod') {
      throw new NotARegistrar(`the actor at ${addr} (${chan.aid?.name}) is not a registrar; point registryAddrs at the registrar`);
    }
    throw err;
  }
}

/**
 * A registry method of this very registrar, from the same table its remote
 * callers are served from: `opts.signal` and the ambient scope cancel it.
 */
async function localCall(actor: ActorRuntime, func: string, kwargs: Record<string, unknown>, opts: DiscoveryOptions): Promise<unknown> {
  const methods = actor.selfMethods!;
  const method = Object.hasOwn(methods, func) ? methods[func] : undefined;
  if (!method) throw new InvalidArgument(`'${func}' is not a registry method`);
  const scope = new Scope([opts.signal, currentScope()]);
  actor.localCalls++; // a wait_for_actor here opens no dialog: the actor is busy all the same
  try {
    return await method(kwargs, { chan: undefined, get signal() { return scope.signal; } });
  } finally {
    actor.localCalls--;
    scope.close();
  }
}
