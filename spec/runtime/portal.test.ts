// Portal: one-shot RPC, results, cancelling an actor, and the errors of bad calls (real processes).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { echo } from '../fixtures/basic.ts';
import { add, CORE, sleepForever, whoami } from '../fixtures/core.ts';
import { actorProcesses, isAlive, waitDead } from '../helpers.ts';

const T = { timeout: 15_000 };
const BASIC = new URL('../fixtures/basic.ts', import.meta.url).href;

// Not exported: no actor can address it.
async function notExported(args: { x: number }): Promise<number> {
  return args.x;
}

test('portal.run round-trips every msgpack type unchanged', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [BASIC] });
  const p = await an.startActor('echo');
  const values: unknown[] = [
    null, true, false, 0, -1, 255, 65_536, -2_147_483_649, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER,
    1.5, -0.25, 1e300, '', 'hello', 'ünïcødé ✓', 'x'.repeat(100_000),
    [], [1, 'two', null, [3]], {}, { a: 1, nested: { b: [true, { c: 'd' }] } },
    new Uint8Array([0, 1, 254, 255]), new Date('2024-02-29T12:34:56.789Z'),
  ];
  for (const value of values) {
    assert.deepEqual(await p.run(echo, { value }), value, `round trip of ${String(value).slice(0, 40)}`);
  }
  // undefined inside a map is dropped (msgpack has no undefined); at top level it arrives as null.
  assert.deepEqual(await p.run(echo, { value: { a: 1, b: undefined } }), { a: 1 });
});

test('waitForResult is idempotent: it returns the same value every time', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const p = await an.runInActor(whoami);
  const first = await p.waitForResult();
  const second = await p.waitForResult();
  assert.equal(second, first, 'the very same (cached) value');
  assert.equal(first.name, 'whoami');
});

test('waitForResult of a daemon actor returns NoResult', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const p = await an.startActor('daemon');
  assert.equal(await p.waitForResult(), tractor.NoResult);
});

test('cancelActor returns true and the actor process exits', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const p = await an.startActor('doomed');
  const pid = p.chan.aid!.pid;
  const pending = assert.rejects(p.run(sleepForever), 'a call in flight fails when its actor is cancelled');
  assert.equal(await p.cancelActor(), true);
  assert.deepEqual(await waitDead([pid], 2000), []);
  await pending;
  assert.equal(await p.cancelActor(), false, 'an actor that is gone cannot acknowledge');
});

test('runFromNs calls a function by module id and export name', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [BASIC, CORE] });
  const p = await an.startActor('ns');
  assert.deepEqual(await p.runFromNs(BASIC, 'echo', { value: [1, 2] }), [1, 2]);
  assert.equal(await p.runFromNs(CORE, 'add', { a: 20, b: 22 }), 42);
});

test('an unexported function is a local TypeError saying what to export, and nothing is spawned', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const before = actorProcesses().length;
  await assert.rejects(an.runInActor(notExported, { x: 1 }), (err: unknown) => {
    assert.ok(err instanceof TypeError);
    assert.match(err.message, /notExported/);
    assert.match(err.message, /export/i);
    assert.match(err.message, /enableModules/);
    return true;
  });
  assert.equal(actorProcesses().length, before, 'no actor was spawned');
  const p = await an.startActor('target');
  await assert.rejects(p.run(notExported, { x: 1 }), TypeError);
  await assert.rejects(p.run((async () => 1) as never, {} as never), TypeError);
  assert.equal(await p.run(add, { a: 1, b: 1 }), 2, 'the actor is unaffected');
});

test('unserializable arguments are a TypeError at the sender naming the offending path', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [BASIC] });
  const before = actorProcesses().length;
  class Point { x: number; constructor(x = 1) { this.x = x; } }
  const bad: [string, unknown, RegExp][] = [
    ['function', { deep: [() => 1] }, /\.value\.deep\[0\] is a function/],
    // Map and bigint cross (built-in extension types); what is inside a Map is checked in turn.
    ['function in a Map', new Map([[1, () => 2]]), /\.value\.get\(1\) is a function/],
    ['class instance', { p: new Point() }, /\.value\.p is a Point instance/],
  ];
  for (const [what, value, re] of bad) {
    await assert.rejects(an.runInActor(echo, { value }), (err: unknown) => {
      assert.ok(err instanceof TypeError, `${what}: ${err}`);
      assert.match(err.message, re);
      return true;
    });
  }
  assert.equal(actorProcesses().length, before, 'nothing spawned for a call that cannot be sent');
  const p = await an.startActor('echo');
  for (const [what, value, re] of bad) {
    await assert.rejects(p.run(echo, { value }), (err: unknown) => err instanceof TypeError && re.test(err.message), what);
  }
  assert.equal(await p.run(echo, { value: 'still fine' }), 'still fine');
});

test('a call into a module the callee did not enable fails with ModuleNotExposed, relayed', T, async () => {
  // The root enables CORE (so it can resolve `add`); the child enables only BASIC.
  await using root = await tractor.openRoot({ enableModules: [CORE] });
  await using an = await tractor.openNursery();
  const p = await an.startActor('basic-only', { enableModules: [BASIC] });
  for (const call of [() => p.run(add, { a: 1, b: 2 }), () => p.runFromNs(CORE, 'add', { a: 1, b: 2 })]) {
    await assert.rejects(call(), (err: unknown) => {
      assert.ok(err instanceof tractor.RemoteActorError);
      assert.equal(err.boxedType, tractor.ModuleNotExposed);
      assert.equal(err.boxedTypeName, 'ModuleNotExposed');
      assert.deepEqual(err.srcUid, [p.chan.aid!.name, p.chan.aid!.uuid]);
      assert.match(err.message, /enableModules/);
      return true;
    });
  }
  assert.deepEqual(await p.run(echo, { value: 1 }), 1, 'the actor keeps serving');
  assert.ok(isAlive(p.chan.aid!.pid));
});
