// Python tractor's wire, byte for byte: every message of
// shared/interop/wire-vectors.json (as Python tractor 3690e43 + msgspec encode
// them) decodes to its `decoded` form, passes tractor-ts's message checks, and
// the same message encodes to the same bytes and frame. The messages
// tractor-ts builds itself (Aid, Error) carry Python's fields in Python's order.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeBody, encodeShared } from '../../lib/msg/codec.ts';
import { FrameReader } from '../../lib/ipc/framing.ts';
import { aidMsg } from '../../lib/ipc/channel.ts';
import { ContextCancelled, RemoteActorError } from '../../lib/errors.ts';
import { boxError, unboxError } from '../../lib/msg/box.ts';
import { validateMsg } from '../../lib/msg/validate.ts';
import type { ErrorMsg } from '../../lib/msg/types.ts';

const T = { timeout: 20_000 };
/** A copy of shared/interop/wire-vectors.json, kept beside this test so the suite needs nothing outside the repo. */
const VECTORS = new URL('./wire-vectors.json', import.meta.url);

interface Vector { decoded: unknown; body_hex: string; frame_hex: string }
const file = JSON.parse(readFileSync(VECTORS, 'utf8')) as {
  messages: Record<string, Vector>;
  rejected: Record<string, { body_hex: string; python_decoder: string }>;
};

/** JSON stands in `{"$bytes_hex": "0001"}` for msgpack bin: make it the Uint8Array the decoder yields. */
function revive(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Object.keys(o).length === 1 && typeof o.$bytes_hex === 'string') return new Uint8Array(Buffer.from(o.$bytes_hex, 'hex'));
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, revive(x)]));
  }
  return v;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('the vector file holds every message kind of the Python wire', T, () => {
  const kinds = new Set(Object.values(file.messages).map((v) => (v.decoded as { msg_type: string }).msg_type));
  for (const k of ['Aid', 'Start', 'StartAck', 'Started', 'Yield', 'Stop', 'Return', 'CancelAck', 'Error']) assert.ok(kinds.has(k), k);
  assert.ok(Object.keys(file.messages).length >= 22);
});

for (const [name, v] of Object.entries(file.messages)) {
  test(`vector ${name}: decodes to its decoded form, is a valid message, and encodes to the same bytes`, T, () => {
    const body = Buffer.from(v.body_hex, 'hex');
    const want = revive(v.decoded);
    const got = decodeBody(body);
    assert.deepEqual(got, want);
    assert.deepEqual(Object.keys(got as object), Object.keys(want as object), 'field order');
    validateMsg(got);
    assert.equal(hex(encodeShared(got)), v.body_hex, 're-encoding the decoded message');
    assert.equal(hex(encodeShared(want)), v.body_hex, 'encoding the message built from its decoded form');
    const frame = Buffer.concat([Buffer.alloc(4), body]);
    frame.writeUInt32LE(body.length, 0);
    assert.equal(frame.toString('hex'), v.frame_hex, 'the frame is a 4-byte little-endian length, then the body');
    const bodies: string[] = [];
    new FrameReader().push(Buffer.from(v.frame_hex, 'hex'), (b, s, e) => bodies.push(b.subarray(s, e).toString('hex')));
    assert.deepEqual(bodies, [v.body_hex]);
  });
}

test('the Aid tractor-ts sends is Python\'s Aid, field for field, plus one tractor_ts field at the end', T, () => {
  const py = revive(file.messages['Aid.registrar']!.decoded) as { name: string; uuid: string; pid: number };
  const ours = aidMsg({ name: py.name, uuid: py.uuid, pid: py.pid, isRegistrar: true }) as unknown as Record<string, unknown>;
  assert.deepEqual(Object.keys(ours), [...Object.keys(py), 'tractor_ts']);
  const { tractor_ts: announce, ...rest } = ours;
  assert.ok(announce, 'tractor-ts announces itself');
  assert.equal(hex(encodeShared(rest)), file.messages['Aid.registrar']!.body_hex);
  const plain = aidMsg({ name: py.name, uuid: py.uuid, pid: py.pid });
  assert.equal(plain.is_registrar, false, 'a non-registrar says so: Python counts a missing is_registrar as a registrar');
  assert.equal(plain.is_probe, false);
});

test('the Error tractor-ts sends has Python\'s fields in Python\'s order, _bad_msg ones included', T, () => {
  const py = file.messages['Error.ValueError']!.decoded as Record<string, unknown>;
  const ours = boxError(new RangeError('boom'), ['tsd', 'u-1'], 'cid-1');
  assert.deepEqual(Object.keys(ours), Object.keys(py));
  const cc = boxError(new RangeError('x'), ['tsd', 'u-1'], 'cid-1', ['root', 'u-2']);
  assert.deepEqual(Object.keys(cc), Object.keys(py));
  assert.equal(cc.boxed_type_str, 'ContextCancelled');
});

test('a Python Error with an empty message shows the last line of its traceback', T, () => {
  const err = unboxError(revive(file.messages['Error.ValueError']!.decoded) as ErrorMsg);
  assert.ok(err instanceof RemoteActorError);
  assert.equal(err.boxedTypeName, 'ValueError');
  assert.equal(err.remoteMessage, 'boom');
  assert.match(err.message, /^ValueError in actor pyd@6f1c2e1a: boom$/);
  assert.match(err.remoteStack, /Traceback \(most recent call last\)/);
  const nullMessage = unboxError({ ...(revive(file.messages['Error.ValueError']!.decoded) as ErrorMsg), message: null });
  assert.equal(nullMessage.remoteMessage, 'boom', 'message: null (Python types it str|None) too');
  validateMsg({ ...(file.messages['Error.ValueError']!.decoded as object), message: null });
  const qualified = unboxError({ ...(revive(file.messages['Error.ValueError']!.decoded) as ErrorMsg), src_type_str: 'MyError', tb_str: 'Traceback...\npkg.mod.MyError: it broke\n' });
  assert.equal(qualified.remoteMessage, 'it broke');
});

test('a Python ContextCancelled is a ContextCancelled naming its canceller', T, () => {
  const err = unboxError(revive(file.messages['Error.ContextCancelled']!.decoded) as ErrorMsg);
  assert.ok(err instanceof ContextCancelled);
  assert.deepEqual(err.canceller, ['tsroot', '6f1c2e1a-0000-4000-8000-000000000002']);
  assert.match(err.message, /cancelled by its 'parent'-side peer/);
});

test('the Start Python rejects (pld_spec null) is not what tractor-ts sends: its Starts carry typing.Any', T, () => {
  const rejected = decodeBody(Buffer.from(file.rejected['Start.pld_spec_null']!.body_hex, 'hex')) as { pld_spec: unknown };
  assert.equal(rejected.pld_spec, null);
  const user = file.messages['Start.user']!.decoded as { pld_spec: string };
  assert.equal(user.pld_spec, 'typing.Any');
  // What tractor-ts sends on a real connection is checked by spec/interop/python-peer.test.ts, whose peer rejects null.
});
