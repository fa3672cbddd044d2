// A child actor crashes in debug mode: the REPL opens in the crashed child
// first (post mortem: `err`, `actor`, `where`, `list`); after `c` the error
// propagates and the root stops too, with the boxed error naming the child;
// after `c` there the program exits with the error. The TS twin of tractor's
// examples/debugging/subactor_error.py.
//
//   npx tsx examples/debugging/subactor_error.ts
//
// Try: `p err.message`, `where`, `list`, `c`; then in the root `p err.srcActor`, `c`.
import * as tractor from 'tractor-ts';

export async function nameError(): Promise<void> {
  const pants = undefined as unknown as { doggy(): void };
  pants.doggy(); // a TypeError, raised in the child
}

async function main(): Promise<void> {
  await using an = await tractor.openNursery();
  const portal = await an.runInActor(nameError);
  await portal.waitForResult();
}

if (tractor.isMain(import.meta)) tractor.run(main, { debugMode: true });
