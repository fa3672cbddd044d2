// Custom types between real actors: registered types (and the built-in
// bigint, Map, Set, typed arrays) cross as arguments, results, started()
// values, stream messages both ways, broadcast fan-out and errors' fields,
// through a nested tree; an actor that does not know a type relays it opaque
// inside an error, and fails only the one dialog whose payload it cannot
// decode (with a MsgTypeError naming the code), serving on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { DetailedError, inspect, mapSource, specced, typedEcho, viaLeaf } from '../fixtures/ext.ts';
import { childOnlyStarted, childOnlyStream, childOnlyValue, echoAny, relayError } from '../fixtures/ext-relay.ts';
import { isSlow, Slow } from '../fixtures/ext-slow-types.ts';
import { Account, Point, POINT_CODE } from '../fixtures/ext-types.ts';

const EXT = new URL('../fixtures/ext.ts', import.meta.url).href;
const RELAY = new URL('../fixtures/ext-relay.ts', import.meta.url).href;
const SLOW_TYPES = new URL('../fixtures/ext-slow-types.ts', import.meta.url).href;
const T = { timeout: 60_000 };

const sample = () => ({
  p: new Point(3, 4),
  m: new Map<unknown, unknown>([['a', 1], [2, new Point(1, 1)]]),
  id: 2n ** 63n + 5n,
  small: 7n,
  s: new Set(['x', 'y']),
  f: new Float64Array([0.5, 1.5]),
  acct: new Account(-(2n ** 70n), new Map([['usd', 10]])),
  when: new Date(86_400_000),
});

function assertSample(v: ReturnType<typeof sample>): void {
  assert.ok(v.p instanceof Point && v.p.norm() === 5);
  assert.ok(v.m instanceof Map && v.m.get('a') === 1 && v.m.get(2) instanceof Point);
  assert.equal(v.id, 2n ** 63n + 5n);
  assert.equal(v.small, 7, 'a bigint that is a safe integer arrives as a number');
  assert.ok(v.s instanceof Set && v.s.has('y'));
  assert.ok(v.f instanceof Float64Array && v.f[1] === 1.5);
  assert.ok(v.acct instanceof Account && v.acct.id === -(2n ** 70n) && v.acct.balances.get('usd') === 10);
  assert.ok(v.when instanceof Date && v.when.getTime() === 86_400_000);
}

test('registered and built-in types cross as arguments and come back as results, in an actor that registers them at import', T, async () => {
  await using an = await tractor.openNursery();
  const portal = await an.startActor('typed', { enableModules: [EXT] });
  // The very first request: the child may still be importing the module that registers the types.
  const got = await portal.run(inspect, sample());
  assert.deepEqual(got.kinds, { p: 'Point', m: 'Map', id: 'bigint', small: 'number', s: 'Set', f: 'Float64Array', acct: 'Account', when: 'Date' });
  assert.equal(got.norm, 5);
  assertSample(got.back as ReturnType<typeof sample>);
});

test('started() values and stream messages carry registered types both ways, and every broadcast subscriber gets them', T, async () => {
  await using an = await tractor.openNursery();
  const portal = await an.startActor('typed', { enableModules: [EXT] });
  await using ctx = await portal.openContext(typedEcho, {});
  const first = ctx.first as Map<string, unknown>;
  assert.ok(first instanceof Map && first.get('ready') instanceof Point && first.get('id') === 2n ** 62n + 3n);
  {
    await using stream = await ctx.openStream();
    const subs = [stream.subscribe(), stream.subscribe()];
    const sent = [new Point(1, 2), new Map([[1n << 60n, 'big key']]), new Set([new Point(0, 1)]), new Int16Array([-3])];
    for (const v of sent) await stream.send(v);
    for (const sub of subs) {
      for (const v of sent) {
        const [kind, echoed, p] = (await sub.receive()) as [string, unknown, Point];
        assert.equal(kind, (v.constructor as { name: string }).name);
        assert.deepEqual(echoed, v);
        assert.ok(p instanceof Point);
      }
    }
  }
  const seen = await ctx.waitForResult();
  assert.ok(seen instanceof Set);
  assert.deepEqual([...seen].sort(), ['Int16Array', 'Map', 'Point', 'Set']);
});

test('Map values stream one way and arrive as Maps of Points', T, async () => {
  await using an = await tractor.openNursery();
  const portal = await an.startActor('typed', { enableModules: [EXT] });
  await using ctx = await portal.openContext(mapSource, { count: 200 });
  await using stream = await ctx.openStream();
  let i = 0;
  for await (const m of stream) {
    assert.ok(m instanceof Map && (m as Map<number, Point>).get(i) instanceof Point && (m as Map<number, Point>).get(i)!.y === -i);
    i++;
  }
  assert.equal(i, 200);
  assert.equal(await ctx.waitForResult(), 200);
});

test('through a nested tree: a mid actor that registers the types passes them down and the results up', T, async () => {
  await using an = await tractor.openNursery();
  const mid = await an.startActor('mid', { enableModules: [EXT] });
  const got = await mid.run(viaLeaf, sample());
  assert.equal(got.kinds.acct, 'Account');
  assertSample(got.back as ReturnType<typeof sample>);
});

test("an error's fields holding registered types arrive decoded, relayed opaque by a mid actor that has no class for them", T, async () => {
  await using an = await tractor.openNursery();
  const mid = await an.startActor('relay', { enableModules: [RELAY] });
  await assert.rejects(mid.run(relayError), (err: tractor.RemoteActorError) => {
    assert.equal(err.boxedType, DetailedError);
    assert.equal(err.relayPath.length, 2, 'leaf then mid');
    assert.ok(err.extra.detail instanceof Point && err.extra.detail.norm() === 5);
    const acct = err.extra.account as Account;
    assert.ok(acct instanceof Account && acct.id === 2n ** 64n + 1n && acct.balances.get('eur') === -5);
    const cause = err.cause as DetailedError;
    assert.ok(cause instanceof DetailedError && cause.detail instanceof Point);
    return true;
  });
});

