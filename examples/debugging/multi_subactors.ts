// Several actors stop at once and queue for the terminal: one pauses in a
// loop, one crashes, one crashes in a grandchild of its own. Each REPL opens
// in turn (the tree-wide TTY lock, held through the root, FIFO); `c` in one
// lets the next in. A crash that reaches the root cancels the rest
// (one-cancels-all), but only once no actor of the tree is at a REPL or
// queued for one: the pause loop keeps the tree up until you `q` it, and the
// grandchild's crash gets its REPL (then spawn_error's, relaying it). The
// root's REPL comes last, with every failure.
// The TS twin of tractor's examples/debugging/multi_subactors.py.
//
//   npx tsx examples/debugging/multi_subactors.ts
//
// Process tree while the first REPL is open (`ps -o pid,ppid,args`):
//   tractor-ts[root]
//   |- tractor-ts[bp_forever]
//   |- tractor-ts[name_error]
//   `- tractor-ts[spawn_error]
//      `- tractor-ts[name_error_1]
import * as tractor from 'tractor-ts';

export async function breakpointForever(): Promise<void> {
  for (;;) {
    await tractor.sleep(100);
    await tractor.pause();
  }
}

export async function nameError(): Promise<void> {
  const doggypants = undefined as unknown as { wag(): void };
  doggypants.wag();
}

export async function spawnError(): Promise<void> {
  await using an = await tractor.openNursery();
  const portal = await an.runInActor(nameError, {}, { name: 'name_error_1' });
  await portal.waitForResult();
}

async function main(): Promise<void> {
  await using an = await tractor.openNursery();
  // Results not collected: like the original, the nursery's end waits for them.
  await an.runInActor(breakpointForever, {}, { name: 'bp_forever' });
  await an.runInActor(nameError, {}, { name: 'name_error' });
  await an.runInActor(spawnError, {}, { name: 'spawn_error' });
  await an.wait();
}

if (tractor.isMain(import.meta)) tractor.run(main, { debugMode: true });
