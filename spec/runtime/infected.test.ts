// Infected Promise actors (`infectPromises: true`): legacy Promise code run
// through tractor.toPromise, supervised like any task (real processes).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import {
  INFECTED, infectedFlag, legacyDouble, legacyEchoCtx, legacyEscapes, legacyHonoursSignal, legacyIgnoresSignal, legacyReject, notInfected,
} from '../fixtures/infected.ts';
import { isAlive, markerLines, thrown, until, waitDead } from '../helpers.ts';

const T = { timeout: 30_000 };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tractor-infected-'));
const opts = { enableModules: [INFECTED], infectPromises: true };

test('runTask returns the legacy value; the flag is per actor', T, async () => {
  await using an = await tractor.openNursery();
  const p = await an.startActor('legacy', opts);
  assert.equal(await p.run(legacyDouble, { x: 21 }), 42);
  assert.equal(await p.run(infectedFlag), true);
  const plain = await an.startActor('plain', { enableModules: [INFECTED] });
  assert.equal(await plain.run(infectedFlag), false);
  const oneShot = await an.runInActor(legacyDouble, { x: 2 }, { infectPromises: true });
  assert.equal(await oneShot.waitForResult(), 4);
});

test('a legacy rejection reaches the parent boxed with the legacy error\'s type, the original as cause in the traceback', T, async () => {
  await using an = await tractor.openNursery();
  const p = await an.startActor('legacy', opts);
  const err = await thrown(() => p.run(legacyReject, { msg: 'no such user' }));
  assert.ok(err instanceof tractor.RemoteActorError, String(err));
  assert.equal(err.boxedType, RangeError);
  assert.match(err.message, /no such user/);
  assert.match(err.remoteStack, /caused by \(in toPromise\.runTask\(legacyLookup\)\)/);
  assert.equal(await p.run(legacyDouble, { x: 1 }), 2, 'the actor keeps serving');
});

test('toPromise outside an infected actor is a RuntimeUsageError naming infectPromises', T, async () => {
  await assert.rejects(tractor.toPromise.runTask(() => 1), (e: Error) => e instanceof tractor.RuntimeUsageError && /infectPromises/.test(e.message));
  await assert.rejects(tractor.toPromise.openChannelFrom(() => {}), tractor.RuntimeUsageError);
  await using an = await tractor.openNursery();
  const p = await an.startActor('plain', { enableModules: [INFECTED] });
  const err = await thrown(() => p.run(notInfected));
  assert.ok(err instanceof tractor.RemoteActorError && err.boxedType === tractor.RuntimeUsageError, String(err));
  assert.match(err.message, /infectPromises: true/);
});

test('cancellation is offered to the legacy side through its signal', T, async () => {
  const marker = path.join(tmp, 'honours.log');
  await using an = await tractor.openNursery();
  const p = await an.startActor('legacy', opts);
  const ac = new AbortController();
  const call = thrown(() => p.run(legacyHonoursSignal, { marker }, { signal: ac.signal }));
  await until(() => markerLines(marker).length === 1, 'the legacy side to start');
  ac.abort(new Error('stop'));
  assert.equal((await call as Error).message, 'stop');
  await until(() => markerLines(marker).length === 2, 'the legacy side to see the abort');
  assert.deepEqual(markerLines(marker), ['legacy started', 'legacy saw the abort']);
  assert.equal(await p.run(legacyDouble, { x: 3 }), 6, 'a legacy task that settles leaves its actor serving');
});

test('legacy code that ignores its signal is abandoned after the grace period and its actor torn down (reported, nothing left running)', T, async () => {
  let pid = 0;
  const err = await thrown(async () => {
    await using an = await tractor.openNursery();
    const p = await an.startActor('legacy', opts);
    pid = p.chan.aid!.pid;
    const ac = new AbortController();
    const marker = path.join(tmp, 'stubborn.log');
    const call = thrown(() => p.run(legacyIgnoresSignal, { marker }, { signal: ac.signal }));
    await until(() => markerLines(marker).length === 1, 'the legacy side to start');
    ac.abort(new Error('stop'));
    assert.equal((await call as Error).message, 'stop', 'the caller gets its cancellation');
    await tractor.sleep(60_000, an.signal).catch(() => {});
  });
  assert.ok(err instanceof tractor.RemoteActorError && err.boxedType === tractor.ActorFailure, String(err));
  assert.match(err.message, /stubborn.*did not settle within \d+ ms/);
  assert.deepEqual(await waitDead([pid], 5000), [], 'the infected actor is gone');
});

for (const kind of ['rejection', 'exception', 'error-event'] as const) {
  test(`an error escaping legacy code (${kind}) is relayed to the parent as the actor's error, naming the legacy task`, T, async () => {
    let pid = 0;
    const err = await thrown(async () => {
      await using an = await tractor.openNursery();
      const p = await an.startActor('legacy', opts);
      pid = p.chan.aid!.pid;
      await p.run(legacyEscapes, { kind });
    });
    assert.ok(err instanceof tractor.RemoteActorError, String(err));
    assert.equal(err.boxedType, RangeError);
    assert.match(err.remoteStack, /escaped as an uncaughtException|escaped as an unhandledRejection/);
    assert.match(err.remoteStack, /from toPromise\.runTask\(leaky\)/);
    assert.ok(!isAlive(pid) || (await waitDead([pid], 5000)).length === 0);
  });
}

test('openChannelFrom: the first legacy send is ctx.first; round trips; the legacy close ends it', T, async () => {
  await using an = await tractor.openNursery();
  const p = await an.startActor('legacy', opts);
  await using ctx = await p.openContext(legacyEchoCtx, { suffix: '!' });
  assert.equal(ctx.first, 'ready');
  await using stream = await ctx.openStream();
  const got: unknown[] = [];
  for (const m of ['a', 'b', 'c']) {
    await stream.send(m);
    got.push(await stream.receive());
  }
  assert.deepEqual(got, ['a!', 'b!', 'c!']);
  await stream.send('end');
  assert.equal(await ctx.waitForResult(), 'echo done');
});

test('openChannelFrom: a legacy rejection is raised on the SC side and reaches the parent boxed', T, async () => {
  await using an = await tractor.openNursery();
  const p = await an.startActor('legacy', opts);
  const err = await thrown(async () => {
    await using ctx = await p.openContext(legacyEchoCtx, { suffix: '?' });
    await using stream = await ctx.openStream();
    await stream.send('x');
    assert.equal(await stream.receive(), 'x?');
    await stream.send('fail');
    await ctx.waitForResult();
  });
  assert.ok(err instanceof tractor.RemoteActorError, String(err));
  assert.equal(err.boxedType, RangeError);
  assert.match(err.message, /the legacy echo failed/);
});
