// The registry dialect's boundary (lib/discovery/python.ts): addresses convert
// between tractor-ts strings and Python's tuples there and only there, and a
// Python get_registry() reply reads as registry entries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entriesOf, fromPyAddr, toPyAddr } from '../../lib/discovery/python.ts';
import { InvalidAddress, InvalidArgument } from '../../lib/errors.ts';
import { remoteFunction } from '../../lib/runtime/remote.ts';
import { moduleAliases } from '../../lib/runtime/resolve.ts';

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

test('a module alias must be a dotted name Python can address, and a stand-in needs a name: else an InvalidArgument', T, async () => {
  assert.deepEqual([...moduleAliases(['file:///x.ts', { 'svc.math': 'file:///m.ts', svc_2: '/abs/m.ts' }])], [
    ['svc.math', 'file:///m.ts'], ['svc_2', 'file:///abs/m.ts'],
  ]);
  for (const bad of [{ 'svc:math': 'file:///m.ts' }, { self: 'file:///m.ts' }, { '': 'file:///m.ts' }, { 'a..b': 'file:///m.ts' }, ['x']]) {
    assert.throws(() => moduleAliases([bad as never]), (e: unknown) => e instanceof InvalidArgument, JSON.stringify(bad));
  }
  assert.throws(() => remoteFunction('', 'f'), InvalidArgument);
  assert.throws(() => remoteFunction('ns', 'f', 'coroutine' as never), InvalidArgument);
  const ref = remoteFunction('pyfuncs', 'add');
  assert.deepEqual([ref.ns, ref.func, ref.kind], ['pyfuncs', 'add', 'asyncfunc']);
  await assert.rejects(() => (ref as unknown as () => Promise<unknown>)(), /stand-in for a remote function/);
});
