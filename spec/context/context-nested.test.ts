// Nested trees of contexts over real processes: root -> middle -> leaf, where
// the middle's context endpoint supervises the leaf with a nursery and a
// context of its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { middle } from '../fixtures/ctx-nested.ts';
import { isAlive } from '../helpers.ts';

const FIX = new URL('../fixtures/ctx-nested.ts', import.meta.url).href;
const T = { timeout: 30_000 };

test('cancelling the root dialog tears the whole subtree down: the leaf process is gone when the cancel returns', T, async () => {
  const pids: number[] = [];
  {
    await using an = await tractor.openNursery({ enableModules: [FIX] });
    const portal = await an.startActor('middle');
    pids.push(portal.chan.aid!.pid);
    // By ctx.cancel() ...
    {
      await using ctx = await portal.openContext(middle, { mode: 'hold' });
      const { leafPid } = ctx.first as { leafPid: number };
      pids.push(leafPid);
      assert.equal(isAlive(leafPid), true);
      await ctx.cancel();
      assert.equal(ctx.cancelAcked, true);
      assert.equal(isAlive(leafPid), false, 'the leaf outlived the cancelled dialog');
    }
    // ... and by leaving the block without waiting.
    let leafPid = 0;
    {
      await using ctx = await portal.openContext(middle, { mode: 'hold' });
      leafPid = (ctx.first as { leafPid: number }).leafPid;
      pids.push(leafPid);
      assert.equal(isAlive(leafPid), true);
    }
    assert.equal(isAlive(leafPid), false, 'the leaf outlived the disposed dialog');
  }
  assert.deepEqual(pids.filter(isAlive), [], 'every process of the tree is gone after the nursery block');
});

test('an error in the leaf reaches the root boxed, with the relay path recorded', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [FIX] });
  const portal = await an.startActor('middle');
  await using ctx = await portal.openContext(middle, { mode: 'fail' });
  const { leafUid } = ctx.first as { leafUid: tractor.Uid };
  const err = await ctx.waitForResult().then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof tractor.RemoteActorError && !(err instanceof tractor.ContextCancelled), `expected RemoteActorError, got ${String(err)}`);
  assert.equal(err.boxedType, RangeError);
  assert.deepEqual(err.srcUid, leafUid);
  assert.deepEqual(err.relayPath, [leafUid, [portal.chan.aid!.name, portal.chan.aid!.uuid]]);
  assert.match(err.message, /the leaf failed/);
});
