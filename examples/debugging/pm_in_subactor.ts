// Post mortem on a caught error: a child catches an error and opens a REPL
// on it with `await tractor.postMortem(err)` (`p err.message`, `where`,
// `list`), then carries on and returns. The TS twin of tractor's
// examples/debugging/pm_in_subactor.py.
//
//   npx tsx examples/debugging/pm_in_subactor.ts
import * as tractor from 'tractor-ts';

export async function recovers(): Promise<string> {
  try {
    JSON.parse('{ not json');
  } catch (err) {
    await tractor.postMortem(err);
    return `recovered from ${(err as Error).name}`;
  }
  return 'nothing went wrong';
}

async function main(): Promise<void> {
  await using an = await tractor.openNursery();
  const portal = await an.runInActor(recovers);
  console.log(`child says: ${await portal.waitForResult()}`);
}

if (tractor.isMain(import.meta)) tractor.run(main, { debugMode: true });
