// tractor-ts against a Python tractor actor: the Python-dialect peer of
// python-peer.ts (its own process, strict schema, Python's rules) in both
// roles: called by tractor-ts and calling tractor-ts, errors and cancellation
// both ways. After each test the peer must have rejected nothing tractor-ts sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { CANCEL_ACK_TIMEOUT_MS } from '../../lib/runtime/timing.ts';
import { privateRegistry } from '../discovery-helpers.ts';
import { isAlive, thrown, waitDead } from '../helpers.ts';
import { INTEROP, py, SVC, whereAmI } from '../fixtures/interop.ts';
import { PeerCommandError, pyAddr, type PythonPeer, startPythonPeer } from './peer-driver.ts';

const T = { timeout: 30_000 };

/** A Python peer that is the registrar at a private address, and a tractor-ts root using it; leaving `await using` closes the root, then the peer. */
interface PythonAndTs extends AsyncDisposable {
  reg: string;
  peer: PythonPeer;
  root: tractor.Root;
}

/** Start a {@link PythonAndTs}; with `connect`, the Python peer also connects to the root as 'ts' (Python calling tractor-ts). */
async function pythonRegistrarAndTsRoot(opts: { connect?: boolean } = {}): Promise<PythonAndTs> {
  const reg = await privateRegistry();
  const peer = await startPythonPeer('pyd', reg);
  assert.equal(peer.ready.registrar, true);
  const root = await tractor.openRoot({ name: 'tsroot', registryAddrs: [reg], enableModules: [SVC] });
  const both: PythonAndTs = {
    reg, peer, root,
    async [Symbol.asyncDispose]() {
      try {
        await root[Symbol.asyncDispose]();
      } finally {
        await peer[Symbol.asyncDispose]();
      }
    },
  };
  if (!opts.connect) return both;
  try {
    await peer.call('connect', { addr: pyAddr(tractor.currentActor().addrs[0]!), as: 'ts' });
  } catch (err) {
    await both[Symbol.asyncDispose]();
    throw err;
  }
  return both;
}

async function assertNothingRejected(peer: PythonPeer): Promise<void> {
  assert.deepEqual(await peer.call('rejected'), [], 'the Python peer rejected messages tractor-ts sent');
}

async function local(): Promise<number> {
  return 1;
}

// ------------------------------------------------------------------ tractor-ts calls Python

test('tractor-ts calls Python functions by name: run, runFromNs, openStreamFrom and openContext with a two-way stream', T, async () => {
  await using both = await pythonRegistrarAndTsRoot();
  const { reg, peer } = both;
  await using portal = await tractor.getRegistry(reg);
  assert.equal(await portal.run(py.add, { x: 1, y: 2 }), 3);
  assert.equal(await portal.runFromNs('pyfuncs', 'add', { x: 2, y: 3 }), 5);
  const who = await portal.run(py.whoami, {});
  assert.deepEqual(who.uid, peer.ready.uid);
  const ticks: number[] = [];
  for await (const t of await portal.openStreamFrom(py.ticks, { n: 3 })) ticks.push(t);
  assert.deepEqual(ticks, [0, 1, 2]);
  {
    await using ctx = await portal.openContext(py.echo, { greeting: 'hi' });
    assert.equal(ctx.first, 'started:hi');
    const stream = await ctx.openStream();
    await stream.send('a');
    assert.equal(await stream.receive(), 'a');
    await stream.send({ b: [1, 2] });
    assert.deepEqual(await stream.receive(), { b: [1, 2] });
    await stream.close();
    assert.equal(await ctx.waitForResult(), 'echoed 2');
  }
  await assertNothingRejected(peer);
});

test('Python errors reach tractor-ts boxed with their type, and an empty message is the last line of the traceback', T, async () => {
  await using both = await pythonRegistrarAndTsRoot();
  const { reg, peer } = both;
  await using portal = await tractor.getRegistry(reg);
  const err = await thrown(() => portal.run(py.boom, {}));
  assert.ok(err instanceof tractor.RemoteActorError, String(err));
  assert.equal(err.boxedTypeName, 'ValueError');
  assert.equal(err.remoteMessage, 'boom');
  assert.match(err.message, /^ValueError in actor pyd@\w+: boom$/);
  assert.match(err.remoteStack, /Traceback \(most recent call last\)/);
  const missing = await thrown(() => portal.run(py.notExposed, {}));
  assert.ok(missing instanceof tractor.RemoteActorError);
  assert.equal(missing.boxedTypeName, 'ModuleNotExposed');
  assert.equal(await portal.run(py.add, { x: 1, y: 1 }), 2, 'the portal still works');
  await assertNothingRejected(peer);
});

