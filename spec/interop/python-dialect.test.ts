// The registry dialect's boundary (lib/discovery/python.ts): addresses convert
// between tractor-ts strings and Python's tuples there and only there, and a
// Python get_registry() reply reads as registry entries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entriesOf, fromPyAddr, toPyAddr } from '../../lib/discovery/python.ts';
import { InvalidAddress } from '../../lib/errors.ts';

const T = { timeout: 10_000 };

test('addresses convert both ways: tcp://h:p <-> [h, p], uds:///dir/file <-> [dir, file]', T, () => {
  assert.deepEqual(toPyAddr('tcp://127.0.0.1:1616'), ['127.0.0.1', 1616]);
  assert.deepEqual(toPyAddr('tcp://[::1]:80'), ['::1', 80]);
  assert.deepEqual(toPyAddr('uds:///run/user/1000/tractor/registry@1616.sock'), ['/run/user/1000/tractor', 'registry@1616.sock']);
  for (const a of ['tcp://127.0.0.1:1616', 'tcp://[::1]:80', 'uds:///tmp/x/a.sock']) assert.equal(fromPyAddr(toPyAddr(a)), a);
  assert.equal(fromPyAddr(['127.0.0.1', 40001]), 'tcp://127.0.0.1:40001');
  assert.equal(fromPyAddr(['/tmp/d', 'f.sock']), 'uds:///tmp/d/f.sock');
});

test('a malformed Python address is an InvalidAddress, never a crash deeper in discovery', T, () => {
  for (const bad of [null, 'tcp://x:1', ['h'], ['h', 1.5], [1, 2], ['relative/dir', 'f.sock'], {}]) {
    assert.throws(() => fromPyAddr(bad), (e: unknown) => e instanceof InvalidAddress && e.code === 'ERR_TRACTOR_INVALID_ADDRESS', JSON.stringify(bad));
  }
});

test("a Python get_registry() reply reads as entries, registration order, uuid from the 'name.uuid' key", T, () => {
  assert.deepEqual(entriesOf({ 'pyd.6f1c2e1a-0000-4000-8000-000000000001': [['127.0.0.1', 1616]], 'a.b.c': [['/tmp', 's.sock']], junk: 1 }), [
    { name: 'pyd', uuid: '6f1c2e1a-0000-4000-8000-000000000001', pid: 0, addrs: ['tcp://127.0.0.1:1616'] },
    { name: 'a.b', uuid: 'c', pid: 0, addrs: ['uds:///tmp/s.sock'] },
  ]);
  assert.deepEqual(entriesOf(null), []);
  assert.deepEqual(entriesOf([]), []);
});
