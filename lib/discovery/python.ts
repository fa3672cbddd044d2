/**
 * The Python tractor registry dialect, both ways: the registrar methods as a
 * Python actor calls them (`register_actor(uid, addr)` with one `[host, port]`
 * per call, `unregister_actor(uid)`, `find_actor(name) -> [[h, p]] | null`,
 * `wait_for_actor(name) -> [[h, p]]`, `get_registry() -> {'name.uuid': [[h, p]]}`,
 * `delete_addr(addr)`; goodboy/tractor `discovery/_registry.py`), and the same
 * calls made by a tractor-ts actor to a Python registrar, their results turned
 * into the registry entries the rest of discovery uses.
 *
 * Addresses are converted here and nowhere else: `tcp://h:p` <-> `[h, p]`,
 * `uds:///dir/file` <-> `[dir, file]` (Python's `UnwrappedAddress`, told apart
 * by the type of the second item, `discovery/_addr.py`). An entry a Python
 * actor registered lives until it is unregistered or found dead, never with
 * the connection it came over (Python registers over short-lived connections).
 */
import path from 'node:path';
import { InvalidAddress, InvalidArgument } from '../errors.ts';
import { type Address, formatAddress, parseAddress } from '../ipc/addr.ts';
import { speaksTractorTs } from '../ipc/channel.ts';
import type { Uid } from '../msg/types.ts';
import type { SelfMethod } from '../runtime/actor.ts';
import type { Registry, RegistryEntry } from './registry.ts';

/** Python's `UnwrappedAddress`: TCP `(host, port)`, UDS `(filedir, filename)`. */
export type PyAddr = [host: string, port: number] | [dir: string, file: string];

/** `tcp://h:p` -> `[h, p]`; `uds:///d/f` -> `[d, f]`. */
export function toPyAddr(addr: Address): PyAddr {
  const a = parseAddress(addr);
  return a.proto === 'tcp' ? [a.host, a.port] : [path.dirname(a.path), path.basename(a.path)];
}

/** `[h, p]` -> `tcp://h:p`; `[d, f]` -> `uds:///d/f`. Throws `InvalidAddress` for anything else. */
export function fromPyAddr(a: unknown): Address {
  if (Array.isArray(a) && a.length === 2 && typeof a[0] === 'string') {
    if (typeof a[1] === 'number' && Number.isInteger(a[1])) return formatAddress({ proto: 'tcp', host: a[0], port: a[1] });
    if (typeof a[1] === 'string' && path.isAbsolute(a[0])) return formatAddress({ proto: 'uds', path: path.join(a[0], a[1]) });
  }
  throw new InvalidAddress(`expected a Python tractor address ([host, port] or [dir, file]), got ${JSON.stringify(a)}`);
}

function asUid(v: unknown, method: string): Uid {
  if (!Array.isArray(v) || v.length !== 2) {
    throw new InvalidArgument(`${method}() takes uid=(name, uuid), as Python tractor sends it; got ${JSON.stringify(v)}`);
  }
  return [String(v[0]), String(v[1])];
}

const sameAddr = (a: Address) => (e: RegistryEntry) => e.addrs.includes(a);

// ------------------------------------------------------------------ serving Python callers

/**
 * The registrar's methods in Python's dialect, for a caller that did not
 * announce itself as tractor-ts (the connection the call came over, `chan`,
 * gives a registering actor's pid).
 */
export function pythonRegistryMethods(registry: Registry): Readonly<Record<string, SelfMethod>> {
  return Object.freeze({
    /** One address per call, added to the actor's entry; the same address under another uid moves (_registry.py:173). */
    register_actor: async (a, { chan }) => {
      const [name, uuid] = asUid(a.uid, 'register_actor');
      const addr = fromPyAddr(a.addr);
      for (const other of registry.list().filter(sameAddr(addr))) {
        if (other.uuid === uuid) continue;
        const rest = other.addrs.filter((x) => x !== addr);
        if (rest.length) registry.register({ ...other, addrs: rest }, registry.channelOf(other.uuid));
        else registry.unregister(other.uuid);
      }
      const held = registry.list().find((e) => e.uuid === uuid);
      const pid = held?.pid || (chan?.aid?.uuid === uuid ? chan.aid.pid : 0);
      const addrs = held ? [...new Set([...held.addrs, addr])] : [addr];
      // No channel: the entry lives until unregistered or found dead, not with this connection.
      registry.register({ name, uuid, pid, addrs });
      return null;
    },
    unregister_actor: async (a) => {
      registry.unregister(asUid(a.uid, 'unregister_actor')[1]);
      return null;
    },
    /** The first registered actor whose uid holds `name` (a name or a uuid): its addresses, or null (_registry.py:100). */
    find_actor: async (a) => {
      const name = String(a.name);
      const e = registry.list().find((x) => x.name === name || x.uuid === name);
      return e?.addrs.length ? e.addrs.map(toPyAddr) : null;
    },
    /** Every address of every actor named `name`, waiting for one to register (_registry.py:132). */
    wait_for_actor: async (a, { signal }) => {
      const name = String(a.name);
      if (!registry.find(name).length) await registry.wait(name, signal);
      return registry.list().filter((e) => e.name === name).flatMap((e) => e.addrs.map(toPyAddr));
    },
    get_registry: async () => Object.fromEntries(registry.list().map((e) => [`${e.name}.${e.uuid}`, e.addrs.map(toPyAddr)])),
    /** Remove `addr` from whichever entry holds it; that entry's uid, or null (_registry.py:232). */
    delete_addr: async (a) => {
      const addr = fromPyAddr(a.addr);
      const e = registry.list().find(sameAddr(addr));
      if (!e) return null;
      const rest = e.addrs.filter((x) => x !== addr);
      if (rest.length) registry.register({ ...e, addrs: rest }, registry.channelOf(e.uuid));
      else registry.unregister(e.uuid);
      return [e.name, e.uuid];
    },
  } satisfies Record<string, SelfMethod>);
}