test('an aborted call into Python settles on its CancelAck, without waiting for the fallback bound', T, async () => {
  await using both = await pythonRegistrarAndTsRoot();
  const { reg, peer } = both;
  await using portal = await tractor.getRegistry(reg);
  const ac = new AbortController();
  const reason = new Error('enough');
  const call = portal.run(py.sleepForever, {}, { signal: ac.signal });
  while ((await peer.call<{ tasks: number }>('status')).tasks === 0) await tractor.sleep(10);
  const t0 = performance.now();
  ac.abort(reason);
  assert.equal(await thrown(() => call), reason);
  // Python sends nothing after the CancelAck of a cancelled plain call: without acting on the ack, the call
  // would only settle when the fallback timer (CANCEL_ACK_TIMEOUT_MS) fires.
  assert.ok(performance.now() - t0 < CANCEL_ACK_TIMEOUT_MS, `settled ${Math.round(performance.now() - t0)} ms after the abort`);
  assert.equal((await peer.call<{ tasks: number }>('status')).tasks, 0, 'the Python task was cancelled');
  await assertNothingRejected(peer);
});

test('ctx.cancel() on a Python context ends it with a ContextCancelled naming this actor', T, async () => {
  await using both = await pythonRegistrarAndTsRoot();
  const { reg, peer } = both;
  await using portal = await tractor.getRegistry(reg);
  {
    await using ctx = await portal.openContext(py.ctxForever, {});
    assert.equal(ctx.first, 'up');
    await ctx.cancel();
    assert.equal(ctx.cancelAcked, true);
    assert.deepEqual(ctx.canceller, tractor.currentActor().uid);
    const outcome = await ctx.waitForResult();
    assert.ok(outcome instanceof tractor.ContextCancelled);
  }
  assert.equal((await peer.call<{ tasks: number }>('status')).tasks, 0);
  await assertNothingRejected(peer);
});

test('leaving a stream from a Python async generator early cancels the generator there', T, async () => {
  await using both = await pythonRegistrarAndTsRoot();
  const { reg, peer } = both;
  await using portal = await tractor.getRegistry(reg);
  const seen: number[] = [];
  for await (const t of await portal.openStreamFrom(py.ticks, { n: 1_000_000 })) {
    seen.push(t);
    if (seen.length === 3) break;
  }
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal((await peer.call<{ tasks: number }>('status')).tasks, 0, 'the Python generator was cancelled');
  assert.equal(await portal.run(py.add, { x: 1, y: 2 }), 3);
  await assertNothingRejected(peer);
});

test('a portal to a Python actor never calls a self method the Python actor lacks', T, async () => {
  await using both = await pythonRegistrarAndTsRoot();
  const { reg, peer } = both;
  await using portal = await tractor.getRegistry(reg);
  // Resolving an unexported function fails; against a tractor-ts peer the portal would then ask it for its
  // `enabled_modules`, which kills a Python actor (an unguarded getattr).
  const err = await thrown(() => portal.run(local, {}));
  assert.ok(err instanceof TypeError, String(err));
  assert.equal(await portal.run(py.add, { x: 4, y: 4 }), 8, 'the Python actor is alive');
  assert.equal(peer.proc.exitCode, null);
  await assertNothingRejected(peer);
});

test('cancelActor() on a Python actor is acknowledged; the Python root stops listening, as Python roots do', T, async () => {
  await using both = await pythonRegistrarAndTsRoot();
  const { reg, peer } = both;
  await using portal = await tractor.getRegistry(reg);
  assert.equal(await portal.cancelActor(), true);
  assert.deepEqual(await peer.call('status'), { cancelled: true, listening: false, tasks: 0 });
  await assertNothingRejected(peer);
});

// ------------------------------------------------------------------ Python calls tractor-ts

