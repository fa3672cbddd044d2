/**
 * `openActorCluster`: a fixed set of daemon actors serving the same modules,
 * spawned concurrently under one nursery and cancelled together.
 */
import os from 'node:os';
import { type ActorNursery, type SpawnOptions } from './runtime/nursery.ts';
import type { Portal } from './runtime/portal.ts';
import { openNursery } from './runtime/root.ts';

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
  /** @internal */
  constructor(readonly nursery: ActorNursery, readonly portals: Map<string, Portal>) {}

  async [Symbol.asyncDispose](): Promise<void> {
    await this.nursery[Symbol.asyncDispose]();
  }
}

/** Spawn a cluster of daemon actors concurrently; `await using cluster = await openActorCluster({ modules })`. */
export async function openActorCluster(opts: ClusterOptions): Promise<ActorCluster> {
  if (!Array.isArray(opts?.modules)) throw new TypeError('openActorCluster({ modules }) needs the list of modules the actors serve');
  const names = opts.names ?? Array.from({ length: opts.count ?? os.availableParallelism() }, (_, i) => `worker_${i}`);
  if (opts.names && opts.count !== undefined && opts.count !== opts.names.length) {
    throw new TypeError(`openActorCluster: ${opts.names.length} names for a count of ${opts.count}`);
  }
  if (new Set(names).size !== names.length) throw new TypeError('openActorCluster: actor names must be unique');
  const { modules, count: _count, names: _names, ...spawnOpts } = opts;
  const an = await openNursery();
  try {
    const portals = await Promise.all(names.map((name) => an.startActor(name, { ...spawnOpts, enableModules: modules })));
    return new ActorCluster(an, new Map(names.map((n, i) => [n, portals[i]!])));
  } catch (err) {
    await an.cancel();
    await an[Symbol.asyncDispose]().catch(() => {});
    throw err;
  }
}
