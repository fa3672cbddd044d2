/**
 * `openActorCluster`: a fixed set of daemon actors serving the same modules,
 * spawned concurrently under one nursery and cancelled together.
 *
 * Like `startActor`, the open resolves once every actor is connected; an
 * actor that then fails to import its modules fails like any daemon of a
 * nursery: on the first call through its portal, or at disposal.
 */
import os from 'node:os';
import { type ActorNursery, type SpawnOptions } from './runtime/nursery.ts';
import type { ArgsOf, Portal, RemoteFn, ResultOf } from './runtime/portal.ts';
import { openNursery } from './root.ts';
import { mapOnPool, type MapOptions, Pool } from './runtime/pool.ts';

export interface ClusterOptions extends Omit<SpawnOptions, 'name' | 'enableModules'> {
  /** Modules every actor of the cluster serves. */
  modules: string[];
  /** How many actors (default `os.availableParallelism()`). */
  count?: number;
  /** Their names (default `worker_0` … `worker_{count-1}`); the count is their number when given. */
  names?: string[];
}

/** A running cluster: `portals` by actor name. Disposing it cancels every actor and reaps them. */
export class ActorCluster implements AsyncDisposable {
  readonly #pool: Pool;

  /** @internal */
  constructor(readonly nursery: ActorNursery, readonly portals: Map<string, Portal>) {
    this.#pool = new Pool([...portals.values()]);
  }

  /**
   * Call `fn(args)` on the least busy actor of the cluster (fewest calls in
   * flight through `run`/`map`; ties go round-robin).
   *
   * @example
   * ```ts
   * const digest = await cluster.run(sha256File, { path: 'big.iso' });
   * ```
   */
  run<F extends RemoteFn>(fn: F, args?: ArgsOf<F>, opts: { signal?: AbortSignal } = {}): Promise<ResultOf<F>> {
    return this.#pool.run(fn, args, opts.signal);
  }

  /**
   * `fn(item)` for every item (any iterable or async iterable of `fn`'s
   * arguments), spread over the cluster with at most `concurrency` calls in
   * flight (default 2 per actor), as an async iterable of the results: in
   * input order (`ordered`, the default) or as they come. Items are taken
   * lazily; the first error cancels what is in flight and is raised; leaving
   * the loop early (`break`) cancels what is still in flight.
   *
   * @example
   * ```ts
   * for await (const n of cluster.map(countWords, files.map((path) => ({ path })), { concurrency: 8 })) total += n;
   * ```
   */
  map<F extends RemoteFn>(fn: F, items: Iterable<ArgsOf<F>> | AsyncIterable<ArgsOf<F>>, opts: MapOptions = {}): AsyncIterable<ResultOf<F>> {
    return mapOnPool(this.#pool, fn, items, opts);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.nursery[Symbol.asyncDispose]();
  }
}

/** Spawn a cluster of daemon actors concurrently; `await using cluster = await openActorCluster({ modules })`. */
export async function openActorCluster(opts: ClusterOptions): Promise<ActorCluster> {
  const names = clusterNames(opts);
  const { modules, count: _count, names: _names, ...spawnOpts } = opts;
  const an = await openNursery();
  try {
    const portals = await Promise.all(names.map((name) => an.startActor(name, { ...spawnOpts, enableModules: modules })));
    return new ActorCluster(an, new Map(names.map((n, i) => [n, portals[i]!])));
  } catch (err) {
    // One spawn failed: the others must not outlive the open that failed.
    await an.cancel();
    await an[Symbol.asyncDispose]().catch(() => {});
    throw err;
  }
}

/** The actor names of a cluster, checked before anything spawns. */
function clusterNames(opts: ClusterOptions): string[] {
  if (!Array.isArray(opts?.modules)) throw new TypeError('openActorCluster({ modules }) needs the list of modules the actors serve');
  const { count, names } = opts;
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
    throw new TypeError(`openActorCluster: count must be a positive integer, got ${String(count)}`);
  }
  if (names !== undefined) {
    if (!Array.isArray(names) || !names.length || !names.every((n) => typeof n === 'string' && n)) {
      throw new TypeError('openActorCluster: names must be a non-empty list of non-empty strings');
    }
    if (count !== undefined && count !== names.length) throw new TypeError(`openActorCluster: ${names.length} names for a count of ${count}`);
    if (new Set(names).size !== names.length) throw new TypeError('openActorCluster: actor names must be unique');
    return [...names];
  }
  return Array.from({ length: count ?? os.availableParallelism() }, (_, i) => `worker_${i}`);
}
