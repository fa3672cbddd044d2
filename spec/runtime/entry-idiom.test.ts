// The program entry idiom `if (tractor.isMain(import.meta)) tractor.run(main)`:
// what goes wrong without it fails fast with an error naming it, never a hang or a fork bomb.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { CORE, whoami } from '../fixtures/core.ts';
import { actorProcesses, errorTree, runScript, within } from '../helpers.ts';

const T = { timeout: 20_000 };
const IMPORT_TIME_NURSERY = new URL('../fixtures/import-time-nursery.ts', import.meta.url).href;

test('a main module awaiting tractor.run(main) at top level fails with an error naming the isMain idiom', T, async () => {
  const script = runScript(new URL('../fixtures/programs/entry-tla.ts', import.meta.url));
  const exit = await within(script.exited, 15_000, 'the program exiting');
  assert.notEqual(exit.code, 0);
  assert.match(script.stderr(), /tractor\.isMain\(import\.meta\)/, script.stderr());
  assert.match(script.stderr(), /top[- ]level await/);
  assert.equal(script.stdout(), '', 'no result: the call never ran');
});

test('with the idiom, the child imports the main module without re-running it: isMain is false there', T, async () => {
  const script = runScript(new URL('../fixtures/programs/entry-ok.ts', import.meta.url));
  const out = (await within(script.firstLine, 15_000, 'the program printing its result')) as {
    root: { isMain: boolean; isRoot: boolean; pid: number };
    child: { isMain: boolean; isRoot: boolean; pid: number };
  };
  assert.equal((await script.exited).code, 0, script.stderr());
  assert.deepEqual([out.root.isMain, out.root.isRoot], [true, true]);
  assert.deepEqual([out.child.isMain, out.child.isRoot], [false, false]);
  assert.notEqual(out.child.pid, out.root.pid);
  assert.equal(script.stdout().trim().split('\n').length, 1, 'the program ran once');
});

test('isMain is false in a child actor, for any module', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const p = await an.startActor('child');
  const me = await p.run(whoami);
  assert.equal(me.isMain, false);
  assert.equal(me.isRoot, false);
  assert.equal(me.depth, 1);
  assert.equal(tractor.isRootProcess(), true);
});

test('a child whose module opens a nursery at import time fails fast naming the idiom (no fork bomb)', T, async () => {
  let maxActors = 0;
  const watch = setInterval(() => (maxActors = Math.max(maxActors, actorProcesses().length)), 20);
  const t0 = Date.now();
  try {
    await assert.rejects(async () => {
      await using an = await tractor.openNursery();
      const p = await an.startActor('bomb', { enableModules: [IMPORT_TIME_NURSERY] });
      // The call fails with the child's boot error, as does the nursery (that error is delivered once).
      await p.runFromNs(IMPORT_TIME_NURSERY, 'never');
    }, (err: unknown) => {
      const tree = errorTree(err);
      assert.ok(tree.some((e) => /isMain\(import\.meta\)/.test((e as Error)?.message)), `error names the idiom: ${err}`);
      const usage = tree.find((e) => e instanceof tractor.RemoteActorError) as tractor.RemoteActorError | undefined;
      assert.equal(usage?.boxedType, tractor.RuntimeUsageError);
      return true;
    });
  } finally {
    clearInterval(watch);
  }
  assert.ok(Date.now() - t0 < 8000, `failed after ${Date.now() - t0} ms`);
  assert.ok(maxActors <= 1, `at most the one child ever ran (saw ${maxActors} processes)`);
  assert.deepEqual(actorProcesses(), []);
});
