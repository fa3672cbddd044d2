// Hostile input against a live actor (raw sockets, a fixed seed): every field
// of every message checked to its SPEC type at the boundary; frame lengths,
// nesting and element counts bounded before anything is allocated; bad call
// arguments an error at the sender, and an error reply (never a dead
// channel) when they arrive anyway. The actor never crashes and keeps serving.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as tractor from 'tractor-ts';
import { type FieldKind, SCHEMAS } from '../../lib/msg/validate.ts';
import { add, CORE } from '../fixtures/core.ts';
import { isAlive } from '../helpers.ts';
import { frame, liveTarget, type LiveTarget, prng, RAW_AID, RawPeer, rssMiB } from '../raw-peer.ts';

const T = { timeout: 60_000 };
const SEED = Number(process.env.TRACTOR_TS_FUZZ_SEED ?? 20261201);

let target: LiveTarget;
let portal: tractor.Portal;
let addr: string;
let pid: number;

before(async () => {
  target = await liveTarget();
  ({ portal, addr, pid } = target);
});

after(async () => {
  await target.close();
});

/** A valid instance of each message type (the fuzz replaces one field at a time). */
const UID = ['raw-peer', RAW_AID.uuid];
const VALID: Record<string, Record<string, unknown>> = {
  Aid: RAW_AID,
  SpawnSpec: { msg_type: 'SpawnSpec', name: 'x', uuid: 'u', enable_modules: [], reg_addrs: [], bind_addrs: [], _runtime_vars: {} },
  Start: { msg_type: 'Start', cid: 'f1', ns: CORE, func: 'add', kwargs: { a: 1, b: 2 }, uid: UID, pld_spec: null },
  StartAck: { msg_type: 'StartAck', cid: 'f1', functype: 'asyncfunc' },
  Started: { msg_type: 'Started', cid: 'f1', pld: 1 },
  Yield: { msg_type: 'Yield', cid: 'f1', pld: 1 },
  Stop: { msg_type: 'Stop', cid: 'f1' },
  Return: { msg_type: 'Return', cid: 'f1', pld: 1 },
  CancelAck: { msg_type: 'CancelAck', cid: 'f1', pld: true },
  Credit: { msg_type: 'Credit', cid: 'f1', n: 4 },
  Error: {
    msg_type: 'Error', src_uid: UID, src_type_str: 'Error', boxed_type_str: 'Error', relay_path: [UID], message: 'm', tb_str: '',
    canceller: null, sender: UID, cid: null,
  },
};

/** Values of every msgpack type, and near-misses of the shapes the schemas want. */
const WRONG: unknown[] = [
  0, -1, 1.5, true, '', 'x', null, [], {}, [0], ['a'], ['a', 'b', 'c'], [['a', 0]], { a: 1 }, new Uint8Array([1]), [[1, 2]], 2 ** 40,
];

function fitsKind(v: unknown, kind: FieldKind): boolean {
  // The wrong values a kind accepts (so the message stays valid): those we expect served, not dropped.
  const isUid = (x: unknown) => Array.isArray(x) && x.length === 2 && x.every((y) => typeof y === 'string');
  switch (kind) {
    case 'string': return typeof v === 'string';
    case 'string?': return v == null || typeof v === 'string';
    case 'number': return typeof v === 'number';
    case 'number?': return v == null || typeof v === 'number';
    case 'count?': return v === null || (Number.isSafeInteger(v) && (v as number) > 0);
    case 'boolean?': return v == null || typeof v === 'boolean';
    case 'uid': return isUid(v);
    case 'uid?': return v == null || isUid(v);
    case 'uids?': return v == null || (Array.isArray(v) && v.every(isUid));
    case 'strings': return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'modules': return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'object': return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
    case 'array': return Array.isArray(v);
    case 'functype': return v === 'asyncfunc' || v === 'asyncgen' || v === 'context';
    case 'inner?': case 'object?': return v == null || (typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array));
    case 'bytes': return v instanceof Uint8Array;
  }
}

test(`fuzz (seed ${SEED}): each field of each message replaced by values of other types is refused at the boundary; the actor never crashes`, T, async () => {
  const rand = prng(SEED);
  const cases: { type: string; field: string; value: unknown }[] = [];
  for (const [type, schema] of Object.entries(SCHEMAS)) {
    for (const [field, kind] of Object.entries(schema)) {
      for (const value of WRONG) if (!fitsKind(value, kind)) cases.push({ type, field, value });
    }
  }
  // A seeded sample keeps the fast version fast; TRACTOR_TS_FUZZ_ALL=1 runs every case.
  const sample = process.env.TRACTOR_TS_FUZZ_ALL ? cases : cases.filter(() => rand() < 0.25);
  const rss0 = rssMiB(pid);
  let refused = 0;
  for (const c of sample) {
    const peer = await RawPeer.open(addr);
    const msg = { ...VALID[c.type], [c.field]: c.value };
    if (c.type === 'Aid') peer.write(frame(msg));
    else {
      await peer.handshake();
      peer.write(frame(msg));
    }
    const what = `${c.type}.${c.field} = ${JSON.stringify(c.value)} (seed ${SEED})`;
    assert.ok(await peer.dropped(), `a bad message is refused (the connection dropped): ${what}`);
    refused++;
    assert.ok(isAlive(pid), `the actor survives ${what}`);
  }
  await target.stillServing(`${refused} bad messages`);
  assert.ok(rssMiB(pid) - rss0 < 64, `memory stays near its start (${rss0.toFixed(0)} -> ${rssMiB(pid).toFixed(0)} MiB)`);
});

