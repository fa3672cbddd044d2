/**
 * `tractor.trionics`: local structured-concurrency helpers beyond the task
 * nursery, as Python tractor's `tractor.trionics`.
 */
export { gatherContexts, GatheredContexts, type ContextOpener, type GatherableContext } from './gather-contexts.ts';
export { maybeOpenContext, CachedResource } from './maybe-open-context.ts';
