// Bad input on a channel never crashes an actor: raw sockets against a live actor's listener.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as tractor from 'tractor-ts';
import { CORE } from '../fixtures/core.ts';
import { frame, liveTarget, type LiveTarget, RAW_AID as AID, RawPeer } from '../raw-peer.ts';

const T = { timeout: 10_000 };

let target: LiveTarget;

before(async () => {
  target = await liveTarget();
});

after(async () => {
  await target.close();
});

async function openPeer(): Promise<RawPeer> {
  return RawPeer.open(target.addr);
}

async function handshake(peer: RawPeer): Promise<void> {
  peer.write(frame(AID));
  const reply = await peer.nextFrame();
  assert.equal(reply.msg_type, 'Aid', 'the actor answers a valid Aid with its own');
  assert.equal(reply.pid, target.pid);
}

test('garbage bytes: the actor drops the connection and keeps serving', T, async () => {
  const peer = await openPeer();
  peer.write(Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n'));
  assert.ok(await peer.dropped(), 'the actor dropped the connection');
  await target.stillServing('garbage bytes');
});

test('a truncated frame then close: the actor keeps serving', T, async () => {
  const peer = await openPeer();
  const f = frame(AID);
  peer.write(f.subarray(0, f.length - 5));
  await new Promise((r) => setTimeout(r, 50));
  peer.socket.end();
  await peer.closed;
  await target.stillServing('a truncated frame');
});

test('an oversized length prefix (0xFFFFFFFF): the actor drops the connection without allocating it', T, async () => {
  const peer = await openPeer();
  peer.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
  assert.ok(await peer.dropped(), 'the actor dropped the connection');
  await target.stillServing('an oversized length prefix');
});

test('invalid msgpack inside a valid frame: the actor drops the connection and keeps serving', T, async () => {
  const peer = await openPeer();
  peer.write(frame(Buffer.from([0xc1, 0xc1, 0xc1]))); // 0xc1 is never valid msgpack
  assert.ok(await peer.dropped(), 'the actor dropped the connection');
  await target.stillServing('invalid msgpack');
});

test('a msgpack value that is not a message (not a map, unknown msg_type): dropped, actor keeps serving', T, async () => {
  for (const bad of [42, ['Aid'], { msg_type: 'Bogus', cid: '1' }, { no_type: true }]) {
    const peer = await openPeer();
    peer.write(frame(bad));
    assert.ok(await peer.dropped(), 'the actor dropped the connection');
    await target.stillServing('a value that is not a message');
  }
});

test('after a valid Aid: an unknown msg_type or a Start missing fields is dropped, actor keeps serving', T, async () => {
  const bad = [
    { msg_type: 'Bogus', cid: 'x' },
    { msg_type: 'Start', cid: 'x' },
    { msg_type: 'Start', cid: 'x', ns: CORE, func: 'add', kwargs: {}, uid: 'not a uid' },
  ];
  for (const msg of bad) {
    const peer = await openPeer();
    await handshake(peer);
    peer.write(frame(msg));
    assert.ok(await peer.dropped(), 'the actor dropped the connection');
    await target.stillServing('a bad message after the Aid');
  }
});

test('a first message that is not an Aid is refused', T, async () => {
  const peer = await openPeer();
  peer.write(frame({ msg_type: 'Stop', cid: 'x' }));
  assert.ok(await peer.dropped(), 'the actor dropped the connection');
  await target.stillServing('a first message that is not an Aid');
});

test('a well-formed raw Start gets a well-formed reply: Return, or an Error for an unexposed module', T, async () => {
  const peer = await openPeer();
  await handshake(peer);
  const uid = ['raw-peer', AID.uuid];
  peer.write(frame({ msg_type: 'Start', cid: 'c1', ns: CORE, func: 'add', kwargs: { a: 1, b: 2 }, uid, pld_spec: null }));
  assert.deepEqual(await peer.nextFrame(), { msg_type: 'StartAck', cid: 'c1', functype: 'asyncfunc' });
  assert.deepEqual(await peer.nextFrame(), { msg_type: 'Return', cid: 'c1', pld: 3 });
  peer.write(frame({ msg_type: 'Start', cid: 'c2', ns: 'file:///nowhere/secret.ts', func: 'steal', kwargs: {}, uid, pld_spec: null }));
  const err = await peer.nextFrame();
  assert.equal(err.msg_type, 'Error');
  assert.equal(err.cid, 'c2');
  assert.equal(err.src_type_str, 'ModuleNotExposed');
  peer.write(frame({ msg_type: 'Start', cid: 'c3', ns: CORE, func: 'noSuchExport', kwargs: {}, uid, pld_spec: null }));
  const err3 = await peer.nextFrame();
  assert.equal(err3.src_type_str, 'FunctionNotFound');
  peer.socket.end();
  await peer.closed;
  await target.stillServing('raw Starts');
});

test('a peer that disconnects in the middle of a call does not disturb the actor', T, async () => {
  const peer = await openPeer();
  await handshake(peer);
  peer.write(frame({ msg_type: 'Start', cid: 'c1', ns: CORE, func: 'sleepForever', kwargs: {}, uid: ['raw-peer', AID.uuid], pld_spec: null }));
  assert.equal((await peer.nextFrame()).msg_type, 'StartAck');
  peer.socket.destroy();
  await peer.closed;
  await target.stillServing('a disconnect mid-call');
});

test('a malformed address string is an InvalidAddress naming the accepted forms', T, async () => {
  for (const bad of ['localhost:1616', 'tcp://127.0.0.1', 'tcp://127.0.0.1:99999', 'uds://relative.sock', 'http://x:1']) {
    await assert.rejects(async () => tractor.findActor('x', { registryAddrs: [bad] }), (err: unknown) => {
      assert.ok(err instanceof tractor.InvalidAddress, `${bad}: ${err}`);
      assert.equal(err.code, 'ERR_TRACTOR_INVALID_ADDRESS');
      assert.ok(err.message.includes(JSON.stringify(bad)), 'the message quotes the bad address');
      return true;
    });
  }
  await assert.rejects(async () => tractor.queryActor('x', { registryAddrs: ['localhost:1616'] }), /tcp:\/\/host:port/);
});
