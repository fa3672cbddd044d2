// An SC-compliant infected Promise echo server: a plain Promise "server" that
// knows nothing of signals is hosted in an actor spawned with
// `infectPromises: true`, linked to a context task there through
// `toPromise.openChannelFrom`, and streamed to from the root. The TS twin of
// tractor's examples/infected_asyncio_echo_server.py.
//
//   npx tsx examples/infected_promise_echo_server.ts
import * as tractor from 'tractor-ts';

/**
 * The legacy side: Promise code with a queue in and a sender out. A first
 * message must be sent from it, or the SC side's open never resolves.
 */
async function legacyEchoServer(toSc: tractor.toPromise.ToSc<unknown>, fromSc: tractor.toPromise.FromSc<unknown>): Promise<void> {
  toSc.send('start');
  for (;;) {
    // echo the message back (this loop ends when the SC side leaves: receive() rejects)
    toSc.send(await fromSc.receive());
    await new Promise((r) => setImmediate(r));
  }
}

/** The SC side, in the infected actor: relay the root's stream to the legacy server and back. */
export const scToLegacyEchoServer = tractor.context(async (ctx) => {
  await using chan = await tractor.toPromise.openChannelFrom(legacyEchoServer);
  await ctx.started(chan.first);
  await using stream = await ctx.openStream();
  for await (const msg of stream) {
    await chan.send(msg);
    await stream.send(await chan.receive());
  }
});

async function main(): Promise<void> {
  await using an = await tractor.openNursery();
  const portal = await an.startActor('infected_promise_echo_server', { enableModules: [import.meta.url], infectPromises: true });
  await using ctx = await portal.openContext(scToLegacyEchoServer);
  console.log(`echo server started: ${JSON.stringify(ctx.first)}`);
  const rtts: number[] = [];
  {
    await using stream = await ctx.openStream();
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      await stream.send(i);
      const out = await stream.receive();
      rtts.push(performance.now() - t0);
      if (out !== i) throw new Error(`echoed ${String(out)}, expected ${i}`);
    }
  }
  console.log(`echoed 100 messages through the legacy server, in order`);
  console.log(`mean round trip: ${(rtts.reduce((a, b) => a + b, 0) / rtts.length).toFixed(3)} ms`);
  // leaving the blocks cancels the context (the legacy side's queue ends) and the actor
  await ctx.cancel();
  console.log('echo server cancelled; actor torn down');
}

if (tractor.isMain(import.meta)) tractor.run(main);
