/**
 * The public API of discovery, from any actor: finding other actors by name
 * (`findActor`, `waitForActor`, `queryActor`) and reaching the registrar
 * (`getRegistry`).
 *
 * Every wait on the network is bounded: a dead or wrong registry address is a
 * `RegistryError` after the timeout, never a hang.
 */
import { AuthenticationError, NotARegistrar, RegistryError, RuntimeUsageError } from '../errors.ts';
import { type Address, parseAddress } from '../ipc/addr.ts';
import type { Channel } from '../ipc/channel.ts';
import type { ActorRuntime } from '../runtime/actor.ts';
import { getRuntime } from '../runtime/current.ts';
import { Portal } from '../runtime/portal.ts';
import { getRuntimeVars } from '../runtime/state.ts';
import { DISCOVERY_TIMEOUT_MS } from '../runtime/timing.ts';
import {
  channelTo, connectRegistrar, type DiscoveryOptions, ownedPortal, registryCall, registryCallOver, reusableChannel, saysRegistrar,
} from './connections.ts';
import type { RegistryEntry } from './registry.ts';

export type { DiscoveryOptions };


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

function runtime(what: string): ActorRuntime {
  const actor = getRuntime();
  if (!actor) throw new RuntimeUsageError(`${what}() needs a running actor: call it inside tractor.run(), a root or a nursery`);
  return actor;
}

function registryAddrs(opts: DiscoveryOptions): Address[] {
  const addrs = opts.registryAddrs ?? getRuntimeVars().registryAddrs;
  for (const a of addrs) parseAddress(a);
  return addrs.length ? addrs : defaultRegistryAddrs();
}

async function portalTo(actor: ActorRuntime, entry: RegistryEntry, registrar: Address, opts: DiscoveryOptions): Promise<Portal | undefined> {
  const reuse = reusableChannel(actor, entry.uuid);
  if (reuse) return reuse.owned ? ownedPortal(actor, reuse.chan) : new Portal(actor, reuse.chan);
  const { chan, gone } = await channelTo(actor, entry, opts);
  if (chan) return ownedPortal(actor, chan);
  if (gone) void registryCall(actor, registrar, 'unregister_actor', { uuid: entry.uuid, name: entry.name }, opts).catch(() => {});
  return undefined;
}

/**
 * A portal to an actor registered under `name`, or `undefined` if none is
 * (or none answers). With several registered, the most recently registered
 * one that answers wins. Dispose the portal (`await using`) to close the
 * connection it opened; portals to the same actor share one connection,
 * closed when the last of them is disposed.
 *
 * @example
 * ```ts
 * await using math = await tractor.findActor('math');
 * if (math) console.log(await math.run(add, { a: 1, b: 2 }));
 * ```
 * @throws {RegistryError} when no registrar answers (a `NotARegistrar` when the address is an actor that is not one).
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
 *
 * @example
 * ```ts
 * await using math = await tractor.waitForActor('math', { signal: AbortSignal.timeout(10_000) });
 * ```
 * @throws {RegistryError} when no registrar answers.
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

/**
 * The first address of the actor registered under `name`, or `undefined`.
 *
 * @example
 * ```ts
 * const addr = await tractor.queryActor('math'); // e.g. 'tcp://127.0.0.1:40123'
 * ```
 */
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
async function askEveryRegistrar(actor: ActorRuntime, name: string, opts: DiscoveryOptions): Promise<{ addr: Address; entries: RegistryEntry[] }[]> {
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
 *
 * @example
 * ```ts
 * await using registrar = await tractor.getRegistry();
 * console.log(await registrar.runFromNs('self', 'get_registry'));
 * ```
 * @throws {RegistryError} when nothing answers there (`NotARegistrar` when an actor answers that is not the registrar).
 */
export async function getRegistry(addr?: Address, opts: Omit<DiscoveryOptions, 'registryAddrs'> = {}): Promise<Portal> {
  const actor = runtime('getRegistry');
  const target = addr ?? registryAddrs({})[0]!;
  parseAddress(target);
  let chan: Channel;
  try {
    chan = await connectRegistrar(actor, target, opts.timeoutMs ?? DISCOVERY_TIMEOUT_MS);
  } catch (err) {
    if (err instanceof AuthenticationError) throw err;
    throw new RegistryError(`no registrar answers at ${target}: ${(err as Error).message}`, { cause: err });
  }
  // Something that answers the handshake is not necessarily a registrar: its Aid may say so, else ask it once.
  if (!saysRegistrar(chan)) {
    chan.close();
    throw new NotARegistrar(`the actor at ${target} (${chan.aid?.name}) is not a registrar; point registryAddrs at the registrar`);
  }
  try {
    await registryCallOver(actor, chan, target, 'get_registry', {}, opts);
  } catch (err) {
    chan.close();
    throw err;
  }
  // A connection of its own, closed with the portal (never shared: the registrar's uuid is unknown before connecting).
  return new Portal(actor, chan, { release: () => chan.close() });
}
