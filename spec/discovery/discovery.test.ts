// Discovery: the registrar, registration of every actor, findActor /
// waitForActor / queryActor / getRegistry, and the errors of registry
// addresses that are dead or held by something else (real processes).
//
// Every test uses a registry address of its own (a free port), so tests that
// run concurrently never see each other's actors.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import {
  blockFor, DISC, findAndCallSlow, findAndGreet, findConcurrently, findOnSharedConnection, findTimed, findTwice, hello, holdFound, holdSubtree, type SubtreeInfo, waitAndGreet,
} from '../fixtures/discovery.ts';
import { freePort, privateRegistry, registryEntries, registryNames, runProgram, untilRegistry } from '../discovery-helpers.ts';
import { isAlive, thrown, until, waitDead, within } from '../helpers.ts';

const T = { timeout: 20_000 };
const ROOT_PROGRAM = new URL('../fixtures/programs/discovery-root.ts', import.meta.url);
const DAEMON_PROGRAM = new URL('../fixtures/programs/discovery-daemon.ts', import.meta.url);
const CLIENT_PROGRAM = new URL('../fixtures/programs/discovery-client.ts', import.meta.url);

/** A loopback server that is not a registrar: it answers every connection with `reply` (or stays silent). */
async function impostor(reply: ((socket: net.Socket) => void) | undefined): Promise<{ addr: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    reply?.(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    addr: `tcp://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Elapsed ms of `fn`, with what it threw. */
async function timed(fn: () => Promise<unknown>): Promise<{ ms: number; err: unknown }> {
  const t0 = Date.now();
  const err = await thrown(fn);
  return { ms: Date.now() - t0, err };
}

// ------------------------------------------------------------------ the registrar

test('the first root finds nobody at the registry address, listens there and becomes the registrar', T, async () => {
  const reg = await privateRegistry();
  await using root = await tractor.openRoot({ name: 'first', registryAddrs: [reg] });
  const me = tractor.currentActor();
  assert.equal(me.isRegistrar, true);
  assert.ok(me.addrs.includes(reg), `the registrar listens on ${reg}: ${me.addrs}`);
  assert.deepEqual(tractor.getRuntimeVars().registryAddrs, [reg]);
  const [entry] = await registryEntries(reg);
  assert.deepEqual(entry, { name: 'first', uuid: me.uid[1], pid: process.pid, addrs: [...me.addrs] }, 'the registrar registers itself');
  void root;
});

test('a second root (a separate program) registers with the first, and each finds the other', T, async () => {
  const reg = await privateRegistry();
  await using _root = await tractor.openRoot({ name: 'first', registryAddrs: [reg], enableModules: [DISC] });
  const second = runProgram(ROOT_PROGRAM, ['second'], { env: { TRACTOR_TS_REGISTRY_ADDRS: reg } });
  try {
    const info = JSON.parse(await second.line(/^\{/)) as { pid: number; isRegistrar: boolean };
    assert.equal(info.isRegistrar, false, 'the address was taken: the second root registers instead');
    assert.deepEqual(await registryNames(reg), ['first', 'second'], 'registered by the time its root is open');

    // the first finds the second...
    await using portal = await tractor.findActor('second');
    assert.ok(portal, 'findActor(second)');
    const peer = await portal.run(hello);
    assert.equal(peer.name, 'second');
    assert.equal(peer.pid, info.pid);

    // ...and a third program finds the first (RPC and a context stream)
    const client = runProgram(CLIENT_PROGRAM, ['first'], { env: { TRACTOR_TS_REGISTRY_ADDRS: reg } });
    try {
      assert.equal((await client.exited).code, 0, client.stderr());
      const steps = client.stdout().trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(steps[0].isRegistrar, false);
      assert.equal(steps[1].peer.name, 'first');
      assert.equal(steps[1].peer.isRegistrar, true);
      assert.deepEqual(steps[2], { step: 'stream', first: 'hi from first', echoed: [2, 4, 6], result: 3 });
    } finally {
      await client.kill();
    }
    await untilRegistry(reg, (n) => !n.includes('client'), 'the client program to unregister at exit');
  } finally {
    second.proc.kill('SIGTERM');
    await second.exited;
  }
  assert.deepEqual(await untilRegistry(reg, (n) => n.length === 1, 'the second root to unregister'), ['first']);
});

test('roots booting at once: exactly one becomes the registrar, every other registers with it', T, async () => {
  const reg = await privateRegistry();
  const names = ['r0', 'r1', 'r2'];
  const programs = names.map((n) => runProgram(ROOT_PROGRAM, [n], { env: { TRACTOR_TS_REGISTRY_ADDRS: reg } }));
  try {
    const infos = await Promise.all(programs.map(async (p) => JSON.parse(await p.line(/^\{/)) as { name: string; isRegistrar: boolean }));
    assert.equal(infos.filter((i) => i.isRegistrar).length, 1, JSON.stringify(infos));
    await using _root = await tractor.openRoot({ name: 'observer', registryAddrs: [reg] });
    assert.equal(tractor.currentActor().isRegistrar, false);
    assert.deepEqual((await registryNames(reg)).sort(), [...names, 'observer'].sort(), 'nobody stayed unregistered');
  } finally {
    for (const p of programs) await p.kill();
  }
});

test('a root never takes over a uds:// address something still listens on; a stale socket file is replaced', T, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tractor-uds-'));
  const file = path.join(dir, 'bound.sock');
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(file, resolve));
  try {
    // Live: taking it over would cut off its listener (and let two roots both be the registrar of one address).
    await assert.rejects(tractor.openRoot({ bindAddrs: [`uds://${file}`], registryAddrs: [await privateRegistry()] }), /EADDRINUSE/);
    assert.equal(tractor.isRootProcess(), true);
  } finally {
    await new Promise((r) => holder.close(r));
  }
  // Stale: a file nothing listens on (its process died) is removed and the address bound.
  writeFileSync(file, '');
  try {
    await using _root = await tractor.openRoot({ bindAddrs: [`uds://${file}`], registryAddrs: [await privateRegistry()] });
    assert.deepEqual(tractor.currentActor().addrs.filter((a) => a.startsWith('uds://')), [`uds://${file}`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('getRegistry on an actor that is not a registrar is a NotARegistrar (a RegistryError)', T, async () => {
  const reg = await privateRegistry();
  await using an = await tractor.openNursery({ registryAddrs: [reg], enableModules: [DISC] });
  await an.startActor('plain');
  await using _found = await tractor.waitForActor('plain');
  const addr = await tractor.queryActor('plain');
  assert.ok(addr);
  await assert.rejects(tractor.getRegistry(addr), (err: Error) => {
    assert.ok(err instanceof tractor.NotARegistrar, String(err));
    assert.ok(err instanceof tractor.RegistryError);
    assert.equal((err as tractor.NotARegistrar).code, 'ERR_TRACTOR_NOT_A_REGISTRAR');
    assert.match(err.message, /not a registrar/);
    return true;
  });
});

// ------------------------------------------------------------------ registration

test('every actor, children and grandchildren too, registers at boot and unregisters at exit', T, async () => {
  const reg = await privateRegistry();
  await using _root = await tractor.openRoot({ name: 'root', registryAddrs: [reg] });
  assert.deepEqual(await registryNames(reg), ['root'], 'before');
  {
    await using an = await tractor.openNursery({ enableModules: [DISC] });
    const alpha = await an.startActor('alpha');
    const beta = await an.startActor('beta');
    await using ctx = await alpha.openContext(holdSubtree, { child: 'gamma' });
    await untilRegistry(reg, (n) => ['alpha', 'beta', 'gamma'].every((x) => n.includes(x)), 'alpha, beta and gamma to register');
    const entries = await registryEntries(reg);
    const gamma = entries.find((e) => e.name === 'gamma')!;
    const first = ctx.first as SubtreeInfo;
    assert.equal(gamma.pid, first.childPid);
    assert.deepEqual(gamma.addrs, first.child, 'an entry holds the addresses the actor listens on');

    assert.equal(await beta.cancelActor(), true);
    await untilRegistry(reg, (n) => !n.includes('beta'), 'a cancelled actor to unregister');
    await ctx.cancel();
    await untilRegistry(reg, (n) => !n.includes('gamma'), 'a grandchild to unregister when its nursery closes');
  }
  assert.deepEqual(await untilRegistry(reg, (n) => n.length === 1, 'every child to unregister'), ['root'], 'after');
});

test("a SIGKILLed actor's entry disappears from the registry (its registration connection closed)", T, async () => {
  const reg = await privateRegistry();
  await using _root = await tractor.openRoot({ name: 'root', registryAddrs: [reg] });
  // a root in a separate program...
  const victim = runProgram(ROOT_PROGRAM, ['victim'], { env: { TRACTOR_TS_REGISTRY_ADDRS: reg } });
  try {
    await victim.line(/^\{/);
    assert.ok((await registryNames(reg)).includes('victim'));
    victim.proc.kill('SIGKILL');
    await untilRegistry(reg, (n) => !n.includes('victim'), 'the killed program to vanish', 3000);
  } finally {
    await victim.kill();
  }
  // ...and a child actor
  const an = await tractor.openNursery({ enableModules: [DISC] });
  const err = await thrown(async () => {
    await using _an = an;
    const child = await an.startActor('kid');
    await untilRegistry(reg, (n) => n.includes('kid'), 'kid to register');
    process.kill(child.chan.aid!.pid, 'SIGKILL');
    await untilRegistry(reg, (n) => !n.includes('kid'), 'the killed child to vanish', 3000);
    assert.equal(await tractor.findActor('kid'), undefined);
  });
  assert.ok(err instanceof tractor.ActorFailure, `the nursery reports the killed daemon: ${err}`);
});

test('several actors may share a name: findActor returns the most recently registered one that answers', T, async () => {
  const reg = await privateRegistry();
  await using an = await tractor.openNursery({ registryAddrs: [reg], enableModules: [DISC] });
  const older = await an.startActor('twin');
  await untilRegistry(reg, (n) => n.includes('twin'), 'the first twin');
  const newer = await an.startActor('twin');
  await untilRegistry(reg, (n) => n.filter((x) => x === 'twin').length === 2, 'the second twin');
  {
    await using p = await tractor.findActor('twin');
    assert.equal((await p!.run(hello)).pid, newer.chan.aid!.pid, 'the newest registration wins');
  }
  await newer.cancelActor();
  await untilRegistry(reg, (n) => n.filter((x) => x === 'twin').length === 1, 'the newer twin to leave');
  await using p = await tractor.findActor('twin');
  assert.equal((await p!.run(hello)).pid, older.chan.aid!.pid, 'then the older one is found');
});

test('findActor and queryActor of a name nobody registered return undefined', T, async () => {
  const reg = await privateRegistry();
  await using an = await tractor.openNursery({ registryAddrs: [reg], enableModules: [DISC] });
  assert.equal(await tractor.findActor('nobody'), undefined);
  assert.equal(await tractor.queryActor('nobody'), undefined);
  // from a child, through the registrar's connection
  const child = await an.startActor('asker');
  assert.equal(await child.run(findAndGreet, { name: 'nobody' }), null);
});

test('queryActor returns the address the actor listens on', T, async () => {
  const reg = await privateRegistry();
  await using an = await tractor.openNursery({ registryAddrs: [reg], enableModules: [DISC] });
  const p = await an.startActor('target');
  const { addrs } = await p.run(hello);
  await untilRegistry(reg, (n) => n.includes('target'), 'target to register');
  const addr = await tractor.queryActor('target');
  assert.equal(typeof addr, 'string');
  assert.equal(addr, addrs[0]);
  assert.match(addr!, /^tcp:\/\/127\.0\.0\.1:\d+$/);
});

// ------------------------------------------------------------------ waitForActor

test('waitForActor blocks until a late actor registers, in the root and in a child', T, async () => {
  const reg = await privateRegistry();
  await using an = await tractor.openNursery({ registryAddrs: [reg], enableModules: [DISC] });
  let settled = false;
  const waiting = tractor.waitForActor('late').finally(() => (settled = true));
  const early = await an.startActor('early');
  const childWaiting = early.run(waitAndGreet, { name: 'late' });
  await tractor.sleep(300);
  assert.equal(settled, false, 'nothing named late is registered yet');
  await an.startActor('late');
  await using portal = await within(waiting, 5000, 'waitForActor(late)');
  assert.equal((await portal.run(hello)).name, 'late');
  assert.equal(await within(childWaiting, 5000, "the child's waitForActor"), 'early waited for late');
});

test('waitForActor is cancelled by opts.signal and by the ambient signal of a remote task', T, async () => {
  const reg = await privateRegistry();
  {
    // a wait given its own signal still ends with the registrar root that serves it
    const root = await tractor.openRoot({ registryAddrs: [reg] });
    const pending = thrown(() => tractor.waitForActor('never', { signal: new AbortController().signal }));
    await tractor.sleep(50);
    await root[Symbol.asyncDispose]();
    assert.ok(await within(pending, 2000, 'the wait to end with its root') instanceof tractor.Cancelled);
  }
  await using an = await tractor.openNursery({ registryAddrs: [reg], enableModules: [DISC] });
  // in the registrar itself
  const reason = new Error('gave up waiting');
  const ac = new AbortController();
  setTimeout(() => ac.abort(reason), 100);
  const local = await timed(() => tractor.waitForActor('never', { signal: ac.signal }));
  assert.equal(local.err, reason, 'rejects with the abort reason');
  assert.ok(local.ms < 2000, `promptly (${local.ms} ms)`);
  // in a child: cancelling the remote task cancels its wait on the registrar
  const child = await an.startActor('waiter');
  const remote = await timed(() => child.run(waitAndGreet, { name: 'never' }, { signal: AbortSignal.timeout(200) }));
  assert.equal((remote.err as Error).name, 'TimeoutError');
  assert.ok(remote.ms < 3000, `promptly (${remote.ms} ms)`);
  // the registrar is not left with stuck waiters: a later actor is still found by a fresh wait
  const later = tractor.waitForActor('never');
  await an.startActor('never');
  await using p = await within(later, 5000, 'a fresh waitForActor');
  assert.equal((await p.run(hello)).name, 'never');
});

// ------------------------------------------------------------------ registry methods

test("registry methods live only in the registrar's 'self' namespace, never among user functions", T, async () => {
  const reg = await privateRegistry();
  await using an = await tractor.openNursery({ registryAddrs: [reg], enableModules: [DISC] });
  const child = await an.startActor('plain');
  await untilRegistry(reg, (n) => n.includes('plain'), 'plain to register');
  // the registrar serves them under 'self'...
  await using registrar = await tractor.getRegistry(reg);
  assert.ok(Array.isArray(await registrar.runFromNs('self', 'get_registry')));
  // ...and a user module's function of the same name stays a user function
  assert.equal(await registrar.runFromNs(DISC, 'get_registry'), 'the user function get_registry');
  assert.equal(await child.runFromNs(DISC, 'get_registry'), 'the user function get_registry');
  // a user ns cannot reach them
  await assert.rejects(child.runFromNs(DISC, 'find_actor', { name: 'plain' }), (err: Error) => {
    assert.ok(err instanceof tractor.RemoteActorError);
    assert.match(err.message, /has no exported function 'find_actor'/);
    return true;
  });
  await assert.rejects(registrar.runFromNs('registry', 'register_actor', {}), tractor.RemoteActorError);
  // a non-registrar's 'self' has no registry methods, even if it enabled a module exporting one
  for (const func of ['register_actor', 'get_registry', 'find_actor']) {
    await assert.rejects(child.runFromNs('self', func, { name: 'x', uuid: 'u', pid: 1, addrs: [] }), (err: Error) => {
      assert.ok(err instanceof tractor.RemoteActorError, String(err));
      assert.equal((err as tractor.RemoteActorError).boxedTypeName, 'UnknownRuntimeMethod');
      assert.ok((err as tractor.RemoteActorError).cause instanceof tractor.UnknownRuntimeMethod);
      assert.match(err.message, new RegExp(`'${func}' is not a runtime method`));
      return true;
    });
  }
  assert.deepEqual((await registryNames(reg)).filter((n) => n === 'x'), [], 'nothing was registered');
});

// ------------------------------------------------------------------ bad registry addresses

test('a registry address held by something that is not a registrar is a RegistryError, within about a second', T, async () => {
  const servers = {
    'a server writing garbage': await impostor((s) => s.write(Buffer.from([0x05, 0, 0, 0, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1]))),
    'an HTTP server': await impostor((s) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'))),
    'an HTTP server that speaks first': await impostor((s) => s.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')),
    'a silent server': await impostor(undefined),
  };
  try {
    for (const [what, server] of Object.entries(servers)) {
      const { ms, err } = await timed(() => tractor.openRoot({ registryAddrs: [server.addr] }));
      assert.ok(err instanceof tractor.RegistryError, `${what}: ${err}`);
      assert.match((err as Error).message, new RegExp(`${server.addr.replace(/[.]/g, '\\.')} is held by something that is not a tractor-ts registrar`));
      assert.match((err as Error).message, /Free that address, or give every root the same free registryAddrs/);
      assert.ok(ms < 2500, `${what}: bounded (${ms} ms)`);
      assert.throws(() => tractor.currentActor(), tractor.RuntimeUsageError, 'the failed root is gone');
    }
  } finally {
    for (const s of Object.values(servers)) await s.close();
  }
  // a tractor-ts actor that is not the registrar
  const reg = await privateRegistry();
  await using an = await tractor.openNursery({ registryAddrs: [reg], enableModules: [DISC] });
  const { addrs } = await (await an.startActor('bystander')).run(hello);
  const { ms, err } = await timed(() => tractor.findActor('bystander', { registryAddrs: [addrs[0]!] }));
  assert.ok(err instanceof tractor.NotARegistrar, String(err));
  assert.match((err as Error).message, /\(bystander\) is not a registrar; point registryAddrs at the registrar/);
  assert.ok(ms < 2500, `bounded (${ms} ms)`);
});

test('a dead or unresponsive registry address is a RegistryError after a bounded wait', T, async () => {
  const reg = await privateRegistry();
  await using _an = await tractor.openNursery({ registryAddrs: [reg] });
  const dead = `tcp://127.0.0.1:${await freePort()}`;
  for (const call of [
    () => tractor.findActor('x', { registryAddrs: [dead] }),
    () => tractor.queryActor('x', { registryAddrs: [dead] }),
    () => tractor.waitForActor('x', { registryAddrs: [dead] }),
    () => tractor.getRegistry(dead),
  ]) {
    const { ms, err } = await timed(call);
    assert.ok(err instanceof tractor.RegistryError, String(err));
    assert.match((err as Error).message, new RegExp(`no registrar answers at ${dead.replace(/[.]/g, '\\.')}`));
    assert.ok(ms < 2000, `bounded (${ms} ms)`);
  }
  const silent = await impostor(undefined);
  try {
    const { ms, err } = await timed(() => tractor.findActor('x', { registryAddrs: [silent.addr], timeoutMs: 500 }));
    assert.ok(err instanceof tractor.RegistryError, String(err));
    assert.ok(ms < 2000, `bounded by timeoutMs (${ms} ms)`);
  } finally {
    await silent.close();
  }
  await assert.rejects(tractor.findActor('x', { registryAddrs: ['127.0.0.1:1'] }), tractor.InvalidAddress);
});

test('a registrar that dies while waitForActor waits on it: the registered root takes over and the wait goes on there', T, async () => {
  const reg = await privateRegistry();
  const registrar = runProgram(ROOT_PROGRAM, ['registrar'], { env: { TRACTOR_TS_REGISTRY_ADDRS: reg } });
  try {
    assert.equal((JSON.parse(await registrar.line(/^\{/)) as { isRegistrar: boolean }).isRegistrar, true);
    await using an = await tractor.openNursery({ registryAddrs: [reg] });
    assert.equal(tractor.currentActor().isRegistrar, false);
    const pending = tractor.waitForActor('late');
    pending.catch(() => {}); // awaited below; a rejection meanwhile must not be unhandled
    await tractor.sleep(200);
    registrar.proc.kill('SIGKILL');
    await until(() => tractor.currentActor().isRegistrar, 'this root to become the registrar', 5000);
    await an.startActor('late', { enableModules: [DISC] });
    await using portal = await within(pending, 10_000, 'waitForActor to find the late actor');
    assert.equal((await portal.run(hello)).name, 'late');
  } finally {
    await registrar.kill();
  }
});

test('a registrar that dies while waitForActor waits on it, with nobody to take over, is a RegistryError, not a hang', T, async () => {
  const reg = await privateRegistry();
  const registrar = runProgram(ROOT_PROGRAM, ['registrar'], { env: { TRACTOR_TS_REGISTRY_ADDRS: reg } });
  try {
    assert.equal((JSON.parse(await registrar.line(/^\{/)) as { isRegistrar: boolean }).isRegistrar, true);
    // This root's own registry is elsewhere: it is not registered at `reg`, so it takes no part in electing the next registrar there.
    await using _root = await tractor.openRoot({ registryAddrs: [await privateRegistry()] });
    const pending = timed(() => tractor.waitForActor('never', { registryAddrs: [reg] }));
    await tractor.sleep(200);
    registrar.proc.kill('SIGKILL');
    const { err } = await within(pending, 10_000, 'waitForActor to fail');
    assert.ok(err instanceof tractor.RegistryError, String(err));
    assert.match((err as Error).message, /no registrar answers at /);
    await assert.rejects(tractor.findActor('x', { registryAddrs: [reg] }), tractor.RegistryError, 'later calls: nobody answers');
  } finally {
    await registrar.kill();
  }
});

const HAS_PYTHON = spawnSync('python3', ['-c', '']).status === 0;

// Skipped without python3, the one tool here that holds a socket bound but not listening.
test('a registry address that is bound but accepts no connections is a RegistryError, within about a second', { ...T, skip: !HAS_PYTHON && 'needs python3 to hold a bound, non-listening socket' }, async () => {
  // python3 binds the port without listening: connecting is refused, and listening there fails with EADDRINUSE
  const port = await freePort();
  const holder = spawn('python3', ['-c', `import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", ${port})); print("bound", flush=True); sys.stdin.read()`], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    await new Promise((resolve) => holder.stdout!.once('data', resolve));
    const addr = `tcp://127.0.0.1:${port}`;
    const { ms, err } = await timed(() => tractor.openRoot({ registryAddrs: [addr] }));
    assert.ok(err instanceof tractor.RegistryError, String(err));
    assert.match((err as Error).message, new RegExp(`${addr.replace(/[.]/g, '\\.')} is in use, but nothing there accepts connections as a registrar`));
    assert.ok(ms < 2500, `bounded (${ms} ms)`);
  } finally {
    holder.kill('SIGKILL');
  }
});

test('a stale registration never makes findActor hang: unreachable entries are skipped and dropped', T, async () => {
  const reg = await privateRegistry();
  await using an = await tractor.openNursery({ registryAddrs: [reg], enableModules: [DISC] });
  const live = await an.startActor('svc');
  await untilRegistry(reg, (n) => n.includes('svc'), 'svc to register');
  const silent = await impostor(undefined);
  const dead = `tcp://127.0.0.1:${await freePort()}`;
  try {
    // stale entries, registered over a connection that stays open
    await using registrar = await tractor.getRegistry(reg);
    await registrar.runFromNs('self', 'register_actor', { name: 'ghost', uuid: 'ghost-1', pid: 1, addrs: [dead] });
    await registrar.runFromNs('self', 'register_actor', { name: 'svc', uuid: 'svc-stale', pid: 1, addrs: [silent.addr] });
    const ghost = await timed(() => tractor.findActor('ghost'));
    assert.equal(ghost.err, undefined);
    assert.ok(ghost.ms < 2000, `bounded (${ghost.ms} ms)`);
    assert.equal(await tractor.findActor('ghost'), undefined, 'nothing answers: undefined');
    await untilRegistry(reg, (n) => !n.includes('ghost'), 'the unreachable entry to be dropped', 2000);

    const t0 = Date.now();
    await using p = await tractor.findActor('svc', { timeoutMs: 500 });
    assert.ok(Date.now() - t0 < 2500, `bounded (${Date.now() - t0} ms)`);
    assert.equal((await p!.run(hello)).pid, live.chan.aid!.pid, 'the live, older entry answers');

    // an entry whose address another actor listens on now: never a portal to the wrong actor
    const { addrs } = await live.run(hello);
    await registrar.runFromNs('self', 'register_actor', { name: 'phantom', uuid: 'phantom-1', pid: 1, addrs });
    assert.equal(await tractor.findActor('phantom'), undefined);
    await untilRegistry(reg, (n) => !n.includes('phantom'), 'the phantom entry to be dropped', 2000);
  } finally {
    await silent.close();
  }
});

test('an actor that is alive but busy stays registered: a finder gives up (bounded) without dropping it', T, async () => {
  const reg = await privateRegistry();
  await using an = await tractor.openNursery({ registryAddrs: [reg], enableModules: [DISC] });
  const busy = await an.startActor('busy');
  const finder = await an.startActor('finder');
  await untilRegistry(reg, (n) => n.includes('busy') && n.includes('finder'), 'both to register');
  const marker = path.join(os.tmpdir(), `tractor-ts-busy-${process.pid}-${Date.now()}`);
  const blocking = busy.run(blockFor, { ms: 1500, marker });
  await until(() => existsSync(marker), 'busy to block its event loop');
  rmSync(marker);
  const miss = await finder.run(findTimed, { name: 'busy', timeoutMs: 300 });
  assert.equal(miss.found, null, 'a busy actor does not answer in time');
  assert.ok(miss.ms < 1200, `bounded by timeoutMs (${miss.ms} ms)`);
  assert.ok((await registryNames(reg)).includes('busy'), 'but it is not dropped from the registry');
  await blocking;
  assert.equal((await finder.run(findTimed, { name: 'busy', timeoutMs: 3000 })).found, 'busy', 'and it is found again');
});

// ------------------------------------------------------------------ connections

test('portals to the same actor reuse one connection', T, async () => {
  const reg = await privateRegistry();
  await using an = await tractor.openNursery({ registryAddrs: [reg], enableModules: [DISC] });
  const target = await an.startActor('target');
  const finder = await an.startActor('finder');
  await untilRegistry(reg, (n) => n.includes('target'), 'target to register');
  // between siblings: one connection, closed when the last portal is disposed
  assert.deepEqual(await finder.run(findTwice, { name: 'target' }), { same: true, usableAfterFirstDisposed: true, closedAfterBoth: true });
  assert.equal(await finder.run(findConcurrently, { name: 'target' }), true, 'concurrent finds open one connection too');
  // from a child to the registrar: its registration connection, which disposal leaves open
  assert.deepEqual(await finder.run(findOnSharedConnection, { name: 'root' }), { same: true, openAfterDispose: true, answers: 'root' });
  // in the registrar: the actor's registration connection, which disposal leaves open
  {
    await using a = await tractor.findActor('target');
    await using b = await tractor.findActor('target');
    assert.equal(a!.chan, b!.chan);
    assert.equal(a!.chan.aid!.uuid, target.chan.aid!.uuid);
  }
  await tractor.sleep(50);
  {
    await using c = await tractor.findActor('target');
    assert.equal(c!.chan.closed, false, 'disposing portals on a connection this actor did not open never closes it');
    assert.equal((await c!.run(hello)).name, 'target');
  }
  assert.equal(target.chan.closed, false);
  assert.equal((await target.run(hello)).name, 'target');
});

test("a peer disposing its portal to us never cuts our own calls to it short", T, async () => {
  const reg = await privateRegistry();
  await using an = await tractor.openNursery({ registryAddrs: [reg], enableModules: [DISC] });
  const a = await an.startActor('a');
  const b = await an.startActor('b');
  await untilRegistry(reg, (n) => n.includes('a') && n.includes('b'), 'a and b to register');
  // a opens a connection to b and holds a portal on it
  const held = await a.openContext(holdFound, { name: 'b' });
  // b finds a and makes a slow call into it; meanwhile a disposes its portal to b
  const call = b.run(findAndCallSlow, { name: 'a', ms: 400 });
  await tractor.sleep(150);
  await held.cancel();
  await held[Symbol.asyncDispose]();
  assert.equal(await within(call, 5000, "b's call"), 'a', "b's call completes");
});

// ------------------------------------------------------------------ runDaemon

test('runDaemon in a separate program is found and called by another program; SIGTERM unregisters it and exits 0', T, async () => {
  const reg = await privateRegistry();
  await using _root = await tractor.openRoot({ name: 'root', registryAddrs: [reg] });
  const env = { TRACTOR_TS_REGISTRY_ADDRS: reg };
  const daemon = runProgram(DAEMON_PROGRAM, ['pingd'], { env });
  try {
    await using portal = await within(tractor.waitForActor('pingd'), 10_000, 'the daemon to register');
    const peer = await portal.run(hello);
    assert.equal(peer.pid, daemon.proc.pid);
    const client = runProgram(CLIENT_PROGRAM, ['pingd'], { env });
    try {
      assert.equal((await client.exited).code, 0, client.stderr());
      const steps = client.stdout().trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(steps[1].peer.name, 'pingd');
      assert.equal(steps[1].addr, peer.addrs[0], 'queryActor from the other program');
      assert.deepEqual(steps[2].echoed, [2, 4, 6]);
    } finally {
      await client.kill();
    }
    daemon.proc.kill('SIGTERM');
    const exit = await within(daemon.exited, 5000, 'the daemon to exit on SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, daemon.stderr());
    assert.equal(daemon.stdout().trim(), 'daemon stopped');
    assert.equal(daemon.stderr(), '');
  } finally {
    await daemon.kill();
  }
  assert.deepEqual(await untilRegistry(reg, (n) => !n.includes('pingd'), 'the daemon to unregister'), ['root']);
});

// ------------------------------------------------------------------ UDS

test('a whole tree over UDS: uds:// addresses, socket files under the runtime dir while running, removed at exit', T, async () => {
  const dir = path.join(process.env.XDG_RUNTIME_DIR ?? os.tmpdir(), `tractor-ts-${os.userInfo().uid}`);
  const registry = `uds://${path.join(os.tmpdir(), `tractor-ts-registry-${process.pid}-${Date.now()}.sock`)}`;
  const files: string[] = [];
  let pids: number[] = [];
  {
    await using an = await tractor.openNursery({ enableTransports: ['uds'], registryAddrs: [registry], enableModules: [DISC] });
    const me = tractor.currentActor();
    assert.equal(me.isRegistrar, true, 'the registrar listens on the UDS registry address');
    const child = await an.startActor('branch');
    await using ctx = await child.openContext(holdSubtree, { child: 'leaf' });
    const first = ctx.first as SubtreeInfo;
    const addrs = [...me.addrs, ...first.self, ...first.child];
    for (const a of addrs) assert.match(a, /^uds:\/\/\//, `every address is a UDS one: ${addrs}`);
    for (const a of [...first.self, ...first.child]) {
      const file = a.slice('uds://'.length);
      assert.equal(path.dirname(file), dir, 'socket files live in the per-user runtime dir');
      assert.ok(existsSync(file), `${file} exists while the actor runs`);
      files.push(file);
    }
    assert.ok(existsSync(registry.slice('uds://'.length)));
    files.push(registry.slice('uds://'.length), ...me.addrs.map((a) => a.slice('uds://'.length)));
    // discovery over UDS: the grandchild is found and called
    await untilRegistry(registry, (n) => n.includes('leaf'), 'leaf to register');
    assert.equal(await tractor.queryActor('leaf'), first.child[0]);
    await using leaf = await tractor.findActor('leaf');
    const info = await leaf!.run(hello);
    assert.equal(info.name, 'leaf');
    pids = [child.chan.aid!.pid, info.pid];
    await ctx.cancel();
  }
  assert.deepEqual(await waitDead(pids, 3000), []);
  for (const f of files) assert.equal(existsSync(f), false, `${f} is removed at exit`);
  assert.ok(!pids.some(isAlive));
});
