// Bidirectional streaming over a context: a small ping-pong server. The TS
// twin of tractor's examples/rpc_bidir_streaming.py.
//
//   npx tsx examples/rpc_bidir_streaming.ts
//
// The parent opens a context with the `simpleRpc` endpoint in a daemon actor;
// both sides then open the dialog's one stream and talk over it: the parent
// sends 'ping', the child answers 'pong', ten times over.
import assert from 'node:assert/strict';
import * as tractor from 'tractor-ts';

/** A small ping-pong 2-way streaming server; returns how many pings it answered. */
export const simpleRpc = tractor.context(async (ctx, args: { data: number }): Promise<number> => {
  // signal to the parent that we're up, much like trio's `task_status.started()`
  await ctx.started(args.data + 1);

  await using stream = await ctx.openStream<string>();
  let count = 0;
  for await (const msg of stream) {
    assert.equal(msg, 'ping');
    await stream.send('pong');
    count++;
  }
  // the loop ends cleanly when the parent closes its side of the stream
  assert.equal(count, 10);
  return count;
});

async function main(): Promise<void> {
  await using an = await tractor.openNursery();

  const portal = await an.startActor('rpc_server', { enableModules: [import.meta.url] });

  {
    await using ctx = await portal.openContext(simpleRpc, { data: 10 });
    const sent = ctx.first;
    assert.equal(sent, 11);
    console.log(`rpc_server started with ${sent}`);

    {
      await using stream = await ctx.openStream<string>();
      let count = 0;
      // receive msgs using `for await` style
      await stream.send('ping');
      for await (const msg of stream) {
        assert.equal(msg, 'pong');
        count++;
        console.log(`root: got ${msg} #${count}`);
        if (count >= 10) break; // `break` closes our side: the server's loop ends
        await stream.send('ping');
      }
    }

    // the server returns once our side of the stream is closed
    const answered = await ctx.waitForResult();
    console.log(`rpc_server answered ${answered} pings`);
  }

  // explicitly tear down the daemon actor
  await portal.cancelActor();
}

if (tractor.isMain(import.meta)) tractor.run(main);