test('a Python actor calls tractor-ts functions served under a dotted name: run_from_ns, open_stream_from, open_context', T, async () => {
  await using both = await pythonRegistrarAndTsRoot({ connect: true });
  const { peer } = both;
  assert.equal(await peer.call('run_from_ns', { peer: 'ts', ns: 'svc.math', func: 'add', kwargs: { x: 1, y: 2 } }), 3);
  assert.deepEqual(await peer.call('open_stream_from', { peer: 'ts', nsf: 'svc.math:count', kwargs: { n: 3 } }), [0, 10, 20]);
  assert.deepEqual(await peer.call('open_context', { peer: 'ts', nsf: 'svc.math:shout', kwargs: { greeting: 'py' }, send: ['a', 'b'] }),
    { first: 'hello py', echoes: ['A', 'B'], result: 2 });
  // The module's URL name cannot cross: Python splits 'file:///...:add' at the first ':'.
  const viaUrl = await thrown(() => peer.call('run_from_ns', { peer: 'ts', ns: INTEROP, func: 'add', kwargs: { x: 1, y: 2 } }));
  assert.ok(viaUrl instanceof PeerCommandError);
  assert.equal(viaUrl.remote.src_type_str, 'ModuleNotExposed');
});

test('tractor-ts errors reach a Python caller boxed with their type and stack', T, async () => {
  await using both = await pythonRegistrarAndTsRoot({ connect: true });
  const { peer } = both;
  const err = await thrown(() => peer.call('run_from_ns', { peer: 'ts', ns: 'svc.math', func: 'fail', kwargs: { why: 'no' } }));
  assert.ok(err instanceof PeerCommandError, String(err));
  assert.equal(err.remote.type, 'RemoteActorError');
  assert.equal(err.remote.src_type_str, 'RangeError');
  assert.match(err.remote.message, /refused: no/);
  assert.match(err.remote.tb_str ?? '', /RangeError: refused: no\n\s+at fail/);
  const missing = await thrown(() => peer.call('run_from_ns', { peer: 'ts', ns: 'svc.nope', func: 'x' }));
  assert.ok(missing instanceof PeerCommandError);
  assert.equal(missing.remote.src_type_str, 'ModuleNotExposed');
});

test('a Python ctx.cancel() of a tractor-ts context: StartAck then CancelAck, and a ContextCancelled naming the Python actor', T, async () => {
  await using both = await pythonRegistrarAndTsRoot({ connect: true });
  const { peer } = both;
  const r = await peer.call<{ ack: boolean; first: string; error: { src_type_str: string; boxed_type_str: string; canceller: unknown } }>(
    'ctx_cancel', { peer: 'ts', nsf: 'svc.math:idle' });
  assert.equal(r.ack, true);
  assert.equal(r.first, 'idle');
  assert.equal(r.error.boxed_type_str, 'ContextCancelled');
  assert.deepEqual(r.error.canceller, peer.ready.uid);
});

test('a Python cancel_actor() of a tractor-ts actor: acknowledged (StartAck first), and the actor exits', T, async () => {
  await using both = await pythonRegistrarAndTsRoot();
  const { peer } = both;
  await using an = await tractor.openNursery();
  const portal = await an.startActor('tsd', { enableModules: [SVC] });
  const { addrs, pid } = await portal.run(whereAmI);
  await peer.call('connect', { addr: pyAddr(addrs[0]!), as: 'tsd' });
  assert.equal(await peer.call('run_from_ns', { peer: 'tsd', ns: 'svc.math', func: 'add', kwargs: { x: 3, y: 4 } }), 7,
    'a spawned actor serves the dotted alias its parent gave it');
  assert.equal(await peer.call('cancel_actor', { peer: 'tsd', timeout: 5000 }), true);
  assert.deepEqual(await waitDead([pid], 10_000), [], 'the cancelled actor exited');
});

test('tractor-ts answers a Python registry probe with is_registrar and closes the probe connection', T, async () => {
  await using both = await pythonRegistrarAndTsRoot();
  const { peer } = both;
  const r = await peer.call<{ state: string; closedByPeer: boolean; aid: Record<string, unknown> }>('probe', { addr: pyAddr(tractor.currentActor().addrs[0]!) });
  assert.equal(r.state, 'occupied', 'a non-registrar says is_registrar: false (Python counts a missing one as a registrar)');
  assert.equal(r.closedByPeer, true);
  assert.equal(r.aid.is_probe, false);
  assert.ok(r.aid.tractor_ts, 'tractor-ts announces itself');
  assert.ok(isAlive(process.pid));
});

// ------------------------------------------------------------------ discovery, through either side's registrar

