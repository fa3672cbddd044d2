// Two local tasks side by side in a context endpoint, under a task nursery
// (trio's nursery for the tasks of one actor): a feeder that fails and a
// pump that is then cancelled; no floating promise, and the parent gets the
// feeder's error boxed, with its type.
//
//   npx tsx examples/task_nursery.ts
import * as tractor from 'tractor-ts';

/** Feed chunks to the pump through a local queue, then fail mid-way. */
export const feedAndPump = tractor.context(async (ctx, args: { failAt: number }) => {
  await ctx.started('feeding');
  await using stream = await ctx.openStream();
  const queue: number[] = [];
  let wake = () => {};
  await using tn = tractor.openTaskNursery();
  tn.startSoon(async function feeder() {
    for (let i = 0; ; i++) {
      if (i === args.failAt) throw new RangeError(`feeder: chunk ${i} is corrupt`);
      queue.push(i);
      wake();
      await tractor.sleep(20);
    }
  });
  tn.startSoon(async function pump(signal) {
    try {
      for (;;) {
        while (queue.length) await stream.send(`pumped chunk ${queue.shift()}`);
        await new Promise<void>((resolve, reject) => {
          wake = resolve;
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      }
    } catch (err) {
      console.log(`[child] pump cancelled because: ${(err as Error).message}`);
      throw err;
    }
  });
});

async function main(): Promise<void> {
  await using an = await tractor.openNursery();
  const portal = await an.startActor('zlib_service', { enableModules: [import.meta.url] });
  try {
    await using ctx = await portal.openContext(feedAndPump, { failAt: 3 });
    console.log(`child says: ${ctx.first}`);
    await using stream = await ctx.openStream();
    for await (const msg of stream) console.log(msg);
    await ctx.waitForResult();
  } catch (err) {
    const e = err as tractor.RemoteActorError;
    console.log(`parent got: ${e.boxedTypeName} from ${e.srcUid[0]}: ${e.message.split(': ').slice(1).join(': ')}`);
  }
}

if (tractor.isMain(import.meta)) tractor.run(main);