test('an Error whose relay_path is 0 or a map is refused, not relayed into a crash', T, async () => {
  for (const relay_path of [0, {}, 'x', [[1, 2]]]) {
    const peer = await RawPeer.open(addr);
    await peer.handshake();
    peer.write(frame({ ...VALID.Error, relay_path }));
    assert.ok(await peer.dropped(), `relay_path ${JSON.stringify(relay_path)} is refused`);
  }
  await target.stillServing('bad relay paths');
});

test('before the handshake only a small frame is accepted: a 60 MiB length prefix is refused at once', T, async () => {
  const peer = await RawPeer.open(addr);
  const head = Buffer.alloc(4);
  head.writeUInt32LE(60 * 1024 * 1024);
  peer.write(Buffer.concat([head, Buffer.alloc(1024)]));
  assert.ok(await peer.dropped(), 'the connection is dropped without waiting for 60 MiB');
  await target.stillServing('a hostile first frame');
});

test('a frame of deeply nested arrays (0x91 x 2 MiB) is refused before decoding: no memory blow-up', T, async () => {
  const rss0 = rssMiB(pid);
  const peer = await RawPeer.open(addr);
  await peer.handshake();
  const body = Buffer.alloc(2 * 1024 * 1024, 0x91);
  body[body.length - 1] = 0xc0;
  peer.write(frame(body));
  assert.ok(await peer.dropped(10_000), 'the connection is dropped');
  const grew = rssMiB(pid) - rss0;
  assert.ok(grew < 48, `the actor's memory grew by ${grew.toFixed(0)} MiB for a 2 MiB frame`);
  await target.stillServing('a deeply nested frame');
});

test('an array header claiming 16 million elements in a 6-byte frame is refused before the decoder allocates it', T, async () => {
  const rss0 = rssMiB(pid);
  const peer = await RawPeer.open(addr);
  await peer.handshake();
  for (let i = 0; i < 4; i++) peer.write(frame(Buffer.from([0xdd, 0x00, 0xff, 0xff, 0xff, 0x01])));
  assert.ok(await peer.dropped(), 'the connection is dropped');
  const grew = rssMiB(pid) - rss0;
  assert.ok(grew < 48, `the actor's memory grew by ${grew.toFixed(0)} MiB`);
  await target.stillServing('a hostile element count');
});

test('connections holding partial frames past the deadline are dropped, a trickling one too; declared lengths are never allocated ahead of their bytes; memory returns near its start', { timeout: 120_000 }, async () => {
  const rss0 = rssMiB(pid);
  // Under the frame limit: only the deadline (10 s + 1 s per MiB declared) can drop these.
  const declared = 4 * 1024 * 1024;
  const head = Buffer.alloc(4);
  head.writeUInt32LE(declared);
  const held: RawPeer[] = [];
  for (let i = 0; i < 32; i++) {
    const peer = await RawPeer.open(addr);
    await peer.handshake();
    peer.write(Buffer.concat([head, Buffer.alloc(64 * 1024, 0xc0)]));
    held.push(peer);
  }
  // One that keeps sending, a byte at a time: still one frame that never completes.
  const trickle = await RawPeer.open(addr);
  await trickle.handshake();
  trickle.write(head);
  const drip = setInterval(() => trickle.write(Buffer.from([0xc0])), 250);
  try {
    await tractor.sleep(1000);
    const whileHeld = rssMiB(pid) - rss0;
    assert.ok(whileHeld < 48, `32 frames declaring 4 MiB each hold ${whileHeld.toFixed(0)} MiB, not 128 MiB`);
    await target.stillServing('partial frames held');
    for (const [i, peer] of held.entries()) assert.ok(await peer.dropped(60_000), `held partial frame ${i} is dropped past the deadline`);
    assert.ok(await trickle.dropped(60_000), 'the trickling partial frame is dropped past the deadline');
  } finally {
    clearInterval(drip);
    for (const p of [...held, trickle]) p.close();
  }
  await target.stillServing('partial frames dropped');
  const after = rssMiB(pid) - rss0;
  assert.ok(after < 32, `memory returns near its start (${rss0.toFixed(0)} -> ${rssMiB(pid).toFixed(0)} MiB)`);
});

test('call arguments that are not a plain object are an InvalidArgument at the sender', T, async () => {
  for (const bad of [5, [1, 2], 'x', new Date(0)]) {
    await assert.rejects(portal.run(add, bad as never), (e) => e instanceof tractor.InvalidArgument && e.code === 'ERR_TRACTOR_INVALID_ARG');
  }
  await target.stillServing('bad arguments at the sender');
});

test('a Start whose kwargs is not a map gets an Error reply (InvalidArgument); the channel keeps working', T, async () => {
  const peer = await RawPeer.open(addr);
  await peer.handshake();
  for (const [i, kwargs] of [5, [1, 2], 'not a map', null].entries()) {
    peer.write(frame({ ...VALID.Start, cid: `k${i}`, kwargs }));
    const reply = await peer.nextFrame();
    assert.equal(reply.msg_type, 'Error', `kwargs ${JSON.stringify(kwargs)}`);
    assert.equal(reply.cid, `k${i}`);
    assert.equal(reply.src_type_str, 'InvalidArgument');
  }
  peer.write(frame({ ...VALID.Start, cid: 'ok' }));
  assert.deepEqual(await peer.nextFrame(), { msg_type: 'StartAck', cid: 'ok', functype: 'asyncfunc' });
  assert.deepEqual(await peer.nextFrame(), { msg_type: 'Return', cid: 'ok', pld: 3 });
  peer.close();
  await target.stillServing('bad kwargs on the wire');
});
