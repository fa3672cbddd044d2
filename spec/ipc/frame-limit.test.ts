// maxFrameBytes (RootOptions, SpawnOptions): each actor's frame limit is
// known at the other end (announced in its Aid, or chosen by its parent), so
// a message too big for its receiver is refused at the sender with a
// FrameTooLarge naming the limit and the option, before a byte is written:
// the connection and both actors keep working.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tractor from 'tractor-ts';
import { bytes, sizeOf, sizes } from '../fixtures/frame-limit.ts';
import { runScript, thrown, within } from '../helpers.ts';
import { frame, RAW_AID, RawPeer } from '../raw-peer.ts';

/** The spawned actor's entry, as the package runs it. */
const ACTOR_ENTRY = fileURLToPath(new URL('../../dist/spawn/start.js', import.meta.url));

const FIX = new URL('../fixtures/frame-limit.ts', import.meta.url).href;
const T = { timeout: 120_000 };
const MiB = 1024 * 1024;

let root: tractor.Root;
before(async () => {
  root = await tractor.openRoot();
});
after(async () => {
  await root[Symbol.asyncDispose]();
});

function assertTooLarge(err: unknown, limit: number): asserts err is tractor.FrameTooLarge {
  assert.ok(err instanceof tractor.FrameTooLarge, `expected FrameTooLarge, got ${String(err)}`);
  assert.equal(err.code, 'ERR_TRACTOR_FRAME_TOO_LARGE');
  assert.ok(err instanceof tractor.InvalidArgument);
  assert.equal(err.limit, limit);
  assert.ok(err.size > limit);
  assert.match(err.message, new RegExp(`${limit} bytes`));
  assert.match(err.message, /maxFrameBytes/);
}

test('a call whose arguments exceed the child\'s limit (the 64 MiB default) is refused at the sender; the child and the channel keep working', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [FIX] });
  const portal = await an.startActor('small');
  const err = await thrown(() => portal.run(sizeOf, { data: new Uint8Array(64 * MiB + 1) }));
  assertTooLarge(err, 64 * MiB);
  assert.equal(await portal.run(sizeOf, { data: new Uint8Array(10) }), 10, 'the same channel still serves');
  assert.equal(portal.chan.closed, false);
});

test('SpawnOptions.maxFrameBytes lowers and raises a child\'s limit: its parent refuses what it cannot take, and sends what it can', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [FIX] });
  const tiny = await an.startActor('tiny', { maxFrameBytes: MiB });
  assertTooLarge(await thrown(() => tiny.run(sizeOf, { data: new Uint8Array(2 * MiB) })), MiB);
  // A stream message too: refused at the sender, the stream goes on.
  {
    await using ctx = await tiny.openContext(sizes);
    await using stream = await ctx.openStream();
    assertTooLarge(await thrown(() => stream.send(new Uint8Array(2 * MiB))), MiB);
    await stream.send(new Uint8Array(5));
    await stream.close();
    assert.deepEqual(await ctx.waitForResult(), [5]);
  }
  const big = await an.startActor('big', { maxFrameBytes: 128 * MiB });
  assert.equal(await big.run(sizeOf, { data: new Uint8Array(80 * MiB) }), 80 * MiB);
});

test('a child refuses a result over its parent\'s limit at its end: the call raises the boxed FrameTooLarge; a root with a higher maxFrameBytes (announced in its Aid) takes it', T, async () => {
  {
    await using an = await tractor.openNursery({ enableModules: [FIX] });
    const portal = await an.startActor('sender');
    const err = await thrown(() => portal.run(bytes, { n: 64 * MiB + 1 }));
    assert.ok(err instanceof tractor.RemoteActorError, `got ${String(err)}`);
    assert.equal(err.boxedType, tractor.FrameTooLarge);
    assert.match(err.message, /maxFrameBytes/);
    assert.equal((await portal.run(bytes, { n: 3 })).length, 3, 'the child still answers');
  }
  const s = runScript(new URL('../fixtures/programs/big-frames-root.ts', import.meta.url));
  const { code } = await s.exited;
  assert.equal(code, 0, `stderr:\n${s.stderr()}`);
  assert.deepEqual(await s.firstLine, { back: 80 * MiB, sent: 80 * MiB, refused: 'FrameTooLarge' });
});

test('maxFrameBytes outside 64 KiB .. 4 GiB - 1 is an InvalidArgument naming the option', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [FIX] });
  for (const bad of [0, 1000, 1.5, '1MiB', 2 ** 32]) {
    const err = await thrown(() => an.startActor('never', { maxFrameBytes: bad as number }));
    assert.ok(err instanceof tractor.InvalidArgument, `${String(bad)}: got ${String(err)}`);
    assert.match(err.message, /SpawnOptions\.maxFrameBytes/);
  }
  await assert.rejects(tractor.openNursery({ maxFrameBytes: 10 }), (err: Error) => err instanceof tractor.InvalidArgument && /RootOptions\.maxFrameBytes/.test(err.message));
});

test('a child that gets a frame over its limit from its parent is a failure at the parent: it says why (an Error naming the limit and maxFrameBytes) and exits non-zero, never a quiet exit 0', T, async () => {
  // The parent here is a raw socket speaking the wire (a sender that ignores the child's limit, as an
  // older tractor-ts or any other peer may): tractor-ts itself refuses such a frame at the sender.
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const uuid = randomUUID();
  const accepted = new Promise<RawPeer>((resolve) => server.once('connection', (sock) => resolve(new RawPeer(sock))));
  const child = spawn(process.execPath, [ACTOR_ENTRY, `tcp://127.0.0.1:${port}`, uuid, 'frame-victim'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const parent = await accepted;
    assert.equal((await parent.nextFrame(30_000)).msg_type, 'Aid');
    parent.write(frame({ ...RAW_AID, tractor_ts: { proto: 1 } }));
    parent.write(frame({
      msg_type: 'SpawnSpec', name: 'frame-victim', uuid, enable_modules: [], reg_addrs: [], bind_addrs: [],
      _runtime_vars: {
        isRoot: false, debugMode: false, registryAddrs: ['tcp://127.0.0.1:1'], loglevel: 'error', startMethod: 'subprocess',
        enableTransports: ['tcp'], depth: 1, registrarIsParent: true, maxFrameBytes: MiB,
      },
      _parent_main_data: { main_url: null },
    }));
    await new Promise((r) => setTimeout(r, 500)); // let it boot
    const head = Buffer.alloc(4);
    head.writeUInt32LE(2 * MiB);
    parent.write(Buffer.concat([head, Buffer.alloc(1024)]));
    const code = await within(exited, 20_000, 'the child exiting');
    assert.notEqual(code, 0, `the child must not exit 0; stderr:\n${stderr}`);
    const told = parent.frames.find((f) => f.msg_type === 'Error' && f.cid == null) as { message?: string; boxed_type_str?: string } | undefined;
    assert.ok(told, `the child told its parent why; frames: ${JSON.stringify(parent.frames.map((f) => f.msg_type))}`);
    assert.match(String(told.message), new RegExp(`${2 * MiB} bytes exceeds this actor's limit of ${MiB} bytes`));
    assert.match(String(told.message), /maxFrameBytes/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    server.close();
  }
});
