// startMethod 'worker' (SPEC "Spawn backends"): an actor in a worker_threads
// Worker of its parent, speaking the same wire; what only a worker has (its
// pid is the parent's, terminate() ends it even in a synchronous loop). The
// behaviour it shares with process actors is checked by the suites run once
// per start method (spec/by-method/).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { actorKind, boom, CORE, sleepForever, spinForever } from '../fixtures/core.ts';
import { actorProcesses, within } from '../helpers.ts';

test('a worker actor runs in a thread of its parent: same pid, isWorker', { timeout: 20_000 }, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const kind = await (await an.runInActor(actorKind, {}, { startMethod: 'worker' })).waitForResult();
  assert.deepEqual(kind, { pid: process.pid, isWorker: true, isMainThread: false });
  assert.deepEqual(actorProcesses(), [], 'no process was spawned for it');
  const proc = await (await an.runInActor(actorKind, {}, { startMethod: 'subprocess' })).waitForResult();
  assert.equal(proc.isWorker, false);
  assert.notEqual(proc.pid, process.pid);
  assert.equal(tractor.currentActor().isWorker, false);
});

test("a worker actor's error reaches its parent boxed, as a process actor's", { timeout: 20_000 }, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE], startMethod: 'worker' });
  const portal = await an.runInActor(boom, { msg: 'from a thread' });
  await assert.rejects(portal.waitForResult(), (err: unknown) => {
    assert.ok(err instanceof tractor.RemoteActorError, String(err));
    assert.equal(err.boxedTypeName, 'TypeError');
    assert.match(err.message, /from a thread/);
    return true;
  });
});

test('a hard cancel ends a worker actor busy in a synchronous loop', { timeout: 20_000 }, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE], startMethod: 'worker' });
  const portal = await an.startActor('spinner');
  void portal.run(spinForever).catch(() => {});
  await tractor.sleep(200);
  await within(an.cancel({ hard: true }), 5_000, 'a hard cancel of a spinning worker');
  await channelClosed(portal, 'the terminated worker closing its channel');
});

test('cancelActor ends a worker actor busy in a synchronous loop (terminate, after the ack timeout)', { timeout: 20_000 }, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE], startMethod: 'worker' });
  const portal = await an.startActor('spinner');
  void portal.run(spinForever).catch(() => {});
  await tractor.sleep(200);
  assert.equal(await portal.cancelActor({ timeout: 300 }), false, 'a spinning thread cannot acknowledge');
  await channelClosed(portal, 'the worker ending');
});

/** Resolves once `portal`'s channel has closed (its actor is gone), failing after a generous bound. */
function channelClosed(portal: tractor.Portal, what: string): Promise<void> {
  return within(new Promise<void>((resolve) => {
    const poll = setInterval(() => portal.chan.closed && (clearInterval(poll), resolve()), 20);
  }), 10_000, what);
}

test('a graceful cancel ends an idle worker actor and the nursery exits cleanly', { timeout: 20_000 }, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE], startMethod: 'worker' });
  const portal = await an.startActor('sleeper');
  void portal.run(sleepForever).catch(() => {});
  assert.equal(await portal.cancelActor(), true);
});

test('a bad startMethod is an InvalidArgument wherever it is given', { timeout: 20_000 }, async () => {
  const bad = (e: unknown) => e instanceof tractor.InvalidArgument && e instanceof TypeError && (e as { code?: string }).code === 'ERR_TRACTOR_INVALID_ARG';
  await assert.rejects(tractor.openRoot({ startMethod: 'fork' as never }), bad);
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  await assert.rejects(tractor.openNursery({ startMethod: 'thread' as never }), bad);
  await assert.rejects(an.runInActor(actorKind, {}, { startMethod: 'spawn' as never }), bad);
  await assert.rejects(an.startActor('x', { startMethod: 42 as never }), bad);
  // The tree keeps working.
  assert.equal((await (await an.runInActor(actorKind, {}, { startMethod: 'worker' })).waitForResult()).isWorker, true);
});
