// Type-level spec (checked by `npm run typecheck`, never run): portal.run and
// runInActor check the arguments against the target's parameter and return
// its awaited result type. Every `@ts-expect-error` line must be an error.
import * as tractor from 'tractor-ts';
import { echo } from './fixtures/basic.ts';
import { add, sleepForever, whoami } from './fixtures/core.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

export async function portalRunTypes(portal: tractor.Portal): Promise<void> {
  const sum = await portal.run(add, { a: 1, b: 2 });
  assertType<Equal<typeof sum, number>>();
  const me = await portal.run(whoami);
  assertType<Equal<typeof me.name, string>>();
  const never = portal.run(sleepForever);
  assertType<Equal<typeof never, Promise<never>>>();
  await portal.run(echo, { value: new Uint8Array(1) });

  // @ts-expect-error a wrong argument type
  await portal.run(add, { a: '1', b: 2 });
  // @ts-expect-error a missing argument
  await portal.run(add, { a: 1 });
  // @ts-expect-error the arguments of a target that takes some cannot be left out
  await portal.run(add);
  await portal.run(whoami);
  await portal.run(whoami, {});
  // @ts-expect-error an unknown argument
  await portal.run(add, { a: 1, b: 2, c: 3 });
  // @ts-expect-error arguments are one object of named arguments, not positional
  await portal.run(add, 1, 2);
  // @ts-expect-error the result is a number
  const s: string = await portal.run(add, { a: 1, b: 2 });
  // @ts-expect-error a function that takes no arguments takes no (non-empty) object either
  await portal.run(whoami, { x: 1 });
  // @ts-expect-error only async functions are RPC targets
  await portal.run((args: { x: number }) => args.x, { x: 1 });
  // @ts-expect-error not a function
  await portal.run('add', { a: 1, b: 2 });
  // @ts-expect-error the signal option is an AbortSignal
  await portal.run(add, { a: 1, b: 2 }, { signal: 5 });
  void s;
}

export async function nurseryTypes(an: tractor.ActorNursery): Promise<void> {
  const p = await an.runInActor(add, { a: 1, b: 2 });
  const r = await p.waitForResult();
  assertType<Equal<typeof r, number>>();
  // @ts-expect-error the result is a number
  const s: string = await p.waitForResult();
  // @ts-expect-error a wrong argument type
  await an.runInActor(add, { a: 1, b: 'x' });
  // @ts-expect-error the arguments of a target that takes some cannot be left out
  await an.runInActor(add);
  await an.runInActor(whoami, undefined, { name: 'w' });
  const daemon = await an.startActor('d');
  const u = await daemon.waitForResult();
  assertType<Equal<typeof u, unknown>>();
  void s;
}

export function errorTypes(err: unknown): void {
  if (err instanceof tractor.RemoteActorError) {
    const fields: [string, tractor.Uid, tractor.Uid[], string, string] = [err.boxedTypeName, err.srcUid, err.relayPath, err.remoteStack, err.code];
    void fields;
  }
}

// Types flow from a typed endpoint (`context<Args, First, Msg, Result>`) to the parent side.
export const ticker = tractor.context<{ n: number }, 'ready', number, 'done'>(async (ctx, args) => {
  // @ts-expect-error started() takes the First type
  await ctx.started('go');
  await ctx.started('ready');
  await using stream = await ctx.openStream();
  // @ts-expect-error the stream carries numbers
  await stream.send('x');
  for (let i = 0; i < args.n; i++) await stream.send(i);
  return 'done';
});

export async function contextTypes(portal: tractor.Portal): Promise<void> {
  {
    await using ctx = await portal.openContext(ticker, { n: 3 });
    assertType<Equal<typeof ctx.first, 'ready'>>();
    await using stream = await ctx.openStream();
    const v = await stream.receive();
    assertType<Equal<typeof v, number>>();
    // @ts-expect-error the stream carries numbers
    await stream.send('x');
    const r = await ctx.waitForResult();
    assertType<Equal<typeof r, 'done' | tractor.ContextCancelled>>();
  }
  // @ts-expect-error n is a required argument
  await portal.openContext(ticker, {});
  // @ts-expect-error its arguments cannot be left out
  await portal.openContext(ticker);
  // an endpoint without types: its result is inferred, the rest is unknown
  const plain = tractor.context(async (ctx, args: { x: number }) => {
    await ctx.started();
    return args.x * 2;
  });
  await using ctx = await portal.openContext(plain, { x: 1 });
  assertType<Equal<typeof ctx.first, unknown>>();
  const r = await ctx.waitForResult();
  assertType<Equal<typeof r, number | tractor.ContextCancelled>>();
}
