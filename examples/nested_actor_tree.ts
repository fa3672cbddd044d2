// A (3-level) nested actor tree: one context from the root fans out through a
// mid-tier 'supervisor' actor to 2 'leaf' worker actors, and the aggregate
// result is relayed back up. The TS twin of tractor's
// examples/nested_actor_tree.py.
//
//   npx tsx examples/nested_actor_tree.ts
//
// The process tree looks approximately like:
//
//   node examples/nested_actor_tree.ts
//   `-node .../child.js  (supervisor)
//     |-node .../child.js  (leaf_1)
//     `-node .../child.js  (leaf_2)
//
// Teardown runs inside-out: the supervisor cancels its leaves first, then the
// root cancels the supervisor; watch the prints to see the ordering.
import assert from 'node:assert/strict';
import * as tractor from 'tractor-ts';

/** Tiny "work unit" run inside a leaf actor. */
export async function computeSquare(args: { x: number }): Promise<number> {
  const { name, pid } = tractor.currentActor();
  console.log(`${name}: squaring ${args.x} (pid ${pid})`);
  return args.x * args.x;
}

/**
 * Spawn a (nested) pair of leaf actors, fan the input values out across them
 * round-robin style, then return the aggregated squares to our parent.
 */
export const fanOutSquares = tractor.context(async (ctx, args: { vals: number[] }): Promise<number[]> => {
  const squares = new Map<number, number>();
  {
    // an RPC task may open its own nursery: these leaves are the supervisor's children
    await using an = await tractor.openNursery();
    const portals = await Promise.all(
      [1, 2].map((i) => an.startActor(`leaf_${i}`, { enableModules: [import.meta.url] })),
    );
    // unblock the parent's `openContext()` and report which leaves came up
    await ctx.started(portals.map((p) => p.chan.aid?.name));

    // fan out one sub-RPC per input value, concurrently
    await Promise.all(args.vals.map(async (x, i) => {
      squares.set(x, await portals[i % portals.length]!.run(computeSquare, { x }));
    }));

    // graceful inside-out teardown: leaves go first!
    for (const portal of portals) {
      console.log(`supervisor: cancelling ${portal.chan.aid?.name}`);
      await portal.cancelActor();
    }
  }
  return args.vals.map((x) => squares.get(x)!);
});

async function main(): Promise<void> {
  {
    await using an = await tractor.openNursery();
    const portal = await an.startActor('supervisor', { enableModules: [import.meta.url] });
    {
      await using ctx = await portal.openContext(fanOutSquares, { vals: [1, 2, 3, 4] });
      console.log(`root: supervisor spawned ${JSON.stringify(ctx.first)}`);
      const squares = await ctx.waitForResult();
      assert.deepEqual(squares, [1, 4, 9, 16]);
      console.log(`root: aggregate result ${JSON.stringify(squares)}`);
    }
    console.log('root: cancelling supervisor');
    await portal.cancelActor();
  }
  console.log('root: tree torn down, what zombies?');
}

if (tractor.isMain(import.meta)) tractor.run(main);
