// Custom types on the wire, at the codec: registered and built-in types
// round-trip through the same encoder and decoder the channels use (the Yield
// fast path included), bigints are msgpack integers where they fit, unknown
// extension codes stay opaque (re-encoded byte for byte) and mark their
// message, registerType refuses bad codes and duplicates, and the sender's
// check accepts registered types and still names the path of anything else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExtData } from '@msgpack/msgpack';
import { decodeBody, decodeYield, encodePldShared, encodeShared, yieldHead } from '../../lib/msg/codec.ts';
import { InvalidArgument } from '../../lib/errors.ts';
import { EXT_BIGINT, EXT_MAP, EXT_PROBLEM, EXT_SET, EXT_TYPED_ARRAY, registerType, reviveExt } from '../../lib/msg/ext.ts';
import { boxError, unboxError } from '../../lib/msg/box.ts';
import { assertSerializable } from '../../lib/msg/payload.ts';
import type { ErrorMsg } from '../../lib/msg/types.ts';
import * as built from '../../dist/internal.js';

const T = { timeout: 20_000 };

class Point {
  readonly x: number;
  readonly y: number;
  constructor(x: number, y: number) {
    this.x = x;
    this.y = y;
  }
}
class Point3 extends Point {}
class Ticket {
  readonly id: bigint;
  readonly tags: Set<string>;
  constructor(id: bigint, tags: Set<string>) {
    this.id = id;
    this.tags = tags;
  }
}
registerType({ code: 1, type: Point, encode: (p) => [p.x, p.y], decode: ([x, y]: number[]) => new Point(x!, y!) });
registerType({ code: 2, type: Ticket, encode: (t) => ({ id: t.id, tags: t.tags }), decode: (d: { id: bigint; tags: Set<string> }) => new Ticket(d.id, d.tags) });

const roundTrip = (v: unknown) => (decodeBody(Buffer.from(encodeShared({ msg_type: 'Return', cid: 'c', pld: v }))) as { pld: unknown }).pld;

test('Map, Set, typed arrays, Date and registered classes come back as themselves, nested in each other', T, () => {
  const value = {
    m: new Map<unknown, unknown>([['a', 1], [2, new Point(1, 2)], [new Point(0, 0), new Set([1, 'x'])]]),
    s: new Set([new Map([['k', [1, 2]]])]),
    f: new Float64Array([1.5, -2]),
    i: new Int32Array([1, -1, 2 ** 31 - 1]),
    u: new BigUint64Array([2n ** 64n - 1n]),
    d: new Date(1234567),
    b: new Uint8Array([9, 8]),
    t: new Ticket(2n ** 62n, new Set(['vip'])),
  };
  const back = roundTrip(value) as typeof value;
  assert.ok(back.m instanceof Map);
  assert.equal(back.m.get('a'), 1);
  assert.deepEqual(back.m.get(2), new Point(1, 2));
  assert.ok(back.m.get(2) instanceof Point);
  const [k, v] = [...back.m].at(-1)!;
  assert.ok(k instanceof Point && v instanceof Set && (v as Set<unknown>).has('x'));
  assert.ok(back.s instanceof Set && [...back.s][0] instanceof Map);
  assert.ok(back.f instanceof Float64Array && back.f[0] === 1.5 && back.f[1] === -2);
  assert.deepEqual([...back.i], [1, -1, 2 ** 31 - 1]);
  assert.equal(back.u[0], 2n ** 64n - 1n);
  assert.ok(back.d instanceof Date && back.d.getTime() === 1234567);
  assert.ok(back.b instanceof Uint8Array && !(back.b instanceof Float64Array));
  assert.ok(back.t instanceof Ticket && back.t.id === 2n ** 62n && back.t.tags.has('vip'));
  // A subclass of a registered class uses its base's codec (and comes back as the base).
  assert.ok(roundTrip(new Point3(1, 1)) instanceof Point);
});

test('stream messages carrying extension values take the Yield fast path and decode as the generic path does', T, () => {
  const pld = new Map<string, unknown>([['id', 2n ** 60n + 1n], ['at', new Point(3, 4)]]);
  const head = yieldHead('cid-1');
  const bytes = Buffer.concat([head, encodePldShared(pld)]);
  assert.deepEqual(bytes, Buffer.from(encodeShared({ msg_type: 'Yield', cid: 'cid-1', pld })));
  const fast = decodeYield(bytes, 0, bytes.length);
  assert.ok(fast, 'the fast path took it');
  assert.deepEqual(fast.pld, pld);
  assert.ok((fast.pld as Map<string, unknown>).get('at') instanceof Point);
});

