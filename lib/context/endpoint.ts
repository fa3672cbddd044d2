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

/**
 * The type of the value a context endpoint `F` passes to `started()` (its
 * parent's `ctx.first`); `unknown` for an endpoint whose `ctx` is not typed.
 */
export type FirstOf<F> = F extends (ctx: Context<any, infer First, any>, args: any) => unknown ? (0 extends 1 & First ? unknown : First) : unknown;
/** The type of the stream messages of a context endpoint `F`; `unknown` for an endpoint whose `ctx` is not typed. */
export type MsgOf<F> = F extends (ctx: Context<any, any, infer Msg>, args: any) => unknown ? (0 extends 1 & Msg ? unknown : Msg) : unknown;

/** A context endpoint: an exported async function `(ctx, args)` made by {@link context}. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ContextFn = (ctx: Context<any, any, any>, args: any) => Promise<unknown>;

/**
 * Mark `fn` as a context endpoint (the twin of `@tractor.context`). Export
 * the result; open it from another actor with `portal.openContext(ep, args)`.
 *
 * @example
 * ```ts
 * export const echo = tractor.context(async (ctx, args: { prefix: string }) => {
 *   await ctx.started();
 *   await using stream = await ctx.openStream<string>();
 *   for await (const msg of stream) await stream.send(args.prefix + msg);
 *   return 'bye';
 * });
 * ```
 * @throws {InvalidArgument} when `fn` is not a function.
 */
export function context<F extends ContextFn>(fn: F, opts?: ContextEndpointOptions): F;
/**
 * The typed form: `context<Args, First, Msg, Result>(fn)` types `ctx.first`,
 * the stream's messages and `send`, and `waitForResult()` on the parent side
 * of `portal.openContext(ep, args)`, and checks the endpoint against them.
 *
 * @example
 * ```ts
 * export const ticker = tractor.context<{ n: number }, 'ready', number, 'done'>(async (ctx, args) => {
 *   await ctx.started('ready');
 *   await using stream = await ctx.openStream();
 *   for (let i = 0; i < args.n; i++) await stream.send(i);
 *   return 'done';
 * });
 * ```
 */
export function context<Args, First, Msg, Result>(
  fn: (ctx: Context<Result, First, Msg>, args: Args) => Promise<Result>, opts?: ContextEndpointOptions,
): (ctx: Context<Result, First, Msg>, args: Args) => Promise<Result>;
export function context<F extends ContextFn>(fn: F, opts: ContextEndpointOptions = {}): F {
  if (typeof fn !== 'function') throw new InvalidArgument('context(fn) needs an async function (ctx, args) => ...');
  Object.defineProperty(fn, CONTEXT_MARK, { value: { pldSpec: opts.pldSpec }, enumerable: false });
  return fn;
}

/** The `pldSpec` an endpoint was made with, if any. */
export function pldSpecOf(fn: unknown): StandardSchemaV1 | undefined {
  return (fn as Record<symbol, { pldSpec?: StandardSchemaV1 } | undefined>)[CONTEXT_MARK]?.pldSpec;
}

