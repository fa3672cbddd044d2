// A consumer project's program, compiled against the shipped `.d.ts` (dist/)
// with the strictest settings a user may have (see tsconfig.json here). It is
// type-checked by spec/package/consumer.test.ts, never run.
import * as tractor from 'tractor-ts';

export async function add(args: { a: number; b: number }): Promise<number> {
  return args.a + args.b;
}

export async function* count(args: { to: number }): AsyncGenerator<number> {
  for (let i = 0; i < args.to; i++) yield i;
}

export const echo = tractor.context(async (ctx: tractor.Context, args: { greeting: string }) => {
  await ctx.started(args.greeting);
  await using stream = await ctx.openStream<string>();
  for await (const msg of stream) await stream.send(msg);
  return 'done';
});

async function main(): Promise<void> {
  await using an = await tractor.openNursery({ enableModules: [import.meta.url], loglevel: 'warning' });
  const portal = await an.runInActor(add, { a: 1, b: 2 });
  const three: number = await portal.waitForResult();
  const daemon = await an.startActor('worker', { enableModules: [import.meta.url] });
  const sum: number = await daemon.run(add, { a: three, b: 4 }, { signal: an.signal });
  for await (const n of await daemon.openStreamFrom(count, { to: sum })) console.log(n.toFixed(0));
  {
    await using ctx = await daemon.openContext(echo, { greeting: 'hi' }, { allowOverruns: false });
    await using stream = await ctx.openStream({ msgBufferSize: 8 });
    const sub: tractor.BroadcastReceiver<unknown> = stream.subscribe({ bufferSize: 4 });
    sub.close();
    await stream.send('ping');
    console.log(ctx.first, ctx.side, ctx.cancelCalled, await stream.receive());
  }
  const me: tractor.Actor = tractor.currentActor();
  const chan = daemon.chan;
  console.log(me.name, me.uid, chan.aid?.name, tractor.getRuntimeVars().registryAddrs);
  await using found = await tractor.findActor('worker', { timeoutMs: 1000 });
  if (found) console.log(await found.run(add, { a: 5, b: 6 }));
  try {
    await tractor.sleep(10);
  } catch (err) {
    if (err instanceof tractor.RemoteActorError) console.error(err.boxedTypeName, err.srcUid, err.relayPath);
    if (err instanceof tractor.TractorError) console.error(err.code);
    console.error(tractor.formatError(err));
  }
  await using cluster = await tractor.openActorCluster({ modules: [import.meta.url], count: 2 });
  for (const [name, p] of cluster.portals) console.log(name, await p.run(add, { a: 1, b: 1 }));
  await using root = await tractor.openRoot({ name: 'x', signal: AbortSignal.timeout(10) });
  console.log(root.signal.aborted);
}

if (tractor.isMain(import.meta)) void tractor.run(main, { name: 'consumer' });