test('a bigint that fits 64 bits is a plain msgpack int64/uint64; a bigger one is extension 125; decoding never rounds', T, () => {
  // uint64 (0xcf) and int64 (0xd3), as Python's msgspec writes and reads an int.
  assert.deepEqual([...encodePldShared(5n)], [0xcf, 0, 0, 0, 0, 0, 0, 0, 5]);
  assert.deepEqual([...encodePldShared(-(2n ** 63n))], [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]);
  // A safe integer comes back a number, anything larger an exact bigint.
  assert.equal(roundTrip(5n), 5);
  assert.equal(roundTrip(2n ** 53n + 1n), 2n ** 53n + 1n);
  assert.equal(roundTrip(-(2n ** 63n)), -(2n ** 63n));
  assert.equal(roundTrip(2n ** 64n - 1n), 2n ** 64n - 1n);
  // Plain numbers are as before: 2**40 is a uint64 on the wire and a number back.
  assert.deepEqual([...encodePldShared(2 ** 40)], [0xcf, 0, 0, 1, 0, 0, 0, 0, 0]);
  assert.equal(roundTrip(2 ** 40), 2 ** 40);
  assert.equal(roundTrip(-(2 ** 40)), -(2 ** 40));
  const huge = -(10n ** 30n);
  const bytes = encodePldShared(huge);
  assert.equal(bytes[0], 0xc7, 'ext 8');
  assert.equal((bytes[2]! << 24) >> 24, EXT_BIGINT);
  assert.equal(roundTrip(huge), huge);
  assert.equal((roundTrip({ big: 2n ** 100n }) as { big: bigint }).big, 2n ** 100n);
});

test('built-in codes are the documented ones and their payloads are plain msgpack (what a Python ext_hook decodes)', T, () => {
  const extOf = (v: unknown) => {
    const b = encodePldShared(v);
    // ext 8: c7 len type data; fixext: d4..d8 type data
    return b[0] === 0xc7 ? { type: (b[2]! << 24) >> 24, data: b.subarray(3) } : { type: (b[1]! << 24) >> 24, data: b.subarray(2) };
  };
  const m = extOf(new Map([[1, 'a']]));
  assert.equal(m.type, EXT_MAP);
  assert.deepEqual(decodeBody(Buffer.from(m.data)), [[1, 'a']]);
  const s = extOf(new Set(['x']));
  assert.equal(s.type, EXT_SET);
  assert.deepEqual(decodeBody(Buffer.from(s.data)), ['x']);
  const t = extOf(new Int16Array([1, -1]));
  assert.equal(t.type, EXT_TYPED_ARRAY);
  assert.deepEqual(decodeBody(Buffer.from(t.data)), ['Int16Array', new Uint8Array([1, 0, 0xff, 0xff])]);
});

test("an ExtData of the user's own @msgpack/msgpack crosses as the extension it is (the build bundles its own copy)", T, () => {
  const payload = encodePldShared(['data']);
  const mine = new ExtData(77, new Uint8Array(payload)); // not the class of the copy in dist/
  const frame = Buffer.from(built.encodeShared({ msg_type: 'Return', cid: 'c', pld: mine }));
  assert.deepEqual(frame.subarray(-payload.length - 3), Buffer.from([0xc7, payload.length, 77, ...payload]), 'ext 8, code 77, the payload');
  const back = (built.decodeBody(frame) as { pld: { type: number; data: Uint8Array } }).pld;
  assert.deepEqual([back.constructor.name, back.type, back.data], ['ExtData', 77, new Uint8Array(payload)]);
});

