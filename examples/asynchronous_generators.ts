// Streaming from a remote async generator: `portal.openStreamFrom()` iterates
// the values an `async function*` yields in another process. The TS twin of
// tractor's examples/asynchronous_generators.py.
//
//   npx tsx examples/asynchronous_generators.ts
//
// The generator never ends on its own: the root stops after 51 values with a
// plain `break`, which closes the stream and cancels the remote generator
// (its `finally` runs in the child before the stream is torn down).
import * as tractor from 'tractor-ts';

/** Yields forever; each yielded value is sent over the channel to the parent actor. */
export async function* streamForever(): AsyncGenerator<string> {
  let sent = 0;
  try {
    for (;;) {
      yield 'I can see these little future bubble things';
      sent++;
      // honours the task's cancellation: the sleep rejects when the stream is cancelled
      await tractor.sleep(10);
    }
  } finally {
    console.log(`${tractor.currentActor().name}: generator cancelled after ${sent} values`);
  }
}

async function main(): Promise<void> {
  await using an = await tractor.openNursery();

  const portal = await an.startActor('donny', { enableModules: [import.meta.url] });

  {
    // this `for await` loop streams values from the above async generator
    // running in a separate process
    await using stream = await portal.openStreamFrom(streamForever);
    let count = 0;
    for await (const letter of stream) {
      console.log(letter);
      count++;
      if (count > 50) break;
    }
  }
  console.log('stream terminated');

  await portal.cancelActor();
}

if (tractor.isMain(import.meta)) tractor.run(main);
