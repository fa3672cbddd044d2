/**
 * Actor endpoints the benches run. They live here, not in a bench module: a
 * child imports the module it serves, and must not import bench code.
 */
import * as tractor from 'tractor-ts';
// Not public API: the switch the codec.ext.overhead bench flips (the same module instance as tractor-ts's own).
import { setWireExtensions } from '../dist/internal.js';

/** The smallest one-shot task (spawn benches). */
export async function trivial(): Promise<number> {
  return 1;
}

/** Echo the arguments back (rpc.roundtrip). */
export async function echo(args: { x: number }): Promise<{ x: number }> {
  return args;
}

/**
 * Echo every stream message back until the parent closes its side
 * (stream.pingpong); returns how many it echoed.
 */
export const streamEcho = tractor.context(async (ctx) => {
  await ctx.started();
  await using stream = await ctx.openStream();
  let n = 0;
  for await (const m of stream) {
    await stream.send(m);
    n++;
  }
  return n;
});

/**
 * Send `n` stream messages to the parent as fast as the stream lets it, then
 * return `n` (stream.oneway.*): `size` 0 sends the small number `i`, else
 * the same `size`-byte Uint8Array every time (as the raw baseline does).
 */
export const streamSource = tractor.context(async (ctx, args: { n: number; size: number }) => {
  await ctx.started();
  await using stream = await ctx.openStream();
  if (args.size > 0) {
    const pld = new Uint8Array(args.size).fill(7);
    for (let i = 0; i < args.n; i++) await stream.send(pld);
  } else {
    for (let i = 0; i < args.n; i++) await stream.send(i);
  }
  return args.n;
});

/**
 * Start the daemon `name` as this actor's own child and hold it until
 * cancelled (discovery.findActor): the caller has no connection to it, so
 * finding it costs a real registry lookup and a new connection.
 */
export const hostService = tractor.context(async (ctx, args: { name: string; modules: string[] }) => {
  await using an = await tractor.openNursery();
  await an.startActor(args.name, { enableModules: args.modules });
  await using ready = await tractor.waitForActor(args.name);
  await ctx.started(ready.chan.aid?.pid);
  await tractor.sleepForever();
});

/**
 * From inside this actor, `n` times: find `name` through the registrar (a
 * remote lookup: the registrar is the root), connect, run `echo`, close;
 * returns the mean ms (discovery.findActor).
 */
export async function seekAndCall(args: { name: string; n: number }): Promise<number> {
  let total = 0;
  for (let i = 0; i < args.n; i++) {
    const t0 = performance.now();
    {
      await using portal = await tractor.findActor(args.name);
      if (!portal) throw new Error(`${args.name} is not registered`);
      await portal.run(echo, { x: 1 });
    }
    total += performance.now() - t0;
  }
  return total / args.n;
}

/** This actor's listening addresses (auth.overhead connects to them). */
export async function listenAddrs(): Promise<string[]> {
  return [...tractor.currentActor().addrs];
}

/** Extension types on or off in this actor's codec (codec.ext.overhead), as the bench's root switches its own. */
export async function setWireExt(args: { on: boolean }): Promise<boolean> {
  setWireExtensions(args.on);
  return args.on;
}

/** This process's CPU time so far, user + system, in microseconds (codec.ext.overhead counts both processes'). */
export async function cpuMicros(): Promise<number> {
  const c = process.cpuUsage();
  return c.user + c.system;
}

/** Send `n` one-entry values, as a `Map` (an extension type) or as a plain object (codec.ext.stream.oneway.small.map). */
export const shapeSource = tractor.context(async (ctx, args: { n: number; shape: 'map' | 'object' }) => {
  await ctx.started();
  await using stream = await ctx.openStream();
  if (args.shape === 'map') for (let i = 0; i < args.n; i++) await stream.send(new Map([['k', i]]));
  else for (let i = 0; i < args.n; i++) await stream.send({ k: i });
  return args.n;
});