test('an unknown extension code decodes as an opaque value that re-encodes byte for byte, and marks its message', T, () => {
  // Code 77 is registered nowhere: as a peer that has a class for it would send it.
  const payload = encodePldShared(['data']);
  const foreign = new ExtData(77, new Uint8Array(payload));
  const frame = Buffer.from(encodeShared({ msg_type: 'Return', cid: 'c', pld: { v: foreign } }));
  const msg = decodeBody(frame) as { pld: { v: unknown }; [EXT_PROBLEM]?: string };
  assert.ok(msg.pld.v instanceof ExtData);
  assert.match(msg[EXT_PROBLEM]!, /extension code 77.*registerType\(\{ code: 77/);
  // Relayed as is: the same bytes go out again.
  assert.deepEqual(Buffer.from(encodeShared({ msg_type: 'Return', cid: 'c', pld: msg.pld })), frame);
  // The next message carries no stale mark.
  const clean = decodeBody(Buffer.from(encodeShared({ msg_type: 'Return', cid: 'c', pld: 1 }))) as Record<symbol, unknown>;
  assert.equal(clean[EXT_PROBLEM], undefined);
  // Known later (its module imported since), the opaque value decodes.
  class Late {
    readonly s: string;
    constructor(s: string) {
      this.s = s;
    }
  }
  registerType({ code: 77, type: Late, encode: (l) => [l.s], decode: ([s]: string[]) => new Late(s!) });
  const revived = reviveExt(msg.pld);
  assert.equal(revived.problem, undefined);
  assert.ok((revived.value as { v: unknown }).v instanceof Late);
});

test('a decode() that throws marks the message instead of breaking the frame', T, () => {
  class Fragile {}
  registerType({ code: 90, type: Fragile, encode: () => 1, decode: () => { throw new Error('bad data'); } });
  const msg = decodeBody(Buffer.from(encodeShared({ msg_type: 'Return', cid: 'c', pld: new Fragile() }))) as Record<symbol, string>;
  assert.match(msg[EXT_PROBLEM]!, /decode\(\) of extension code 90 \(Fragile\) failed: bad data/);
});

test('registerType refuses a bad code, a taken code, a registered class and a non-class with InvalidArgument', T, () => {
  class A {}
  const codec = { type: A, encode: () => 0, decode: () => new A() };
  for (const code of [-1, 128, 1.5, NaN]) {
    assert.throws(() => registerType({ ...codec, code }), (e: Error) => e instanceof InvalidArgument && (e as InvalidArgument).code === 'ERR_TRACTOR_INVALID_ARG' && /0 to 127/.test(e.message));
  }
  assert.throws(() => registerType({ ...codec, code: 1 }), (e: Error) => e instanceof InvalidArgument && /code 1 is already registered for Point/.test(e.message));
  assert.throws(() => registerType({ ...codec, code: EXT_MAP }), (e: Error) => e instanceof InvalidArgument && /already registered for Map/.test(e.message));
  assert.throws(() => registerType({ code: 50, type: Point, encode: () => 0, decode: () => new Point(0, 0) }), InvalidArgument);
  assert.throws(() => registerType({ code: 51, type: 'A' as never, encode: () => 0, decode: () => 0 }), InvalidArgument);
  assert.throws(() => registerType(null as never), InvalidArgument);
});

test('the sender accepts registered types and refuses anything else, naming its path even inside a Map', T, () => {
  assertSerializable({ a: new Map([[1, new Point(1, 2)]]), b: new Set([1n]), c: new Float32Array(2), d: 2n ** 80n }, 'x');
  class Unregistered {}
  assert.throws(() => assertSerializable({ a: [new Unregistered()] }, 'the arguments of', 'f'),
    (e: Error) => e instanceof TypeError && /the arguments of 'f'\.a\[0\] is a Unregistered instance.*registerType/.test(e.message));
  assert.throws(() => assertSerializable({ m: new Map([['k', () => 1]]) }, 'a stream message'),
    (e: Error) => /a stream message\.m\.get\("k"\) is a function/.test(e.message));
  assert.throws(() => assertSerializable(new Set([Symbol('s')]), 'v'), (e: Error) => /v\.values\(\)\[0\] is a symbol/.test(e.message));
});

test('a Map that holds itself is refused at the sender as a cycle, not a stack overflow', T, () => {
  const m = new Map<string, unknown>();
  m.set('self', m);
  assert.throws(() => assertSerializable({ m }, 'x'), (e: Error) => e instanceof TypeError && /nests deeper than 100 levels \(a cycle\?\)/.test(e.message));
});

test("a boxed error carries its data fields (a Node error's code included), leaves out what cannot cross, and unboxes them onto extra and cause", T, () => {
  const err = Object.assign(new RangeError('out of stock'), { code: 'E_STOCK', item: new Point(1, 2), socket: () => 0 });
  const msg = boxError(err, ['a', 'u-1'], 'c1');
  assert.deepEqual(Object.keys(msg.extra!), ['code', 'item']);
  const back = unboxError(decodeBody(Buffer.from(encodeShared(msg))) as ErrorMsg);
  assert.equal(back.extra.code, 'E_STOCK');
  assert.ok(back.extra.item instanceof Point);
  assert.ok(back.cause instanceof RangeError && (back.cause as unknown as { item: unknown }).item instanceof Point);
  // An error without data fields adds nothing to the message (the wire stays Python tractor's).
  assert.equal('extra' in boxError(new Error('plain'), ['a', 'u-1'], 'c2'), false);
  // Relayed again, the fields go along as they are.
  assert.deepEqual(boxError(back, ['b', 'u-2'], 'c1').extra, back.extra);
});
