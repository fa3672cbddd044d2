// A breakpoint in a child actor, in a loop: every `await tractor.pause()`
// opens a REPL in the child on its frame (`p i`, `n` steps, `c` goes round
// the loop to the next pause), and `q` raises DebuggerQuit there, which
// reaches the root boxed (the root stops on it too; `c` exits). The TS twin
// of tractor's examples/debugging/subactor_breakpoint.py.
//
//   npx tsx examples/debugging/subactor_breakpoint.ts
import * as tractor from 'tractor-ts';

export async function breakpointForever(): Promise<void> {
  for (let i = 0; ; i++) {
    await tractor.sleep(10);
    await tractor.pause();
  }
}

async function main(): Promise<void> {
  await using an = await tractor.openNursery();
  const portal = await an.runInActor(breakpointForever);
  await portal.waitForResult();
}

if (tractor.isMain(import.meta)) tractor.run(main, { debugMode: true });
