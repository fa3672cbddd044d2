/**
 * `remoteFunction`: a typed stand-in for a function this program does not
 * import (a daemon of another program, a Python tractor actor), named on the
 * wire by `ns` and `func` as given. It is accepted wherever a function is:
 * `portal.run`, `portal.openContext`, `portal.openStreamFrom`.
 */
import { InvalidArgument, RuntimeUsageError } from '../errors.ts';
import type { FuncType } from '../msg/types.ts';
import { CONTEXT_MARK, nameFunction } from './resolve.ts';

/** Where a stand-in points: what the wire names it, and what kind of target it is. */
export interface RemoteTarget<K extends FuncType = FuncType> {
  readonly ns: string;
  readonly func: string;
  readonly kind: K;
}

/**
 * A stand-in for the remote `ns:func`: typed as the function it names
 * (`(args: A) => Promise<R>`, an async generator yielding `R`, or a context
 * endpoint returning `R`), so arguments and results are checked at the call.
 */
export type RemoteRef<A = Record<string, unknown>, R = unknown, K extends FuncType = 'asyncfunc'> = RemoteTarget<K> & (
  K extends 'asyncgen' ? (args: A) => AsyncGenerator<R>
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    : K extends 'context' ? (ctx: any, args: A) => Promise<R>
      : (args: A) => Promise<R>);

const KINDS: readonly FuncType[] = ['asyncfunc', 'asyncgen', 'context'];

/**
 * Name a remote function by its namespace and name, for peers whose code
 * this program does not import. `ns` is sent as it is: a Python module path
 * (`'pyfuncs'`), a dotted alias a tractor-ts actor serves
 * (`enableModules: { 'svc.math': import.meta.url }`), or a module URL.
 *
 * @example
 * ```ts
 * const add = tractor.remoteFunction<{ x: number; y: number }, number>('pyfuncs', 'add');
 * await using portal = await tractor.findActor('pyd');
 * console.log(await portal!.run(add, { x: 1, y: 2 }));          // 3
 * const ticks = tractor.remoteFunction<{ n: number }, number, 'asyncgen'>('pyfuncs', 'ticks', 'asyncgen');
 * for await (const t of await portal!.openStreamFrom(ticks, { n: 3 })) console.log(t);
 * ```
 */
export function remoteFunction<A = Record<string, unknown>, R = unknown, K extends FuncType = 'asyncfunc'>(
  ns: string, func: string, kind: K = 'asyncfunc' as K,
): RemoteRef<A, R, K> {
  if (typeof ns !== 'string' || !ns) throw new InvalidArgument('remoteFunction(ns, func): ns must be a non-empty string (a module path or dotted name)');
  if (typeof func !== 'string' || !func) throw new InvalidArgument('remoteFunction(ns, func): func must be a non-empty string');
  if (!KINDS.includes(kind)) throw new InvalidArgument(`remoteFunction kind must be one of ${KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  const local = () => {
    throw new RuntimeUsageError(`${ns}:${func} is a stand-in for a remote function: call it through a portal (portal.run / openContext / openStreamFrom)`);
  };
  // The stand-in has the shape the runtime recognises for its kind (functypeOf).
  const stub: Function = kind === 'asyncgen'
    // eslint-disable-next-line require-yield
    ? async function* () { local(); }
    : async () => local();
  if (kind === 'context') Object.defineProperty(stub, CONTEXT_MARK, { value: { pldSpec: undefined }, enumerable: false });
  Object.defineProperty(stub, 'name', { value: func });
  for (const [k, v] of Object.entries({ ns, func, kind })) Object.defineProperty(stub, k, { value: v, enumerable: true });
  nameFunction(stub, { ns, func });
  return stub as RemoteRef<A, R, K>;
}
