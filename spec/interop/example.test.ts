// examples/python_peer.ts as a user runs it: without a Python daemon it says
// how to start one and exits 0; with a Python tractor daemon `pyd` (here the
// Python-dialect peer, serving what examples/python_peer/pyfuncs.py serves)
// registered at the registrar, it finds it and calls into it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { privateRegistry } from '../discovery-helpers.ts';
import { assertExit, runExample } from '../examples-helpers.ts';
import { startPythonPeer } from './peer-driver.ts';

const T = { timeout: 40_000 };

test('python_peer: with no Python daemon it says how to start one and exits 0', T, async () => {
  const reg = await privateRegistry();
  const r = await runExample('python_peer', { env: { TRACTOR_TS_REGISTRY_ADDRS: reg } });
  assertExit(r, 0);
  assert.equal(r.lines[0], `No Python tractor actor named 'pyd' is registered at ${reg}.`);
  assert.ok(r.lines.some((l) => l.includes('python examples/python_peer/pyfuncs.py')), r.stdout);
  assert.equal(r.stderr, '');
});

test('python_peer: finds the Python daemon pyd through its registrar and calls a function, a generator and a context', T, async () => {
  const reg = await privateRegistry();
  await using pyd = await startPythonPeer('pyd', reg);
  const r = await runExample('python_peer', { env: { TRACTOR_TS_REGISTRY_ADDRS: reg } });
  assertExit(r, 0);
  assert.deepEqual(r.lines, [
    `found pyd (pid ${pyd.proc.pid}) at ${reg}`,
    'pyfuncs.add(1, 2) = 3',
    'pyfuncs.ticks(3) yielded 0, 1, 2',
    'pyfuncs.echo started: started:from TypeScript',
    'echoed: "ping"',
    'echoed: {"bytes":[1,2]}',
    'pyfuncs.echo returned: echoed 2',
  ]);
  assert.equal(r.stderr, '');
  assert.deepEqual(await pyd.call('rejected'), []);
});
