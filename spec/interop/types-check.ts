// Type-level spec (checked by `npm run typecheck`, never run): a
// remoteFunction stand-in types the call it is used in, as a local function
// does. Every `@ts-expect-error` line must be an error.
import * as tractor from 'tractor-ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

const add = tractor.remoteFunction<{ x: number; y: number }, number>('pyfuncs', 'add');
const ticks = tractor.remoteFunction<{ n: number }, string, 'asyncgen'>('pyfuncs', 'ticks', 'asyncgen');
const echo = tractor.remoteFunction<{ greeting: string }, boolean, 'context'>('pyfuncs', 'echo', 'context');

export async function remoteRefTypes(portal: tractor.Portal): Promise<void> {
  const sum = await portal.run(add, { x: 1, y: 2 });
  assertType<Equal<typeof sum, number>>();
  // @ts-expect-error a wrong argument type
  await portal.run(add, { x: '1', y: 2 });
  // @ts-expect-error a generator stand-in is not a plain call
  await portal.run(ticks, { n: 1 });

  const stream = await portal.openStreamFrom(ticks, { n: 3 });
  for await (const t of stream) assertType<Equal<typeof t, string>>();
  // @ts-expect-error a wrong argument name
  await portal.openStreamFrom(ticks, { m: 3 });

  await using ctx = await portal.openContext(echo, { greeting: 'hi' });
  const result = await ctx.waitForResult();
  assertType<Equal<typeof result, boolean | tractor.ContextCancelled>>();
  // @ts-expect-error a wrong argument type
  await portal.openContext(echo, { greeting: 1 });

  assertType<Equal<typeof add.ns, string>>();
  assertType<Equal<typeof ticks.kind, 'asyncgen'>>();
}
