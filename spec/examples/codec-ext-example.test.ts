// Runs examples/custom_types.ts as a user would and checks its output: a Map
// (started()), Orders holding a bigint id and a Map (parent -> child) and
// Receipts (child -> parent) cross a context stream as themselves, and the
// result is a Map keyed by bigint.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertExit, runExample, survivorsOf } from '../examples-helpers.ts';

test('custom_types: a Map, bigint ids and user classes cross a context stream as themselves', { timeout: 60_000 }, async () => {
  const r = await runExample('custom_types');
  const survivors = await survivorsOf(r.runId);
  for (const s of survivors) {
    try { process.kill(s.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  assertExit(r, 0);
  assert.deepEqual(survivors, [], 'processes of the example outlived it');
  assert.deepEqual(r.lines, [
    'prices: apple=3, pear=5 (a Map)',
    'order 9007199254740993: total 11 (a Receipt, id a bigint)',
    'order 9223372036854775815: total 20 (a Receipt, id a bigint)',
    'totals: 9007199254740993 -> 11, 9223372036854775815 -> 20 (a Map)',
  ]);
  assert.equal(r.stderr, '');
});
