// Every public options object is checked in one place (lib/options.ts): a
// bad option is an InvalidArgument (code ERR_TRACTOR_INVALID_ARG) with one
// message per mistake, whichever entry point received it, raised before
// anything spawns. A spawned child checks the runtime variables its parent
// sends at the SpawnSpec boundary, and a bad one fails its boot, reported.
import { decode, encode } from '@msgpack/msgpack';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { add, CORE } from '../fixtures/core.ts';
import { actorProcesses } from '../helpers.ts';

const T = { timeout: 30_000 };

async function invalid(p: () => Promise<unknown>, re: RegExp): Promise<string> {
  let message = '';
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof tractor.InvalidArgument, String(err));
    assert.ok(err instanceof TypeError && err instanceof tractor.TractorError);
    assert.equal(err.code, 'ERR_TRACTOR_INVALID_ARG');
    assert.match(err.message, re);
    message = err.message;
    return true;
  });
  return message;
}

test('bad root options are InvalidArguments before anything boots', T, async () => {
  await invalid(() => tractor.openRoot({ loglevel: 'loud' as never }), /unknown loglevel "loud"; use one of transport, debug/);
  await invalid(() => tractor.openRoot({ startMethod: 'fork' as never }), /unknown startMethod "fork"/);
  await invalid(() => tractor.openRoot({ enableTransports: ['quic' as never] }), /unknown transport "quic"; use 'tcp' or 'uds'/);
  await invalid(() => tractor.openRoot({ name: 5 as never }), /name must be a non-empty string, got 5/);
  await invalid(() => tractor.openRoot(5 as never), /the options of openRoot\(\) must be an object, got 5/);
  await invalid(() => tractor.openRoot({ signal: 'stop' as never }), /signal must be an AbortSignal/);
  // run() is the program entry: it also prints the error and sets the exit code, which this test puts back.
  await invalid(() => tractor.run(5 as never), /run\(main\) needs the async function/);
  process.exitCode = 0;
  assert.throws(() => tractor.currentActor(), tractor.RuntimeUsageError, 'no root was left running');
});

test('a mistake has one message whichever entry point received it; nothing is spawned for a bad spawn option', T, async () => {
  const fromRoot = await invalid(() => tractor.openRoot({ loglevel: 'loud' as never }), /loglevel/);
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const before = actorProcesses().length;
  assert.equal(await invalid(() => an.startActor('x', { loglevel: 'loud' as never }), /loglevel/), fromRoot);
  assert.equal(await invalid(() => an.runInActor(add, { a: 1, b: 2 }, { loglevel: 'loud' as never }), /loglevel/), fromRoot);
  assert.equal(await invalid(() => tractor.openNursery({ loglevel: 'loud' as never }), /loglevel/), fromRoot);
  // SpawnOptions.startMethod is checked, not ignored
  await invalid(() => an.startActor('x', { startMethod: 'fork' as never }), /unknown startMethod "fork"/);
  await invalid(() => an.startActor('', {}), /startActor\(name\) needs a non-empty actor name/);
  await invalid(() => an.startActor('x', { enableModules: 'mod' as never }), /enableModules must be a list/);
  await invalid(() => tractor.openActorCluster({ modules: [CORE], count: 0 }), /count must be a positive integer/);
  await invalid(() => tractor.openActorCluster({ modules: [CORE], startMethod: 'fork' as never }), /unknown startMethod/);
  assert.equal(actorProcesses().length, before, 'no actor was spawned');
});

/** A stand-in parent: accepts the child's connection, answers its Aid, sends `runtimeVars` in a SpawnSpec. */
test("a child fails its boot, reported to its parent, on runtime variables that do not check out", T, async () => {
  const uuid = randomUUID();
  const frames: Record<string, unknown>[] = [];
  let buf = Buffer.alloc(0);
  const server = net.createServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32LE(0)) {
        const len = buf.readUInt32LE(0);
        const msg = decode(buf.subarray(4, 4 + len)) as Record<string, unknown>;
        buf = buf.subarray(4 + len);
        frames.push(msg);
        if (msg.msg_type === 'Aid') {
          const send = (m: unknown) => {
            const body = encode(m);
            const head = Buffer.alloc(4);
            head.writeUInt32LE(body.length);
            socket.write(Buffer.concat([head, body]));
          };
          send({ msg_type: 'Aid', name: 'fake-parent', uuid: randomUUID(), pid: process.pid });
          send({
            msg_type: 'SpawnSpec', name: 'kid', uuid, enable_modules: [], reg_addrs: [], bind_addrs: [],
            _runtime_vars: { isRoot: false, debugMode: false, registryAddrs: [], loglevel: 'loud', startMethod: 'subprocess', enableTransports: ['tcp'], depth: 1 },
            _parent_main_data: { main_url: null },
          });
        }
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as net.AddressInfo;
    const entry = new URL('../../dist/spawn/entry.js', import.meta.url);
    const child = spawn(process.execPath, [entry.pathname, `tcp://127.0.0.1:${port}`, uuid, 'kid'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1, stderr);
    const err = frames.find((f) => f.msg_type === 'Error');
    assert.ok(err, `the child reported its failure (got ${frames.map((f) => f.msg_type).join(', ')})`);
    assert.equal(err.src_type_str, 'MsgTypeError');
    assert.match(String(err.message), /SpawnSpec _runtime_vars: unknown loglevel "loud"/);
    assert.match(stderr, /bad runtime variables from its parent/);
  } finally {
    server.close();
  }
});
