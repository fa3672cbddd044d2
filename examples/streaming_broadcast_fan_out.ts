// Fan ONE inter-actor stream out to several local consumer tasks with
// `MsgStream.subscribe()`: each subscriber gets its own copy of every message
// of the single underlying IPC stream, which is read only once. The TS twin of
// tractor's examples/streaming_broadcast_fanout.py.
//
//   npx tsx examples/streaming_broadcast_fan_out.ts
//
// The child waits for a 'go' message so that every subscriber is attached
// before the first tick is sent; when the child's stream closes, each
// subscriber's `for await` ends cleanly.
import assert from 'node:assert/strict';
import * as tractor from 'tractor-ts';

/** Send `count` "ticks" once the parent says go. */
export const tickStream = tractor.context(async (ctx, args: { count: number }): Promise<void> => {
  await ctx.started(args.count);
  await using stream = await ctx.openStream<string>();
  // wait for the go-signal, ensuring every parent-side subscriber is
  // attached before any tick is sent
  assert.equal(await stream.receive(), 'go');
  for (let i = 0; i < args.count; i++) await stream.send(i);
  // returning closes our side of the stream: every parent-side subscriber
  // sees the end of the stream
});

/** Consume a private broadcast copy of the IPC stream. */
async function consume(name: string, sub: tractor.BroadcastReceiver<number>): Promise<number[]> {
  await using bcaster = sub;
  const ticks: number[] = [];
  for await (const tick of bcaster) {
    console.log(`${name}: rx ${tick}`);
    ticks.push(tick);
  }
  // EVERY subscriber gets its own full copy
  console.log(`${name}: stream ended, got ${JSON.stringify(ticks)}`);
  return ticks;
}

async function main(): Promise<void> {
  await using an = await tractor.openNursery();
  const portal = await an.startActor('ticker', { enableModules: [import.meta.url] });
  {
    await using ctx = await portal.openContext(tickStream, { count: 5 });
    await using stream = await ctx.openStream<number>();
    assert.equal(ctx.first, 5);

    // subscribe() is synchronous: each consumer is known to be subscribed
    // before the ticks flow
    const consumers = [0, 1, 2].map((i) => consume(`sub_${i}`, stream.subscribe()));
    await stream.send('go');
    const copies = await Promise.all(consumers);
    for (const ticks of copies) assert.deepEqual(ticks, [0, 1, 2, 3, 4]);
    console.log(`${copies.length} subscribers each received all ${ctx.first} ticks from one stream`);
  }
  await portal.cancelActor();
}

if (tractor.isMain(import.meta)) tractor.run(main);
