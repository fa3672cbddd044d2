// A nested streaming service: two 'streamer' actors feed one 'aggregator'
// actor, which merges (fans in) their streams, drops duplicates and re-yields
// a single stream up to the root. The TS twin of tractor's
// examples/full_fledged_streaming_service.py.
//
//   npx tsx examples/full_fledged_streaming_service.ts
//
// The tree:  root -> aggregator -> streamer_1, streamer_2
// Every hop is an `async function*` streamed with `portal.openStreamFrom()`.
import assert from 'node:assert/strict';
import * as tractor from 'tractor-ts';

/** Give the event loop a turn (the twin of `await trio.sleep(0)`). */
const checkpoint = () => new Promise<void>((resolve) => setImmediate(resolve));

// this is what the first 2 actors, streamer_1 and streamer_2, run
export async function* streamData(args: { seed: number }): AsyncGenerator<number> {
  for (let i = 0; i < args.seed; i++) {
    yield i;
    await checkpoint(); // trigger the scheduler
  }
}

/**
 * Merge several async iterables into one, yielding values as they arrive
 * from any of them (the local fan-in; it pulls from each source only when
 * the consumer asks for more, so backpressure is preserved end to end).
 */
async function* merge<T>(...sources: AsyncIterable<T>[]): AsyncGenerator<T> {
  const iters = sources.map((s) => s[Symbol.asyncIterator]());
  const pull = (i: number) => iters[i]!.next().then((r) => ({ i, r }));
  const pending = new Map(iters.map((_, i) => [i, pull(i)]));
  try {
    while (pending.size) {
      const { i, r } = await Promise.race(pending.values());
      if (r.done) {
        pending.delete(i);
        continue;
      }
      pending.set(i, pull(i));
      yield r.value;
    }
  } finally {
    await Promise.allSettled(iters.map((it) => it.return?.()));
  }
}

// this is the third actor: the aggregator
export async function* aggregate(args: { seed: number }): AsyncGenerator<number> {
  {
    // the aggregator supervises its own two streamers
    await using an = await tractor.openNursery();
    const portals = await Promise.all(
      [1, 2].map((i) => an.startActor(`streamer_${i}`, { enableModules: [import.meta.url] })),
    );

    async function* streamFrom(portal: tractor.Portal): AsyncGenerator<number> {
      await using stream = await portal.openStreamFrom(streamData, { seed: args.seed });
      yield* stream;
      console.log(`FINISHED ITERATING ${portal.chan.aid?.name}`);
    }

    // Both streams carry the same values: only pass the first copy of each up.
    const uniqueVals = new Set<number>();
    for await (const value of merge(...portals.map(streamFrom))) {
      if (!uniqueVals.has(value)) {
        uniqueVals.add(value);
        // yield upwards to the spawning parent actor
        yield value;
      }
    }
    console.log('FINISHED ITERATING in aggregator');

    await an.cancel();
    console.log('WAITING on the actor nursery to finish');
  }
  console.log('AGGREGATOR COMPLETE!');
}

/** The root actor's main task. */
async function main(): Promise<number[]> {
  await using an = await tractor.openNursery({ loglevel: 'error' });

  const seed = 1000;
  const preStart = performance.now();

  const portal = await an.startActor('aggregator', { enableModules: [import.meta.url] });

  const start = performance.now();
  const resultStream: number[] = [];
  {
    // the portal call returns exactly what you'd expect, as if the remote
    // `aggregate` generator was iterated locally
    await using stream = await portal.openStreamFrom(aggregate, { seed });
    for await (const value of stream) resultStream.push(value);
  }

  const cancelled = await portal.cancelActor();
  assert.ok(cancelled);

  const now = performance.now();
  console.log(`STREAM TIME = ${((now - start) / 1000).toFixed(3)}s`);
  console.log(`STREAM + SPAWN TIME = ${((now - preStart) / 1000).toFixed(3)}s`);

  assert.deepEqual(resultStream, Array.from({ length: seed }, (_, i) => i));
  console.log(`root received ${resultStream.length} unique values in order: ${resultStream[0]}..${resultStream.at(-1)}`);
  return resultStream;
}

if (tractor.isMain(import.meta)) tractor.run(main);
