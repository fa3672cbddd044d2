/**
 * Context endpoints: `context(fn)` marks an exported async function
 * `(ctx, args)` as one end of a context dialog (the twin of
 * `@tractor.context`), with the options its dialogs obey (`pldSpec`).
 */
import { InvalidArgument } from '../errors.ts';
import type { StandardSchemaV1 } from '../msg/payload.ts';
import { CONTEXT_MARK } from '../runtime/resolve.ts';
import type { Context } from './context.ts';

/** Options of an endpoint made by {@link context}. */
export interface ContextEndpointOptions {
  /** A Standard Schema every payload of this dialog (started value, stream messages, return value) must satisfy. */
  pldSpec?: StandardSchemaV1;
}

/** A context endpoint: an exported async function `(ctx, args)` made by {@link context}. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ContextFn = (ctx: Context<any>, args: any) => Promise<unknown>;

/**
 * Mark `fn` as a context endpoint (the twin of `@tractor.context`). Export the
 * result: `export const echo = context(async (ctx, args: {...}) => {...})`.
 */
export function context<F extends ContextFn>(fn: F, opts: ContextEndpointOptions = {}): F {
  if (typeof fn !== 'function') throw new InvalidArgument('context(fn) needs an async function (ctx, args) => ...');
  Object.defineProperty(fn, CONTEXT_MARK, { value: { pldSpec: opts.pldSpec }, enumerable: false });
  return fn;
}

/** The `pldSpec` an endpoint was made with, if any. */
export function pldSpecOf(fn: unknown): StandardSchemaV1 | undefined {
  return (fn as Record<symbol, { pldSpec?: StandardSchemaV1 } | undefined>)[CONTEXT_MARK]?.pldSpec;
}

