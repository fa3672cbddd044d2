/**
 * The registry a registrar actor keeps: actor name and uuid -> the addresses
 * it listens on. Served as runtime methods of the `self` namespace (never as
 * user functions). An entry lives as long as the connection it was registered
 * over: an actor that dies without unregistering is removed when that
 * connection closes.
 */
import type { Channel } from '../ipc/channel.ts';
import type { SelfMethod } from '../runtime/actor.ts';

/** One registered actor. */
export interface RegistryEntry {
  name: string;
  uuid: string;
  pid: number;
  addrs: string[];
}

interface Held extends RegistryEntry {
  /** Registration order: `find` returns the newest first. */
  seq: number;
  chan: Channel | undefined;
}

export class Registry {
  readonly #entries = new Map<string, Held>();
  readonly #waiters = new Map<string, Set<(e: RegistryEntry) => void>>();
  readonly #watched = new WeakSet<Channel>();
  #seq = 0;

  /** Add (or refresh) an entry; `chan` is the connection it came over, if remote. */
  register(entry: RegistryEntry, chan?: Channel): void {
    const held: Held = { ...copy(entry), seq: ++this.#seq, chan };
    this.#entries.set(entry.uuid, held);
    if (chan && !this.#watched.has(chan)) {
      this.#watched.add(chan);
      chan.onClose(() => this.#dropChannel(chan));
    }
    const waiters = this.#waiters.get(entry.name);
    if (waiters) {
      this.#waiters.delete(entry.name);
      for (const w of waiters) w(copy(held));
    }
  }

  unregister(uuid: string): boolean {
    return this.#entries.delete(uuid);
  }

  /** Every actor registered under `name`, the most recently registered first. */
  find(name: string): RegistryEntry[] {
    return [...this.#entries.values()].filter((e) => e.name === name).sort((a, b) => b.seq - a.seq).map(copy);
  }

  /** The newest entry for `name`, waiting for one to register; aborting `signal` rejects with its reason. */
  wait(name: string, signal: AbortSignal): Promise<RegistryEntry> {
    const found = this.find(name)[0];
    if (found) return Promise.resolve(found);
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      let set = this.#waiters.get(name);
      if (!set) this.#waiters.set(name, (set = new Set()));
      const onAbort = () => {
        set!.delete(waiter);
        if (set!.size === 0 && this.#waiters.get(name) === set) this.#waiters.delete(name);
        reject(signal.reason);
      };
      const waiter = (e: RegistryEntry) => {
        signal.removeEventListener('abort', onAbort);
        resolve(e);
      };
      set.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The connection the actor `uuid` registered over (it lives as long as that actor). */
  channelOf(uuid: string): Channel | undefined {
    return this.#entries.get(uuid)?.chan;
  }

  list(): RegistryEntry[] {
    return [...this.#entries.values()].sort((a, b) => a.seq - b.seq).map(copy);
  }

  #dropChannel(chan: Channel): void {
    for (const [uuid, e] of this.#entries) if (e.chan === chan) this.#entries.delete(uuid);
  }
}

function copy(e: RegistryEntry): RegistryEntry {
  return { name: e.name, uuid: e.uuid, pid: e.pid, addrs: [...e.addrs] };
}

/**
 * The registry's methods, as the one table a registrar serves them from:
 * to remote callers (given to the runtime as its `selfMethods`, bound to the
 * channel each call came over) and to its own discovery calls (no channel).
 */
export function registryMethods(registry: Registry): Readonly<Record<string, SelfMethod>> {
  return Object.freeze({
    register_actor: async (a, { chan }) => {
      registry.register(asEntry(a), chan);
      return true;
    },
    unregister_actor: async (a) => registry.unregister(String(a.uuid)),
    find_actor: async (a) => registry.find(String(a.name)),
    wait_for_actor: (a, { signal }) => registry.wait(String(a.name), signal),
    get_registry: async () => registry.list(),
  } satisfies Record<string, SelfMethod>);
}

function asEntry(a: Record<string, unknown>): RegistryEntry {
  if (typeof a.name !== 'string' || typeof a.uuid !== 'string' || !Array.isArray(a.addrs)) {
    throw new TypeError('register_actor needs { name, uuid, pid, addrs }');
  }
  return { name: a.name, uuid: a.uuid, pid: Number(a.pid) || 0, addrs: a.addrs.map(String) };
}
