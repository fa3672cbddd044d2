// A daemon actor: spawned with startActor(), it serves RPC on the modules it
// enables until it is cancelled. The TS twin of tractor's
// examples/actor_spawning_and_causality_with_daemon.py.
//
//   npx tsx examples/actor_spawning_and_causality_with_daemon.ts
import * as tractor from 'tractor-ts';

/** A question asked in a dark theatre, in a tangent (errr, I mean different) process. */
export async function movieTheatreQuestion(): Promise<string> {
  return 'have you ever seen a portal?';
}

async function main(): Promise<void> {
  await using an = await tractor.openNursery();

  const portal = await an.startActor('frank', {
    // enable the actor to run functions from this very module
    enableModules: [import.meta.url],
  });

  console.log(await portal.run(movieTheatreQuestion));
  // call the subactor a 2nd time: every run() is a fresh remote task
  console.log(await portal.run(movieTheatreQuestion));

  // A daemon has no result and never ends on its own; leaving the block
  // would cancel it anyway, but here we say so explicitly.
  await portal.cancelActor();
}

if (tractor.isMain(import.meta)) tractor.run(main);
