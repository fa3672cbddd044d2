/**
 * `trionics.gatherContexts`: open the same context endpoint on many portals
 * at once, all or nothing (Python tractor's `gather_contexts`). Typed against
 * a minimal portal shape, so this layer needs nothing from the runtime above.
 */
import { InvalidArgument } from '../errors.ts';

/** What `gatherContexts` needs of a portal. */
export interface ContextOpener<C> {
  openContext(ep: never, args?: never, opts?: never): Promise<C>;
}

/** What it needs of a context: a first value and a disposal. */
export interface GatherableContext extends AsyncDisposable {
  readonly first: unknown;
}

/**
 * The contexts opened by `gatherContexts`, in portal order; disposing it
 * disposes them all (cancelling the children that have not returned).
 *
 * @example
 * ```ts
 * await using all = await tractor.trionics.gatherContexts(portals, feed, { symbol: 'ACME' });
 * const streams = await Promise.all(all.contexts.map((c) => c.openStream()));
 * ```
 */
export class GatheredContexts<C extends GatherableContext> implements AsyncDisposable {
  /** The contexts, in portal order. */
  readonly contexts: C[];

  /** @internal */
  constructor(contexts: C[]) {
    this.contexts = contexts;
  }

  /** Each context's `first` (the value its child passed to `started()`), in portal order. */
  get firsts(): C['first'][] {
    return this.contexts.map((c) => c.first);
  }

  /** Dispose every context concurrently; raise their errors once (several: one `AggregateError`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await disposeAll(this.contexts);
  }
}

/**
 * Open `ep(args)` as a context on every portal concurrently. Resolves once
 * every child called `started()`; if any open fails, the contexts already
 * open are cancelled (disposed) and the failure is raised, so either all are
 * open or none is.
 *
 * @example
 * ```ts
 * await using all = await tractor.trionics.gatherContexts([...cluster.portals.values()], worker, { job: 1 });
 * console.log(all.firsts);
 * await Promise.all(all.contexts.map((c) => c.waitForResult()));
 * ```
 */
export async function gatherContexts<C extends GatherableContext>(
  portals: Iterable<ContextOpener<C>>, ep: unknown, args?: object, opts?: object,
): Promise<GatheredContexts<C>> {
  const list = [...portals];
  if (!list.length) throw new InvalidArgument('gatherContexts(portals, ep) needs at least one portal');
  const opening = list.map((p) => (p.openContext as (e: unknown, a?: object, o?: object) => Promise<C>)(ep, args, opts));
  const outcomes = await Promise.allSettled(opening);
  const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
  const opened = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  if (!failures.length) return new GatheredContexts(opened);
  // All or nothing: the contexts that did open are cancelled before the failure is raised.
  await disposeAll(opened).catch(() => {});
  if (failures.length === 1) throw failures[0];
  throw new AggregateError(failures, `gatherContexts: ${failures.length} of ${list.length} contexts failed to open`);
}

async function disposeAll(items: AsyncDisposable[]): Promise<void> {
  const outcomes = await Promise.allSettled(items.map((c) => c[Symbol.asyncDispose]()));
  const errors = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} contexts failed`);
}
