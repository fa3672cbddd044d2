// The examples of infected Promise actors and local structured concurrency,
// run as a user would; each checks output, exit code, and that nothing of
// the example's tree outlives it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertExit, assertInOrder, runExample, survivorsOf } from '../examples-helpers.ts';

const T = { timeout: 60_000 };

test('infected_promise_echo_server: a legacy Promise echo server in an infected actor echoes 100 messages in order', T, async () => {
  const r = await runExample('infected_promise_echo_server');
  assertExit(r, 0);
  assertInOrder(r.lines, ['echo server started: "start"', 'echoed 100 messages through the legacy server, in order'], r.stdout);
  assert.match(r.stdout, /mean round trip: \d+\.\d{3} ms\necho server cancelled; actor torn down\n$/);
  assert.equal(r.stderr, '');
  assert.deepEqual(await survivorsOf(r.runId), []);
});

test('wrap_legacy_client: quotes stream from a wrapped callback/EventEmitter client; cancelling mid-stream stops it; its error event reaches the parent boxed', T, async () => {
  const r = await runExample('wrap_legacy_client');
  assertExit(r, 0);
  assertInOrder(r.lines, [
    'feed open: connected to quotes.example (session-demo)',
    'ACME 100', 'ACME 101', 'ACME 102',
    'cancelled mid-stream; legacy connections still open: 0',
    'BOOM 100', 'BOOM 101',
    "the client's 'error' reached the parent boxed: ConnectionResetError (boxedType is the class itself)",
    'legacy connections still open: 0',
  ], r.stdout);
  assert.match(r.stdout, /ConnectionResetError in actor quotes@\w+: quote feed for BOOM reset by peer/);
  assert.ok(!r.lines.includes('ACME 103'), 'nothing streamed after the cancel');
  assert.equal(r.stderr, '');
  assert.deepEqual(await survivorsOf(r.runId), []);
});

test('task_nursery: one local task fails, its sibling is cancelled, the parent gets the error boxed', T, async () => {
  const r = await runExample('task_nursery');
  assertExit(r, 0);
  // The child's own line and the parent's lines come from two processes: only each one's order is fixed.
  assert.equal(r.lines.length, 6, r.stdout);
  assertInOrder(r.lines, ['child says: feeding', 'pumped chunk 0', 'pumped chunk 1', 'pumped chunk 2',
    'parent got: RangeError from zlib_service: feeder: chunk 3 is corrupt'], r.stdout);
  assertInOrder(r.lines, ['[child] pump cancelled because: feeder: chunk 3 is corrupt',
    'parent got: RangeError from zlib_service: feeder: chunk 3 is corrupt'], r.stdout);
  assert.equal(r.stderr, '');
  assert.deepEqual(await survivorsOf(r.runId), []);
});

test('parallel_map: cluster.map over a directory with a progress line, the same results as one process, and both wall times', T, async () => {
  const r = await runExample('parallel_map', { ms: 55_000 });
  assertExit(r, 0);
  assertInOrder(r.lines, ['files: 40 in a sample directory', 'progress: 10/40', 'progress: 20/40', 'progress: 30/40', 'progress: 40/40',
    'same results as one process: true'], r.stdout);
  assert.match(r.stdout, /cluster\.map over 4 actors: \d+ ms; one process: \d+ ms; speed-up \d+\.\d\dx on \d+ cores/);
  assert.equal(r.stderr, '');
  assert.deepEqual(await survivorsOf(r.runId), []);
});
