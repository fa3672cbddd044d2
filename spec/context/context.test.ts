import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { counter, countUp, echoServer, failEarly, failLate, sleeper } from '../fixtures/ctx.ts';

const modules = [new URL('../fixtures/ctx.ts', import.meta.url).href];
const T = { timeout: 30_000 };

test('a context stream echoes both ways and returns the child result', T, async () => {
  await using an = await tractor.openNursery({ enableModules: modules });
  const portal = await an.startActor('echo');
  await using ctx = await portal.openContext(echoServer, { greeting: 'hi' });
  assert.equal(ctx.first, 'hi');
  {
    await using stream = await ctx.openStream();
    for (let i = 0; i < 10; i++) {
      await stream.send(i);
      assert.equal(await stream.receive(), i);
    }
  }
  assert.equal(await ctx.waitForResult(), 10);
});

test('for await ends cleanly on the peer Stop', T, async () => {
  await using an = await tractor.openNursery({ enableModules: modules });
  const portal = await an.startActor('counter');
  await using ctx = await portal.openContext(counter, { count: 5 });
  await using stream = await ctx.openStream();
  const got: unknown[] = [];
  for await (const x of stream) got.push(x);
  assert.deepEqual(got, [0, 1, 2, 3, 4]);
  assert.equal(await ctx.waitForResult(), 'done');
});

test("a child's error after started() aborts the parent's ctx.signal with it, waking the block", T, async () => {
  await using an = await tractor.openNursery({ enableModules: modules });
  const portal = await an.startActor('fail-late');
  const ctx = await portal.openContext(failLate, { message: 'late', delayMs: 200 });
  assert.equal(ctx.signal.aborted, false);
  // A block busy with its own work (not the stream) learns of the child's failure through ctx.signal.
  await assert.rejects(tractor.sleep(60_000, ctx.signal), (err: tractor.RemoteActorError) => err.boxedType === RangeError);
  assert.ok(ctx.signal.reason instanceof tractor.RemoteActorError);
  await assert.rejects(ctx.waitForResult(), (err: tractor.RemoteActorError) => err.boxedType === RangeError);
  await ctx[Symbol.asyncDispose](); // the error was delivered: disposal does not raise it again
});

test("a result, or a cancel this side asked for, leaves the parent's ctx.signal alone", T, async () => {
  await using an = await tractor.openNursery({ enableModules: modules });
  const portal = await an.startActor('ends');
  {
    await using ctx = await portal.openContext(counter, { count: 0 });
    assert.equal(await ctx.waitForResult(), 'done');
    assert.equal(ctx.signal.aborted, false);
  }
  {
    await using ctx = await portal.openContext(sleeper);
    await ctx.cancel();
    assert.ok((await ctx.waitForResult()) instanceof tractor.ContextCancelled);
    assert.equal(ctx.signal.aborted, false);
  }
});

test('a child error before started() rejects openContext with the boxed error', T, async () => {
  await using an = await tractor.openNursery({ enableModules: modules });
  const portal = await an.startActor('fail');
  await assert.rejects(portal.openContext(failEarly, { message: 'nope' }), (err: tractor.RemoteActorError) => {
    assert.equal(err.boxedType, RangeError);
    return true;
  });
});

test('ctx.cancel() cancels the remote task and waitForResult returns the ContextCancelled', T, async () => {
  await using an = await tractor.openNursery({ enableModules: modules });
  const portal = await an.startActor('sleeper');
  await using ctx = await portal.openContext(sleeper, {});
  assert.equal(ctx.first, 'sleeping');
  await ctx.cancel();
  const res = await ctx.waitForResult();
  assert.ok(res instanceof tractor.ContextCancelled);
  assert.equal(ctx.cancelAcked, true);
});


test('legacy openStreamFrom iterates a remote async generator', T, async () => {
  await using an = await tractor.openNursery({ enableModules: modules });
  const portal = await an.startActor('gen');
  await using stream = await portal.openStreamFrom(countUp, { to: 4 });
  const got: number[] = [];
  for await (const x of stream) got.push(x);
  assert.deepEqual(got, [0, 1, 2, 3]);
});
