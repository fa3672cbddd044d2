// Actor spawning and causality: run one function in a one-shot actor and
// print what it returned. The TS twin of tractor's
// examples/actor_spawning_and_causality.py.
//
//   npx tsx examples/actor_spawning_and_causality.ts
//
// The nursery block cannot end before its children are dead and reaped, so
// once it is left no process of this tree is running any more.
import * as tractor from 'tractor-ts';

// An RPC target: exported, async, one object of named arguments (none here).
export async function cellarDoor(): Promise<string> {
  // This runs in a new process, not in the root.
  if (tractor.isRootProcess()) throw new Error('cellarDoor() should run in a subactor');
  return "Dang that's beautiful";
}

async function main(): Promise<void> {
  let portal: tractor.Portal<string>;
  {
    await using an = await tractor.openNursery();
    // runInActor enables cellarDoor's own module in the child automatically.
    portal = await an.runInActor(cellarDoor, {}, { name: 'some_linguist' });
    // Waiting is explicit: leaving the block would cancel a child still running.
    await an.wait();
  }
  // The block ended: 'some_linguist' completed its main task and was reaped.
  // Its result is cached on the portal.
  console.log(await portal.waitForResult());
}

if (tractor.isMain(import.meta)) tractor.run(main);
