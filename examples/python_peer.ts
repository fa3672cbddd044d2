// A Python peer: find a Python tractor daemon named `pyd` through the
// registrar and call into it: a plain function, an async generator and a
// context with a two-way stream, all by name (remoteFunction), since this
// program cannot import Python code.
//
//   python examples/python_peer/pyfuncs.py     # the Python daemon (needs Python tractor)
//   npx tsx examples/python_peer.ts            # or: node examples/python_peer.ts on Node 24
//
// Both sides default to the registrar at tcp://127.0.0.1:1616 (here:
// TRACTOR_TS_REGISTRY_ADDRS overrides it); whichever root comes first becomes
// the registrar and the other registers with it, in either language. Without
// a Python daemon this program says how to start one and exits 0.
import * as tractor from 'tractor-ts';

/** Stand-ins for the functions of examples/python_peer/pyfuncs.py, typed as the Python code is. */
const add = tractor.remoteFunction<{ x: number; y: number }, number>('pyfuncs', 'add');
const ticks = tractor.remoteFunction<{ n: number }, number, 'asyncgen'>('pyfuncs', 'ticks', 'asyncgen');
const echo = tractor.remoteFunction<{ greeting: string }, string, 'context'>('pyfuncs', 'echo', 'context');

function howTo(registry: string): string {
  return `No Python tractor actor named 'pyd' is registered at ${registry}.
To start one (Python >= 3.11, sharing this registrar):
  pip install tractor        # or: pip install git+https://github.com/goodboy/tractor
  python examples/python_peer/pyfuncs.py
then run this example again.`;
}

async function main(): Promise<void> {
  await using portal = await tractor.findActor('pyd');
  if (!portal) {
    console.log(howTo(tractor.getRuntimeVars().registryAddrs[0]!));
    return;
  }
  console.log(`found pyd (pid ${portal.chan.aid?.pid}) at ${await tractor.queryActor('pyd')}`);
  console.log(`pyfuncs.add(1, 2) = ${await portal.run(add, { x: 1, y: 2 })}`);

  const seen: number[] = [];
  for await (const t of await portal.openStreamFrom(ticks, { n: 3 })) seen.push(t);
  console.log(`pyfuncs.ticks(3) yielded ${seen.join(', ')}`);

  await using ctx = await portal.openContext(echo, { greeting: 'from TypeScript' });
  console.log(`pyfuncs.echo started: ${String(ctx.first)}`);
  {
    await using stream = await ctx.openStream<unknown>();
    for (const msg of ['ping', { bytes: new Uint8Array([1, 2]) }]) {
      await stream.send(msg);
      console.log(`echoed: ${JSON.stringify(await stream.receive(), (_k, v) => (v instanceof Uint8Array ? [...v] : v))}`);
    }
  }
  console.log(`pyfuncs.echo returned: ${await ctx.waitForResult()}`);
}

if (tractor.isMain(import.meta)) tractor.run(main, { name: 'tsclient' });
