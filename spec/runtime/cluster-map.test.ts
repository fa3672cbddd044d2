// cluster.run (least busy actor) and cluster.map (bounded concurrency,
// ordered or not, early stop cancels what is in flight), on real actors.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { POOL, whichPid, work } from '../fixtures/pool.ts';
import { markerLines, thrown, until } from '../helpers.ts';

const T = { timeout: 40_000 };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tractor-pool-'));
let seq = 0;
const marker = () => path.join(tmp, `${++seq}.log`);

/** The most items running at once, from a marker's +i / -i / xi lines. */
function maxRunning(lines: string[]): number {
  let now = 0;
  let max = 0;
  for (const l of lines) {
    now += l.startsWith('+') ? 1 : -1;
    max = Math.max(max, now);
  }
  return max;
}

test('cluster.map yields results in input order by default, spread over every actor', T, async () => {
  const file = marker();
  await using cluster = await tractor.openActorCluster({ modules: [POOL], count: 2 });
  const items = [5, 4, 3, 2, 1, 0].map((k, i) => ({ i, ms: k * 40, marker: file }));
  const out: { i: number; pid: number }[] = [];
  for await (const r of cluster.map(work, items)) out.push(r);
  assert.deepEqual(out.map((r) => r.i), [0, 1, 2, 3, 4, 5]);
  assert.equal(new Set(out.map((r) => r.pid)).size, 2, 'both actors worked');
});

test('cluster.map with ordered: false yields each result as it comes', T, async () => {
  const file = marker();
  await using cluster = await tractor.openActorCluster({ modules: [POOL], count: 2 });
  const [release0, release2] = [marker(), marker()];
  // completion order 1, 2, 0, set by the test itself: item 2 ends once 1 arrived, item 0 once 2 arrived
  const items = [{ i: 0, until: release0 }, { i: 1 }, { i: 2, until: release2 }].map((it) => ({ ms: 10, marker: file, ...it }));
  const out: number[] = [];
  for await (const r of cluster.map(work, items, { ordered: false, concurrency: 3 })) {
    out.push(r.i);
    if (r.i === 1) writeFileSync(release2, '');
    if (r.i === 2) writeFileSync(release0, '');
  }
  assert.deepEqual(out, [1, 2, 0]);
});

test('cluster.map keeps at most `concurrency` calls in flight (default 2 per actor) and takes items lazily', T, async () => {
  const file = marker();
  await using cluster = await tractor.openActorCluster({ modules: [POOL], count: 2 });
  let pulled = 0;
  async function* items() {
    for (let i = 0; i < 12; i++) {
      pulled++;
      yield { i, ms: 200, marker: file };
    }
  }
  let seenAhead = 0;
  let n = 0;
  for await (const _ of cluster.map(work, items(), { concurrency: 3 })) {
    seenAhead = Math.max(seenAhead, pulled - ++n);
  }
  assert.equal(n, 12);
  assert.equal(maxRunning(markerLines(file)), 3);
  assert.ok(seenAhead <= 3, `items pulled ahead of the consumer: ${seenAhead}`);
  const file2 = marker();
  let m = 0;
  for await (const _ of cluster.map(work, Array.from({ length: 8 }, (_, i) => ({ i, ms: 300, marker: file2 })))) m++;
  assert.equal(m, 8);
  assert.equal(maxRunning(markerLines(file2)), 4, 'default: 2 per actor');
});

test('stopping a cluster.map early cancels the calls still in flight and starts no more', T, async () => {
  const file = marker();
  await using cluster = await tractor.openActorCluster({ modules: [POOL], count: 2 });
  const items = Array.from({ length: 20 }, (_, i) => ({ i, ms: i === 0 ? 10 : 5_000, marker: file }));
  for await (const r of cluster.map(work, items, { concurrency: 4 })) {
    assert.equal(r.i, 0);
    break;
  }
  await until(() => markerLines(file).filter((l) => l.startsWith('x')).length === 3, 'the 3 calls in flight to be cancelled');
  await tractor.sleep(200);
  const lines = markerLines(file);
  assert.equal(lines.filter((l) => l.startsWith('+')).length, 4, `no call started after the stop: ${lines}`);
  assert.equal(typeof await cluster.run(whichPid), 'number', 'the actors serve on');
});

test('an item failing in cluster.map raises its error and cancels the rest in flight', T, async () => {
  const file = marker();
  await using cluster = await tractor.openActorCluster({ modules: [POOL], count: 2 });
  const items = Array.from({ length: 6 }, (_, i) => ({ i, ms: i === 1 ? 50 : 5_000, marker: file, fail: i === 1 }));
  const err = await thrown(async () => {
    for await (const _ of cluster.map(work, items, { concurrency: 3 }));
  });
  assert.ok(err instanceof tractor.RemoteActorError && err.boxedType === RangeError, String(err));
  await until(() => markerLines(file).filter((l) => l.startsWith('x')).length === 2, 'the other calls to be cancelled');
});

test('cluster.run calls the least busy actor', T, async () => {
  const file = marker();
  await using cluster = await tractor.openActorCluster({ modules: [POOL], count: 2 });
  const busy = cluster.run(work, { i: 0, ms: 1_000, marker: file });
  await until(() => markerLines(file).length === 1, 'the long call to start');
  const [pidA, pidB] = [...cluster.portals.values()].map((p) => p.chan.aid!.pid);
  const free = await cluster.run(whichPid);
  const long = await busy;
  assert.notEqual(free, long.pid, 'not the busy one');
  assert.deepEqual([free, long.pid].sort(), [pidA, pidB].sort());
  await assert.rejects(async () => {
    for await (const _ of cluster.map(work, [], { concurrency: 0 }));
  }, TypeError);
});