test('a Python actor registers with a tractor-ts registrar; its entry outlives the registration connection', T, async () => {
  const reg = await privateRegistry();
  await using _root = await tractor.openRoot({ name: 'tsroot', registryAddrs: [reg], enableModules: [SVC] });
  assert.equal(tractor.currentActor().isRegistrar, true);
  await using peer = await startPythonPeer('pyd', reg);
  assert.equal(peer.ready.registrar, false);
  const pyAt = `tcp://${peer.ready.addr[0]}:${peer.ready.addr[1]}`;
  // Python registered over a connection it closed at once (short-lived): the entry is still there.
  assert.equal(await tractor.queryActor('pyd'), pyAt);
  {
    await using portal = await tractor.findActor('pyd');
    assert.ok(portal);
    assert.equal(await portal.run(py.add, { x: 20, y: 22 }), 42);
  }
  {
    await using portal = await tractor.waitForActor('pyd');
    assert.deepEqual((await portal.run(py.whoami, {})).uid, peer.ready.uid);
  }
  // Python's own lookups get Python's shapes.
  const me = tractor.currentActor();
  assert.deepEqual(await peer.call('find_actor', { name: 'tsroot' }), me.addrs.map(pyAddr));
  assert.deepEqual(await peer.call('find_actor', { name: peer.ready.uid[1] }), [peer.ready.addr], 'find_actor matches a uuid too');
  assert.equal(await peer.call('find_actor', { name: 'nobody' }), null);
  assert.deepEqual(await peer.call('query_actor', { name: 'tsroot' }), me.addrs.map(pyAddr).at(-1));
  assert.deepEqual(await peer.call('get_registry'), {
    [`tsroot.${me.uid[1]}`]: me.addrs.map(pyAddr),
    [`pyd.${peer.ready.uid[1]}`]: [peer.ready.addr],
  });
  assert.equal(await peer.call('run_from_ns', { peer: 'tsroot', ns: 'svc.math', func: 'add', kwargs: { x: 1, y: 1 } }), 2,
    'Python finds the tractor-ts actor through the registrar and calls it');
  // Python's wait_for_actor blocks until a tractor-ts actor of that name registers.
  const waited = peer.call<[string, number][]>('wait_for_actor', { name: 'late' });
  await using an = await tractor.openNursery();
  const late = await an.startActor('late', { enableModules: [SVC] });
  const { addrs } = await late.run(whereAmI);
  assert.deepEqual(await waited, addrs.map(pyAddr));
  await assertNothingRejected(peer);
});

test('a Python actor unregisters from a tractor-ts registrar at exit, and delete_addr drops an address', T, async () => {
  const reg = await privateRegistry();
  await using _root = await tractor.openRoot({ name: 'tsroot', registryAddrs: [reg] });
  const peer = await startPythonPeer('pyd', reg);
  const other = await startPythonPeer('pyd2', reg);
  await using _other = other;
  assert.ok(await tractor.queryActor('pyd'));
  await peer[Symbol.asyncDispose]();
  assert.equal(await tractor.queryActor('pyd'), undefined, 'unregister_actor(uid) removed it');
  assert.deepEqual(await other.call('delete_addr', { addr: other.ready.addr }), other.ready.uid);
  assert.equal(await tractor.queryActor('pyd2'), undefined);
  await assertNothingRejected(other);
});