/**
 * The registrar's one method table, served in the caller's dialect: the
 * tractor-ts methods to a peer that announced itself as tractor-ts (and to
 * the registrar's own local calls), Python's to any other peer. Never chosen
 * by the shape of the arguments.
 */
export function inCallersDialect(ts: Readonly<Record<string, SelfMethod>>, py: Readonly<Record<string, SelfMethod>>): Readonly<Record<string, SelfMethod>> {
  const table: Record<string, SelfMethod> = {};
  for (const name of new Set([...Object.keys(ts), ...Object.keys(py)])) {
    table[name] = (args, call) => {
      const tractorTs = call.chan === undefined || speaksTractorTs(call.chan);
      const method = (tractorTs && Object.hasOwn(ts, name) ? ts[name] : py[name]) ?? ts[name]!;
      return method(args, call);
    };
  }
  return Object.freeze(table);
}

// ------------------------------------------------------------------ calling a Python registrar

/** Make one registry call over the registrar's connection (bounded, or not for a wait). */
export type RegistrarCall = (func: string, kwargs: Record<string, unknown>, bounded?: boolean) => Promise<unknown>;

/** Every entry of a Python `get_registry()` reply (`{'name.uuid': [[h, p]]}`), registration order; pids are unknown (0). */
export function entriesOf(reply: unknown): RegistryEntry[] {
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) return [];
  return Object.entries(reply as Record<string, unknown>).flatMap(([key, addrs]) => {
    const dot = key.lastIndexOf('.'); // a uuid has no dot; a name may
    if (dot < 0 || !Array.isArray(addrs)) return [];
    try {
      return [{ name: key.slice(0, dot), uuid: key.slice(dot + 1), pid: 0, addrs: addrs.map(fromPyAddr) }];
    } catch {
      return [];
    }
  });
}

/**
 * The tractor-ts registry call `func` made to a Python registrar, with
 * Python's arguments, its result in tractor-ts's shape:
 * - `register_actor` (a `RegistryEntry`): one `register_actor(uid, addr)` per address;
 * - `unregister_actor` (`{ uuid, name? }`): `unregister_actor(uid)`;
 * - `find_actor(name)`: entries named `name` (or with that uuid), newest first,
 *   read from `get_registry()`, whose keys carry the uuid a connection is checked against;
 * - `wait_for_actor(name)`: Python's blocking `wait_for_actor`, then the newest such entry.
 */
export async function callPythonRegistrar(func: string, kwargs: Record<string, unknown>, call: RegistrarCall, uid: Uid): Promise<unknown> {
  switch (func) {
    case 'register_actor': {
      const entry = kwargs as unknown as RegistryEntry;
      for (const addr of entry.addrs) await call('register_actor', { uid: [entry.name, entry.uuid], addr: toPyAddr(addr) });
      return null;
    }
    case 'unregister_actor':
      return call('unregister_actor', { uid: [String(kwargs.name ?? uid[0]), String(kwargs.uuid)] });
    case 'find_actor':
      return findIn(await call('get_registry', {}), String(kwargs.name));
    case 'wait_for_actor': {
      const name = String(kwargs.name);
      for (;;) {
        await call('wait_for_actor', { name }, false);
        const found = findIn(await call('get_registry', {}), name)[0];
        if (found) return found;
      }
    }
    default:
      return call(func, kwargs);
  }
}

function findIn(reply: unknown, name: string): RegistryEntry[] {
  return entriesOf(reply).filter((e) => e.name === name || e.uuid === name).reverse();
}
