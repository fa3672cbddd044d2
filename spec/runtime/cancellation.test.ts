// Cancellation as AbortSignal: a caller's signal reaches the remote task's ambient signal (real processes).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { add, CORE, getEvents, sleepForeverRecording, sleepRecording } from '../fixtures/core.ts';

const T = { timeout: 15_000 };

/** Poll the daemon until `key`'s recorded events satisfy `done`. */
async function eventsOf(p: tractor.Portal, key: string, done: (ev: string[]) => boolean): Promise<string[]> {
  const until = Date.now() + 3000;
  for (;;) {
    const ev = await p.run(getEvents, { key });
    if (done(ev) || Date.now() > until) return ev;
    await tractor.sleep(20, AbortSignal.timeout(1000));
  }
}

test('aborting the signal passed to portal.run aborts the remote currentSignal() and rejects with the abort reason', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const p = await an.startActor('sleeper');
  const ac = new AbortController();
  const call = p.run(sleepRecording, { key: 'k1', ms: 60_000 }, { signal: ac.signal });
  await eventsOf(p, 'k1', (ev) => ev.includes('started'));
  const reason = new Error('the caller gave up');
  const t0 = Date.now();
  ac.abort(reason);
  await assert.rejects(call, (err) => err === reason);
  assert.ok(Date.now() - t0 < 1000, `rejected ${Date.now() - t0} ms after the abort`);
  // The side effects prove the remote task saw its ambient signal abort and sleep() honour it.
  const ev = await eventsOf(p, 'k1', (e) => e.length >= 3);
  assert.deepEqual(ev, ['started', 'signal aborted: Cancelled', 'sleep rejected: Cancelled']);
  assert.equal(await p.run(add, { a: 1, b: 1 }), 2, 'the actor keeps serving');
});

test('sleepForever() in a remote task honours the ambient signal', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const p = await an.startActor('sleeper');
  const ac = new AbortController();
  const call = p.run(sleepForeverRecording, { key: 'k2' }, { signal: ac.signal });
  await eventsOf(p, 'k2', (ev) => ev.includes('started'));
  ac.abort();
  await assert.rejects(call, (err) => err === ac.signal.reason);
  assert.deepEqual(await eventsOf(p, 'k2', (e) => e.length >= 2), ['started', 'sleepForever rejected: Cancelled']);
});

test('an already-aborted signal rejects the call at once without starting a remote task', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const p = await an.startActor('sleeper');
  const reason = new Error('too late');
  await assert.rejects(p.run(sleepRecording, { key: 'k3', ms: 10 }, { signal: AbortSignal.abort(reason) }), (e) => e === reason);
  assert.deepEqual(await p.run(getEvents, { key: 'k3' }), []);
});

test('a remote task that is not cancelled completes normally', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const p = await an.startActor('sleeper');
  const ac = new AbortController();
  assert.equal(await p.run(sleepRecording, { key: 'k4', ms: 50 }, { signal: ac.signal }), 'slept');
  ac.abort(); // after the fact: nothing happens
  assert.deepEqual(await p.run(getEvents, { key: 'k4' }), ['started', 'slept']);
});

test('sleep() and sleepForever() reject with the reason of the signal they are given', T, async () => {
  const reason = new Error('stop sleeping');
  const ac = new AbortController();
  const s1 = tractor.sleep(60_000, ac.signal);
  const s2 = tractor.sleepForever(ac.signal);
  setTimeout(() => ac.abort(reason), 20);
  await assert.rejects(s1, (e) => e === reason);
  await assert.rejects(s2, (e) => e === reason);
  await tractor.sleep(1, new AbortController().signal); // resolves
});