test('tractor-ts uses a Python registrar: registers, then findActor, queryActor, waitForActor and getRegistry', T, async () => {
  const { reg, peer, root } = await pythonRegistrarAndTsRoot();
  await using _peer = peer;
  const me = tractor.currentActor();
  // register_actor(uid, addr), one call per address, in Python's shapes.
  assert.deepEqual(await peer.call('registry'), {
    [`pyd.${peer.ready.uid[1]}`]: [peer.ready.addr],
    [`tsroot.${me.uid[1]}`]: me.addrs.map(pyAddr),
  });
  assert.equal(await tractor.queryActor('pyd'), reg);
  {
    await using portal = await tractor.findActor('pyd');
    assert.ok(portal);
    assert.equal(await portal.run(py.add, { x: 2, y: 2 }), 4);
  }
  assert.equal(await tractor.findActor('nobody'), undefined);
  // Another Python actor registers with the Python registrar; both languages find each other through it.
  await using worker = await startPythonPeer('pyw', reg);
  {
    await using portal = await tractor.findActor('pyw');
    assert.ok(portal);
    assert.deepEqual((await portal.run(py.whoami, {})).uid, worker.ready.uid);
  }
  assert.equal(await worker.call('run_from_ns', { peer: 'tsroot', ns: 'svc.math', func: 'add', kwargs: { x: 5, y: 5 } }), 10);
  const waiting = tractor.waitForActor('pylate');
  await using lateAs = await startPythonPeer('pylate', reg);
  {
    await using portal = await waiting;
    assert.deepEqual((await portal.run(py.whoami, {})).uid, lateAs.ready.uid);
  }
  {
    await using portal = await tractor.getRegistry(reg);
    const listing = (await portal.runFromNs('self', 'get_registry')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(listing).sort(), [`pyd.${peer.ready.uid[1]}`, `pylate.${lateAs.ready.uid[1]}`, `pyw.${worker.ready.uid[1]}`, `tsroot.${me.uid[1]}`].sort());
  }
  await root[Symbol.asyncDispose]();
  // At exit tractor-ts sent unregister_actor(uid) (the registrar handles it in its own time).
  let after: Record<string, unknown> = {};
  for (let i = 0; i < 200; i++) {
    after = await peer.call<Record<string, unknown>>('registry');
    if (!Object.keys(after).some((k) => k.startsWith('tsroot.'))) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(Object.keys(after).some((k) => k.startsWith('tsroot.')), false, JSON.stringify(after));
  await assertNothingRejected(peer);
  await assertNothingRejected(worker);
});

test('a plain Python actor at a registry address is refused as a registrar without a call that would kill it', T, async () => {
  const reg = await privateRegistry();
  await using registrar = await startPythonPeer('pyreg', reg);
  await using plain = await startPythonPeer('plain', reg);
  assert.equal(plain.ready.registrar, false);
  const plainAt = `tcp://${plain.ready.addr[0]}:${plain.ready.addr[1]}`;
  // Its Aid says is_registrar: null (Python counts that as a registrar, then dies on register_actor).
  const boot = await thrown(async () => {
    await using _wrongly = await tractor.openRoot({ name: 'tsroot', registryAddrs: [plainAt] });
  });
  assert.ok(boot instanceof tractor.RegistryError, String(boot));
  assert.match(boot.message, /not a registrar/);
  await using _root = await tractor.openRoot({ name: 'tsroot', registryAddrs: [reg] });
  const viaPortal = await thrown(() => tractor.getRegistry(plainAt));
  assert.ok(viaPortal instanceof tractor.RegistryError, String(viaPortal));
  assert.deepEqual(await plain.call('status'), { cancelled: false, listening: true, tasks: 0 }, 'the Python actor is alive');
  await assertNothingRejected(plain);
  await assertNothingRejected(registrar);
});

// ------------------------------------------------------------------ the peer itself is as strict as Python

/** A raw connection to the peer: Python's handshake, then frames of our choosing. */
async function rawToPeer(addr: [string, number]): Promise<{ send: (m: object) => void; replies: unknown[]; close: () => void }> {
  const { encode, decode } = await import('@msgpack/msgpack');
  const net = await import('node:net');
  const socket = net.connect(addr[1], addr[0]);
  await new Promise((r) => socket.once('connect', r));
  const replies: unknown[] = [];
  let buf = Buffer.alloc(0);
  socket.on('data', (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32LE(0)) {
      replies.push(decode(buf.subarray(4, 4 + buf.readUInt32LE(0))));
      buf = buf.subarray(4 + buf.readUInt32LE(0));
    }
  });
  const send = (m: object) => {
    const body = encode(m);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length);
    socket.write(Buffer.concat([head, body]));
  };
  return { send, replies, close: () => socket.destroy() };
}

test('the Python-dialect peer rejects what Python rejects: a Start with pld_spec null gets no reply', T, async () => {
  const reg = await privateRegistry();
  await using peer = await startPythonPeer('pyd', reg);
  const raw = await rawToPeer(peer.ready.addr);
  try {
    const uid = ['raw', '00000000-0000-4000-8000-000000000000'];
    raw.send({ msg_type: 'Aid', name: uid[0], uuid: uid[1], pid: process.pid, is_registrar: false, is_probe: false });
    const start = { msg_type: 'Start', ns: 'pyfuncs', func: 'add', kwargs: { x: 1, y: 2 }, uid };
    raw.send({ ...start, cid: 'bad', pld_spec: null });
    raw.send({ ...start, cid: 'good', pld_spec: 'typing.Any' });
    for (let i = 0; i < 500 && raw.replies.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(raw.replies.map((m) => [(m as { msg_type: string }).msg_type, (m as { cid?: string }).cid]),
      [['Aid', undefined], ['StartAck', 'good'], ['Return', 'good']], 'only the valid Start is answered');
    const rejected = await peer.call<string[]>('rejected');
    assert.equal(rejected.length, 1);
    // The text msgspec gives, as recorded in wire-vectors.json's "rejected" entry.
    assert.match(rejected[0]!, /ValidationError: Expected `str`, got `None` - at `\$\.pld_spec`/);
  } finally {
    raw.close();
  }
});
