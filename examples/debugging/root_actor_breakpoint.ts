// A breakpoint in the root actor: `await tractor.pause()` stops the root task
// at that line, in a REPL on its frame (its locals visible; `n` steps, `c`
// continues). The TS twin of tractor's examples/debugging/root_actor_breakpoint.py.
//
//   npx tsx examples/debugging/root_actor_breakpoint.ts
//
// Try: `p greeting`, `n`, `p answer`, `l`, `w`, `c`.
import * as tractor from 'tractor-ts';

async function main(): Promise<void> {
  await using an = await tractor.openNursery();
  const portal = await an.startActor('sleepy', { enableModules: [] });
  const greeting = `hello from ${tractor.currentActor().name} with a child ${portal.chan.aid?.name}`;
  await tractor.pause();
  const answer = 42;
  console.log(`${greeting}; the answer is ${answer}`);
  await portal.cancelActor();
}

if (tractor.isMain(import.meta)) tractor.run(main, { debugMode: true });
