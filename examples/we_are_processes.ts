// We are processes: one actor per core, each a real OS process; then the
// root self-destructs by throwing, and the nursery tears every child down
// before the error gets out: no zombies, no orphans. The TS twin of tractor's
// examples/parallelism/we_are_processes.py.
//
// Run it with a process monitor in another terminal to watch the tree come
// and go:
//
//   watch -n 0.1 "pstree -a $(pgrep -n -f we_are_processes)"
//   npx tsx examples/we_are_processes.ts
import os from 'node:os';
import * as tractor from 'tractor-ts';

export async function target(): Promise<void> {
  console.log(`Yo, i'm '${tractor.currentActor().name}' running in pid ${process.pid}`);
  // Block until cancelled: the ambient signal of this remote task aborts when
  // the parent's nursery cancels the actor.
  await tractor.sleepForever();
}

async function main(): Promise<void> {
  try {
    await using an = await tractor.openNursery();

    for (let i = 0; i < os.availableParallelism(); i++) {
      await an.runInActor(target, {}, { name: `worker_${i}` });
    }

    console.log('This process tree will self-destruct in 1 sec...');
    await tractor.sleep(1000);

    // you could have done this yourself
    throw new Error('Self Destructed');
  } catch (err) {
    // Leaving the `await using` block cancelled every worker and reaped its
    // process before this catch runs. (The Python original catches the error
    // around trio.run(); catching it here keeps the exit code 0 and the
    // traceback off the terminal in the same way.)
    if ((err as Error).message !== 'Self Destructed') throw err;
    console.log('Zombies Contained');
  }
}

if (tractor.isMain(import.meta)) tractor.run(main);
