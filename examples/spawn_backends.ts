// The same actor tree started with each spawn backend (startMethod): a
// supervisor actor that spawns two workers of its own, each streaming its
// squares back; an error in one would cancel the other, whatever the method.
// Run: npx tsx examples/spawn_backends.ts (Node 20) or node examples/spawn_backends.ts (Node 24)
import * as tractor from 'tractor-ts';

/** A leaf: the squares of 1..n, and where it ran. */
export async function squares(args: { n: number }): Promise<{ sum: number; pid: number; isWorker: boolean }> {
  let sum = 0;
  for (let i = 1; i <= args.n; i++) sum += i * i;
  const me = tractor.currentActor();
  return { sum, pid: me.pid, isWorker: me.isWorker };
}

/** The middle of the tree: two leaves of its own, started with the same method. */
export async function supervise(args: { method: tractor.StartMethod }): Promise<{ sums: number[]; samePid: boolean[] }> {
  await using an = await tractor.openNursery({ startMethod: args.method });
  const leaves = await Promise.all([3, 4].map((n) => an.runInActor(squares, { n }, { name: `leaf${n}` })));
  const results = await Promise.all(leaves.map((p) => p.waitForResult()));
  return { sums: results.map((r) => r.sum), samePid: results.map((r) => r.pid === process.pid) };
}

/** One tree, started with `method`. (Its own function: see the README on `await using` in a loop.) */
async function tree(method: tractor.StartMethod): Promise<void> {
  await using an = await tractor.openNursery({ startMethod: method });
  const { sums, samePid } = await (await an.runInActor(supervise, { method })).waitForResult();
  const where = samePid.every(Boolean) ? 'threads of their parent' : 'processes of their own';
  console.log(`${method}: the leaves returned ${sums.join(' and ')} and ran as ${where}`);
}

async function main(): Promise<void> {
  for (const method of ['subprocess', 'prewarm', 'worker'] as const) await tree(method);
}

if (tractor.isMain(import.meta)) tractor.run(main, { name: 'backends' });
