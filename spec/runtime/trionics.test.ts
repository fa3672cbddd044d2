// tractor.trionics: gatherContexts (all or nothing over many portals) and
// maybeOpenContext (one resource per key shared inside an actor).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { ready, TRIONICS, useShared } from '../fixtures/trionics.ts';
import { markerLines, thrown, until } from '../helpers.ts';

const T = { timeout: 30_000 };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tractor-trionics-'));
let seq = 0;
const marker = () => path.join(tmp, `${++seq}.log`);

async function threeActors(an: tractor.ActorNursery): Promise<tractor.Portal[]> {
  return Promise.all(['a', 'b', 'c'].map((n) => an.startActor(n, { enableModules: [TRIONICS] })));
}

test('gatherContexts opens one context per portal at once; firsts in portal order; disposal cancels them all', T, async () => {
  const file = marker();
  await using an = await tractor.openNursery();
  const portals = await threeActors(an);
  {
    await using all = await tractor.trionics.gatherContexts(portals, ready, { fail: [], marker: file });
    assert.deepEqual(all.firsts, ['a', 'b', 'c']);
    assert.equal(all.contexts.length, 3);
    assert.deepEqual(markerLines(file), []);
  }
  assert.deepEqual(markerLines(file).sort(), ['a ended', 'b ended', 'c ended']);
});

test('gatherContexts is all or nothing: one open failing cancels those already open and raises its error', T, async () => {
  const file = marker();
  await using an = await tractor.openNursery();
  const portals = await threeActors(an);
  const err = await thrown(() => tractor.trionics.gatherContexts(portals, ready, { fail: ['b'], marker: file, delayMs: 0 }));
  assert.ok(err instanceof tractor.RemoteActorError && err.boxedType === RangeError, String(err));
  assert.match(err.message, /b refused/);
  await until(() => markerLines(file).length === 2, 'the contexts that opened to be cancelled');
  assert.deepEqual(markerLines(file).sort(), ['a ended', 'c ended']);
});

test('maybeOpenContext shares one resource among concurrent users and tears it down when the last leaves', T, async () => {
  const file = marker();
  await using an = await tractor.openNursery();
  const p = await an.startActor('cache', { enableModules: [TRIONICS] });
  const users = await Promise.all([300, 100, 200].map((holdMs) => p.run(useShared, { key: 'feed', holdMs, marker: file })));
  assert.deepEqual(users.map((u) => u.id), [1, 1, 1], 'one resource');
  assert.deepEqual(users.map((u) => u.cached).sort(), [false, true, true], 'created once, then shared');
  assert.deepEqual(markerLines(file), ['created 1', 'torn down 1'], 'torn down once, after the last user');
  const again = await p.run(useShared, { key: 'feed', holdMs: 0, marker: file });
  assert.deepEqual(again, { cached: false, id: 2 }, 'a new user after teardown creates a new one');
  const other = await Promise.all([p.run(useShared, { key: 'x', holdMs: 50, marker: file }), p.run(useShared, { key: 'y', holdMs: 50, marker: file })]);
  assert.notEqual(other[0].id, other[1].id, 'one resource per key');
});

test('maybeOpenContext: a failing factory fails every waiting user and is not cached', T, async () => {
  let calls = 0;
  const factory = async () => {
    calls++;
    await tractor.sleep(20);
    throw new RangeError('cannot open');
  };
  const results = await Promise.allSettled([tractor.trionics.maybeOpenContext('k', factory), tractor.trionics.maybeOpenContext('k', factory)]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  assert.equal(calls, 1);
  await assert.rejects(tractor.trionics.maybeOpenContext('k', factory), RangeError);
  assert.equal(calls, 2, 'not cached');
});