test('arguments of a type the callee does not know fail that call with a MsgTypeError naming the code; the actor serves on', T, async () => {
  await using an = await tractor.openNursery();
  const portal = await an.startActor('plain', { enableModules: [RELAY] });
  await assert.rejects(portal.run(echoAny, { p: new Point(1, 2) }), (err: tractor.RemoteActorError) => {
    assert.equal(err.boxedType, tractor.MsgTypeError);
    assert.match(err.message, new RegExp(`extension code ${POINT_CODE}.*registerType\\(\\{ code: ${POINT_CODE}`));
    return true;
  });
  // Same channel, same actor: plain calls and known built-ins still work.
  assert.deepEqual(await portal.run(echoAny, { m: new Map([[1, 2]]) }), { m: new Map([[1, 2]]) });
});

test('a result or stream message of a type this actor does not know is a MsgTypeError for that dialog only', T, async () => {
  await using an = await tractor.openNursery();
  const portal = await an.startActor('plain', { enableModules: [RELAY] });
  await assert.rejects(portal.run(childOnlyValue), (err: Error) => {
    assert.ok(err instanceof tractor.MsgTypeError, `a local MsgTypeError, got ${err}`);
    assert.equal((err as tractor.MsgTypeError).code, 'ERR_TRACTOR_MSG_TYPE');
    assert.match(err.message, /Return from plain@.*extension code 30.*tractor\.msg\.registerType\(\{ code: 30/);
    return true;
  });
  {
    await using ctx = await portal.openContext(childOnlyStream, {});
    await using stream = await ctx.openStream();
    assert.equal(await stream.receive(), 1);
    await assert.rejects(stream.receive(), (err: Error) => err instanceof tractor.MsgTypeError && /Yield .*extension code 30/.test(err.message));
  }
  await assert.rejects(portal.openContext(childOnlyStarted, {}),
    (err: Error) => err instanceof tractor.MsgTypeError && /Started from plain@.*extension code 30/.test(err.message));
  assert.deepEqual(await portal.run(echoAny, { ok: true }), { ok: true });
});

test('the sender refuses a value of an unregistered class with its path, before anything is sent', T, async () => {
  class Unregistered {}
  await using an = await tractor.openNursery();
  const portal = await an.startActor('typed', { enableModules: [EXT] });
  await assert.rejects(portal.run(inspect, { deep: new Map([['k', [new Unregistered()]]]) }),
    (err: Error) => err instanceof TypeError && /the arguments of 'inspect'\.deep\.get\("k"\)\[0\] is a Unregistered instance/.test(err.message));
  await using ctx = await portal.openContext(typedEcho, {});
  await using stream = await ctx.openStream();
  await assert.rejects(stream.send({ x: new Unregistered() }), (err: Error) => err instanceof TypeError && /a stream message\.x is a Unregistered/.test(err.message));
  await stream.send(new Point(1, 1));
  assert.ok(((await stream.receive()) as unknown[])[1] instanceof Point);
});

class RootOnly {
  readonly v: number;
  constructor(v: number) {
    this.v = v;
  }
}
tractor.msg.registerType({ code: 40, type: RootOnly, encode: (r) => r.v, decode: (v) => new RootOnly(v) });

test('a stream message the child cannot decode fails its context task with a MsgTypeError the parent receives; the actor serves on', T, async () => {
  await using an = await tractor.openNursery();
  const portal = await an.startActor('typed', { enableModules: [EXT] });
  {
    await using ctx = await portal.openContext(typedEcho, {});
    await using stream = await ctx.openStream();
    await stream.send(new Point(1, 0));
    assert.ok(((await stream.receive()) as unknown[])[1] instanceof Point);
    await stream.send(new RootOnly(1));
    await assert.rejects(stream.receive(), (err: tractor.RemoteActorError) => {
      assert.equal(err.boxedType, tractor.MsgTypeError);
      assert.match(err.message, /Yield from root@.*extension code 40/);
      return true;
    });
  }
  assert.equal((await portal.run(inspect, { p: new Point(0, 2) })).norm, 2);
});

test('a pldSpec sees registered and built-in values themselves: Maps and Points pass it, a plain object breaks it at the sender', T, async () => {
  await using an = await tractor.openNursery();
  const portal = await an.startActor('typed', { enableModules: [EXT] });
  await using ctx = await portal.openContext(specced, {});
  assert.ok(ctx.first instanceof Map);
  {
    await using stream = await ctx.openStream();
    await stream.send(new Point(1, 2));
    assert.ok((await stream.receive()) instanceof Point);
    await stream.send(new Map([[1, 1]]));
    assert.ok((await stream.receive()) instanceof Map);
    await assert.rejects(stream.send({ x: 1 }), (err: Error) => err instanceof tractor.MsgTypeError && /expected a Map or a Point, got Object/.test(err.message));
  }
  assert.ok((await ctx.waitForResult()) instanceof Point);
});

test('a request that arrives while the child is still importing the module registering its types is decoded once that module is imported', T, async () => {
  await using an = await tractor.openNursery();
  // ext-slow-types.ts takes a second to register Slow; the call goes out at once, and is decoded before that.
  const portal = await an.startActor('slow', { enableModules: [RELAY, SLOW_TYPES] });
  assert.equal(await portal.run(isSlow, { s: new Slow('early') }), true);
  const got = await portal.run(echoAny, { s: new Slow('later') });
  assert.ok(got.s instanceof Slow && got.s.v === 'later');
});
