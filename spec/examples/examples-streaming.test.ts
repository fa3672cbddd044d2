// Runs the streaming examples under examples/ as a user would (`npx tsx
// examples/NAME.ts` on Node 20, `node examples/NAME.ts` on Node 24, from the repo root) and checks their exit code, their
// output, and that no process of the example's actor tree outlives it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertExit, assertInOrder, type RunResult, runExample, survivorsOf } from '../examples-helpers.ts';

const TIMEOUT = { timeout: 30_000 };

/** Exit code `code`, and no process of the tree left running (survivors are killed). */
async function assertClean(r: RunResult, code = 0): Promise<void> {
  const survivors = await survivorsOf(r.runId);
  for (const s of survivors) {
    try { process.kill(s.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  assertExit(r, code);
  assert.deepEqual(survivors, [], 'processes of the example outlived it');
}

test('rpc_bidir_streaming: parent and child ping-pong ten times over one context stream, then the child returns its count', TIMEOUT, async () => {
  const r = await runExample('rpc_bidir_streaming');
  await assertClean(r);
  assert.deepEqual(r.lines, [
    'rpc_server started with 11',
    ...Array.from({ length: 10 }, (_, i) => `root: got pong #${i + 1}`),
    'rpc_server answered 10 pings',
  ]);
  assert.equal(r.stderr, '');
});

test('nested_actor_tree: a mid-tier context endpoint spawns its own leaf actors, fans work out to them and returns the aggregate', TIMEOUT, async () => {
  const r = await runExample('nested_actor_tree');
  await assertClean(r);
  // Lines of different processes interleave as the OS schedules them: only the root's own order is asserted.
  assert.ok(r.lines.includes('root: supervisor spawned ["leaf_1","leaf_2"]'), r.stdout);
  // round-robin over the leaves, each leaf a process of its own (not the root)
  const leafPids = new Map<string, Set<number>>();
  const squared = new Map<number, string>();
  for (const line of r.lines) {
    const m = /^(leaf_\d): squaring (\d+) \(pid (\d+)\)$/.exec(line);
    if (!m) continue;
    squared.set(Number(m[2]), m[1]!);
    if (!leafPids.has(m[1]!)) leafPids.set(m[1]!, new Set());
    leafPids.get(m[1]!)!.add(Number(m[3]));
  }
  assert.deepEqual([...squared.entries()].sort((a, b) => a[0] - b[0]), [[1, 'leaf_1'], [2, 'leaf_2'], [3, 'leaf_1'], [4, 'leaf_2']], r.stdout);
  const pids = [...leafPids.values()].map((s) => [...s]);
  assert.ok(pids.every((p) => p.length === 1), `each leaf is one process: ${r.stdout}`);
  assert.notEqual(pids[0]![0], pids[1]![0]);
  assert.ok(!pids.flat().includes(r.pid));
  // inside-out teardown: the supervisor cancels its leaves before the root gets the result and cancels it
  assertInOrder(r.lines, [
    'supervisor: cancelling leaf_1',
    'supervisor: cancelling leaf_2',
    'root: aggregate result [1,4,9,16]',
    'root: cancelling supervisor',
    'root: tree torn down, what zombies?',
  ], r.stdout);
  assert.equal(r.lines.at(-1), 'root: tree torn down, what zombies?');
  assert.equal(r.stderr, '');
});

test('asynchronous_generators: a remote async generator is iterated with for-await, and break cancels it (its finally runs first)', TIMEOUT, async () => {
  const r = await runExample('asynchronous_generators');
  await assertClean(r);
  const bubbles = r.lines.filter((l) => l === 'I can see these little future bubble things');
  assert.equal(bubbles.length, 51, r.stdout);
  assert.deepEqual(r.lines.slice(0, 51), bubbles, 'the 51 streamed values come first');
  assert.equal(r.lines.length, 53, r.stdout);
  // the remote generator was cancelled (not exhausted) before the root's block ended
  assert.match(r.lines[51]!, /^donny: generator cancelled after \d+ values$/);
  assert.equal(r.lines[52], 'stream terminated');
  assert.equal(r.stderr, '');
});

test('full_fledged_streaming_service: two streamer actors fan into an aggregator actor, which re-yields one deduplicated stream to the root', TIMEOUT, async () => {
  const r = await runExample('full_fledged_streaming_service');
  await assertClean(r);
  const finished = r.lines.filter((l) => l.startsWith('FINISHED ITERATING streamer_')).sort();
  assert.deepEqual(finished, ['FINISHED ITERATING streamer_1', 'FINISHED ITERATING streamer_2'], r.stdout);
  assertInOrder(r.lines, [
    'FINISHED ITERATING in aggregator',
    'WAITING on the actor nursery to finish',
    'AGGREGATOR COMPLETE!',
  ], r.stdout);
  assert.ok(r.lines.indexOf('FINISHED ITERATING in aggregator') > r.lines.indexOf(finished[1]!));
  assert.match(r.stdout, /^STREAM TIME = \d+\.\d+s$/m);
  assert.match(r.stdout, /^STREAM \+ SPAWN TIME = \d+\.\d+s$/m);
  assert.equal(r.lines.at(-1), 'root received 1000 unique values in order: 0..999');
  assert.equal(r.stderr, '');
});

test('streaming_broadcast_fan_out: every subscriber of one stream receives its own full copy of every message', TIMEOUT, async () => {
  const r = await runExample('streaming_broadcast_fan_out');
  await assertClean(r);
  for (let s = 0; s < 3; s++) {
    const mine = r.lines.filter((l) => l.startsWith(`sub_${s}: `));
    assert.deepEqual(mine, [
      ...[0, 1, 2, 3, 4].map((i) => `sub_${s}: rx ${i}`),
      `sub_${s}: stream ended, got [0,1,2,3,4]`,
    ], r.stdout);
  }
  assert.equal(r.lines.length, 3 * 6 + 1, r.stdout);
  assert.equal(r.lines.at(-1), '3 subscribers each received all 5 ticks from one stream');
  assert.equal(r.stderr, '');
});

test('multiple_streams_one_portal: concurrent one-way streams and two-way contexts over one portal never mix their messages', TIMEOUT, async () => {
  const r = await runExample('multiple_streams_one_portal');
  await assertClean(r);
  assert.deepEqual(r.lines, [
    '2 concurrent one-way streams over one portal: every value arrived exactly twice',
    'context a got its own replies: a:1 a:2 a:3 a:4 a:5',
    'context b got its own replies: b:10 b:20 b:30 b:40 b:50',
    'context c got its own replies: c:100 c:200 c:300 c:400 c:500',
  ]);
  // loglevel 'info' reaches the child: both remote generators logged their start (on stderr)
  assert.equal(r.stderr.match(/tractor:stream_boi:multiportal INFO Starting stream task/g)?.length, 2, r.stderr);
});
