// Several streams at once over ONE portal (one IPC channel): every stream is
// its own dialog (its own context id), so concurrent streams never see each
// other's messages. The TS twin of tractor's
// examples/multiple_streams_one_portal.py, plus the same with two-way context
// streams.
//
//   npx tsx examples/multiple_streams_one_portal.ts
import assert from 'node:assert/strict';
import * as tractor from 'tractor-ts';

const log = tractor.log.getLogger('multiportal');

/** A legacy one-way stream: yields 0..seed-1. */
export async function* streamData(args: { seed?: number }): AsyncGenerator<number> {
  log.info('Starting stream task');
  for (let i = 0; i < (args.seed ?? 10); i++) {
    yield i;
    await tractor.sleep(0); // trigger the scheduler
  }
}

/** A two-way context stream: answers every number with `tag:number*factor`. */
export const multiply = tractor.context(async (ctx, args: { tag: string; factor: number }): Promise<number> => {
  await ctx.started(`${args.tag} ready in ${tractor.currentActor().name}`);
  await using stream = await ctx.openStream<number>();
  let answered = 0;
  for await (const x of stream) {
    await stream.send(`${args.tag}:${x * args.factor}`);
    answered++;
  }
  return answered;
});

async function streamFromPortal(portal: tractor.Portal, consumed: number[]): Promise<void> {
  await using stream = await portal.openStreamFrom(streamData, {});
  for await (const item of stream) {
    const at = consumed.indexOf(item);
    if (at >= 0) consumed.splice(at, 1);
    else consumed.push(item);
  }
}

async function talk(portal: tractor.Portal, tag: string, factor: number): Promise<string[]> {
  await using ctx = await portal.openContext(multiply, { tag, factor });
  const replies: string[] = [];
  {
    await using stream = await ctx.openStream<string>();
    for (let x = 1; x <= 5; x++) {
      await stream.send(x);
      replies.push(await stream.receive());
    }
  }
  // our side of the stream is closed: the endpoint returns its count
  assert.equal(await ctx.waitForResult(), 5);
  return replies;
}

async function main(): Promise<void> {
  await using an = await tractor.openNursery({ loglevel: 'info' });
  const portal = await an.startActor('stream_boi', { enableModules: [import.meta.url] });

  // 1. two legacy one-way streams from the same generator, concurrently
  const consumed: number[] = [];
  await Promise.all([0, 1].map(() => streamFromPortal(portal, consumed)));
  // both consumer tasks have completed and each value was seen twice, so
  // the toggling left nothing in the list (thanks to single-threadedness)
  assert.deepEqual(consumed, []);
  console.log('2 concurrent one-way streams over one portal: every value arrived exactly twice');

  // 2. three two-way context streams, concurrently, over the same portal
  const tags: [string, number][] = [['a', 1], ['b', 10], ['c', 100]];
  const results = await Promise.all(tags.map(([tag, factor]) => talk(portal, tag, factor)));
  for (const [i, [tag, factor]] of tags.entries()) {
    assert.deepEqual(results[i], [1, 2, 3, 4, 5].map((x) => `${tag}:${x * factor}`));
    console.log(`context ${tag} got its own replies: ${results[i]!.join(' ')}`);
  }

  await an.cancel();
}

if (tractor.isMain(import.meta)) tractor.run(main);
