// Cookie authentication (SPEC "Security"): with a cookie, only processes that
// know it get in. Each attack runs against a real daemon program over a real
// socket (a raw one speaking tractor's framing by hand), and after each the
// daemon still answers a member of its own tree.
import { decode, encode } from '@msgpack/msgpack';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tractor from 'tractor-ts';
import { freePort, type Program, runProgram } from '../discovery-helpers.ts';
import { AUTH, findAndAsk, spawnGrandchild, whoami } from '../fixtures/auth.ts';
import { hello } from '../fixtures/discovery.ts';
import { within } from '../helpers.ts';

const T = { timeout: 30_000 };
const DAEMON = new URL('../fixtures/programs/auth-daemon.ts', import.meta.url);
const COOKIE = `test-cookie-${randomBytes(8).toString('hex')}`;

function frame(msg: unknown): Buffer {
  const body = encode(msg);
  const out = Buffer.alloc(4 + body.length);
  out.writeUInt32LE(body.length, 0);
  out.set(body, 4);
  return out;
}

/** A raw TCP peer: every frame it receives, decoded, and when the other side closes. */
function rawPeer(port: number) {
  const sock = net.connect(port, '127.0.0.1');
  const frames: Record<string, unknown>[] = [];
  let buf = Buffer.alloc(0);
  const waiters = new Set<() => void>();
  sock.on('data', (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32LE(0)) {
      const len = buf.readUInt32LE(0);
      frames.push(decode(buf.subarray(4, 4 + len)) as Record<string, unknown>);
      buf = buf.subarray(4 + len);
    }
    for (const w of waiters) w();
  });
  sock.on('error', () => {});
  const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  const connected = new Promise<void>((resolve) => sock.once('connect', () => resolve()));
  const frameAt = (i: number) => new Promise<Record<string, unknown>>((resolve, reject) => {
    const check = () => {
      if (frames[i]) {
        waiters.delete(check);
        resolve(frames[i]!);
      }
    };
    waiters.add(check);
    check();
    void closed.then(() => {
      if (!waiters.has(check)) return;
      waiters.delete(check);
      reject(new Error(`closed after ${frames.length} frame(s): ${JSON.stringify(frames)}`));
    });
  });
  return { sock, frames, closed, connected, frameAt, send: (m: unknown) => sock.write(frame(m)) };
}

const aid = (name: string, extra: Record<string, unknown> = {}) => ({ msg_type: 'Aid', name, uuid: randomUUID(), pid: process.pid, ...extra });

function isAuthError(m: Record<string, unknown> | undefined, re: RegExp): void {
  assert.equal(m?.msg_type, 'Error', JSON.stringify(m));
  assert.equal(m?.src_type_str, 'AuthenticationError');
  assert.match(String(m?.message), re);
}

/** A member of the daemon's tree (a root in this process, with the cookie) finds the daemon and calls it. */
async function stillServes(registry: string, name = 'authd'): Promise<void> {
  await using _root = await tractor.openRoot({ name: 'member', cookie: COOKIE, registryAddrs: [registry] });
  await using portal = await tractor.findActor(name);
  assert.ok(portal, `${name} is found by a member of its tree`);
  assert.equal((await portal.run(hello)).name, name);
}

/** Wait until the program's stderr matches `re` (its log line may follow the reply the test already got). */
async function logged(prog: Program, re: RegExp, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!re.test(prog.stderr())) {
    if (Date.now() > end) assert.fail(`stderr never matched ${re}:\n${prog.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startDaemon(name: string, env: Record<string, string>): Promise<{ prog: Program; registry: string; port: number }> {
  const port = await freePort();
  const registry = `tcp://127.0.0.1:${port}`;
  const prog = runProgram(DAEMON, [name], { env: { TRACTOR_TS_REGISTRY_ADDRS: registry, ...env } });
  await prog.line(/addrs/);
  return { prog, registry, port };
}

describe('a daemon with a cookie', () => {
  let d: Awaited<ReturnType<typeof startDaemon>>;
  before(async () => {
    d = await startDaemon('authd', { TRACTOR_TS_COOKIE: COOKIE });
  });
  after(async () => {
    await d?.prog.kill();
  });

  test('refuses a raw socket that sends no cookie, one that skips the handshake and garbage, and keeps serving its tree', T, async () => {
    const noCookie = rawPeer(d.port);
    noCookie.send(aid('intruder'));
    isAuthError(await noCookie.frameAt(0), /requires cookie authentication, and this connection sent none/);
    await within(noCookie.closed, 5000, 'the connection without a cookie to be closed');

    const skips = rawPeer(d.port);
    skips.send({ msg_type: 'Start', cid: 'x', ns: 'self', func: 'get_registry', kwargs: {}, uid: ['intruder', 'u'], pld_spec: null });
    isAuthError(await skips.frameAt(0), /got Start: it skipped authentication/);
    await within(skips.closed, 5000, 'the connection that skipped the handshake to be closed');
    assert.equal(skips.frames.length, 1, 'nothing but the refusal: the Start was never served');

    const garbage = rawPeer(d.port);
    await garbage.connected;
    garbage.sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await within(garbage.closed, 5000, 'the garbage connection to be closed');
    assert.equal(garbage.frames.length, 0);

    await stillServes(d.registry);
    await logged(d.prog, /(AuthenticationError[^]*){3}/);
  });

  test('refuses a root with a wrong cookie and a root with none, each with an AuthenticationError that says so', T, async () => {
    await assert.rejects(tractor.openRoot({ name: 'wrong', cookie: 'not-the-cookie', registryAddrs: [d.registry] }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_TRACTOR_AUTHENTICATION');
      assert.match(err.message, /does not know this tree's cookie/);
      return true;
    });
    await assert.rejects(tractor.openRoot({ name: 'nocookie', registryAddrs: [d.registry] }), (err: Error & { code?: string }) => {
      assert.ok(err instanceof tractor.AuthenticationError, String(err));
      assert.match(err.message, /refused this connection: actor 'authd' requires cookie authentication.*TRACTOR_TS_COOKIE/);
      return true;
    });
    await stillServes(d.registry);
    await logged(d.prog, /AuthenticationError: the peer at .* broke off authentication/);
  });

  test('refuses a replayed transcript of a member\'s handshake: fresh nonces make it worthless', T, async () => {
    // A member connects through a recording proxy: its whole side of the conversation is captured.
    const recorded: Buffer[] = [];
    const proxy = net.createServer((client) => {
      const upstream = net.connect(d.port, '127.0.0.1');
      client.on('data', (c: Buffer) => {
        recorded.push(c);
        upstream.write(c);
      });
      upstream.on('data', (c: Buffer) => client.write(c));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('error', () => {});
      upstream.on('error', () => {});
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const viaProxy = `tcp://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    try {
      await using _root = await tractor.openRoot({ name: 'recorded', cookie: COOKIE, registryAddrs: [viaProxy] });
      assert.equal(tractor.currentActor().isRegistrar, false, 'the member registered with the daemon through the proxy');
    } finally {
      proxy.close();
    }
    const transcript = Buffer.concat(recorded);
    assert.ok(transcript.length > 0);
    assert.ok(!transcript.includes(COOKIE), 'the cookie never crosses the wire');

    const replay = rawPeer(d.port);
    await replay.connected;
    replay.sock.write(transcript);
    await within(replay.closed, 10_000, 'the replayed connection to be closed');
    assert.equal(replay.frames[0]?.msg_type, 'Aid', 'the daemon answers the replayed Aid with a fresh challenge');
    isAuthError(replay.frames[1], /does not match/);
    assert.equal(replay.frames.length, 2, `no call of the transcript was served: ${JSON.stringify(replay.frames.map((f) => f.msg_type))}`);
    await stillServes(d.registry);
  });

  test('drops a peer that stalls mid-handshake within the bound, with an AuthenticationError, while serving others', T, async () => {
    const staller = rawPeer(d.port);
    staller.send(aid('staller', { auth: { v: 1, key: 'cookie', nonce: randomBytes(32) } }));
    const challenge = await staller.frameAt(0);
    assert.equal(challenge.msg_type, 'Aid');
    assert.ok((challenge.auth as { nonce: Uint8Array }).nonce.length === 32, 'the daemon sends its own nonce');
    // It never sends its proof. Meanwhile the daemon serves its tree.
    await stillServes(d.registry);
    isAuthError(await within(staller.frameAt(1), 15_000, 'the staller to be refused'), /did not complete authentication within \d+ ms/);
    await within(staller.closed, 5000, 'the staller to be dropped');
    await logged(d.prog, /AuthenticationError: the peer at .* did not complete authentication/);
    await stillServes(d.registry);
  });

  test('refuses a raw peer that claims to be a spawned child: a spawn token is good only for the child it was made for', T, async () => {
    const claim = rawPeer(d.port);
    claim.send(aid('impostor', { auth: { v: 1, key: 'spawn', nonce: randomBytes(32) } }));
    isAuthError(await claim.frameAt(0), /no spawn is waiting for actor/);
    await within(claim.closed, 5000, 'the impostor to be dropped');
    await stillServes(d.registry);
  });
});

test('a tree with a cookie and one without cannot talk, and the error says so', T, async () => {
  const open = await startDaemon('opend', {});
  try {
    await assert.rejects(tractor.openRoot({ name: 'withcookie', cookie: COOKIE, registryAddrs: [open.registry] }), (err: Error) => {
      assert.ok(err instanceof tractor.AuthenticationError, String(err));
      assert.match(err.message, /actor 'opend' has no cookie, and this connection uses one: a tree with a cookie and one without cannot talk/);
      return true;
    });
    await logged(open.prog, /AuthenticationError: actor 'opend' has no cookie/);
    // Without a cookie nothing changed for its own (cookie-less) tree.
    await using _root = await tractor.openRoot({ name: 'plain', registryAddrs: [open.registry] });
    await using portal = await tractor.findActor('opend');
    assert.equal((await portal!.run(hello)).name, 'opend');
  } finally {
    await open.prog.kill();
  }
});

test('children get the cookie privately (never in argv or environment) and spawn, find and call with it', T, async () => {
  const saved = process.env.TRACTOR_TS_COOKIE;
  process.env.TRACTOR_TS_COOKIE = COOKIE; // the environment path of RootOptions.cookie
  try {
    await using an = await tractor.openNursery({ name: 'cookieroot', registryAddrs: [`tcp://127.0.0.1:${await freePort()}`] });
    const kid = await an.startActor('kid', { enableModules: [AUTH] });
    const me = await kid.run(whoami);
    const cmdline = readFileSync(`/proc/${me.pid}/cmdline`, 'utf8');
    const environ = readFileSync(`/proc/${me.pid}/environ`, 'utf8');
    assert.ok(!cmdline.includes(COOKIE) && !environ.includes(COOKIE), 'the cookie is in neither argv nor the environment of a child');
    assert.ok(!environ.includes('TRACTOR_TS_COOKIE='), 'TRACTOR_TS_COOKIE is not passed down');
    assert.equal((await kid.run(spawnGrandchild)).name, 'grandchild', 'a child spawns with the cookie it received');
    const other = await an.startActor('other', { enableModules: [AUTH] });
    assert.deepEqual((await other.run(findAndAsk, { name: 'kid' }))?.name, 'kid', 'children find and call each other through the registrar');
    await using cluster = await tractor.openActorCluster({ modules: [AUTH], count: 2 });
    for (const p of cluster.portals.values()) assert.match((await p.run(whoami)).name, /^worker_/);
  } finally {
    if (saved === undefined) delete process.env.TRACTOR_TS_COOKIE;
    else process.env.TRACTOR_TS_COOKIE = saved;
  }
});

test('a tree over UDS with a cookie spawns and calls its children (the spawn token works on every transport)', T, async () => {
  await using an = await tractor.openNursery({ name: 'udsroot', cookie: COOKIE, enableTransports: ['uds'], registryAddrs: [`tcp://127.0.0.1:${await freePort()}`] });
  const kid = await an.startActor('udskid', { enableModules: [AUTH] });
  assert.equal((await kid.run(whoami)).name, 'udskid');
  assert.equal((await kid.run(spawnGrandchild)).name, 'grandchild');
});

test('a cookie must be a non-empty string (InvalidArgument)', T, async () => {
  for (const cookie of ['', 42 as unknown as string]) {
    await assert.rejects(tractor.openRoot({ cookie }), (err: Error & { code?: string }) => {
      assert.ok(err instanceof tractor.InvalidArgument && err.code === 'ERR_TRACTOR_INVALID_ARG', String(err));
      assert.match(err.message, /cookie must be a non-empty string/);
      return true;
    });
  }
});

test('the tractor-ts command takes the cookie from --cookie-file: a registrar and list with it, list without it refused', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trt-cookie-'));
  const file = path.join(dir, 'cookie');
  writeFileSync(file, `${COOKIE}\n`, { mode: 0o600 });
  const cli = new URL('../../lib/cli.ts', import.meta.url);
  const port = await freePort();
  const registry = `tcp://127.0.0.1:${port}`;
  const registrar = runProgram(cli, ['registrar', '--registry', registry, '--cookie-file', file, '--name', 'clireg']);
  try {
    const listed = async (args: string[]) => {
      const p = runProgram(cli, ['list', '--registry', registry, ...args]);
      return { exit: await within(p.exited, 30_000, 'tractor-ts list to finish'), out: p.stdout(), err: p.stderr() };
    };
    // Until the registrar listens (a list run before would become the registrar itself).
    for (let up = false; !up;) {
      assert.equal(registrar.proc.exitCode, null, registrar.stderr());
      up = await new Promise<boolean>((resolve) => {
        const probe = net.connect(port, '127.0.0.1', () => resolve(true));
        probe.on('error', () => resolve(false));
        probe.on('connect', () => probe.destroy());
      });
      if (!up) await new Promise((r) => setTimeout(r, 100));
    }
    const ok = await listed(['--cookie-file', file]);
    assert.equal(ok.exit.code, 0, ok.err);
    assert.match(ok.out, /^clireg\t/m);
    const refused = await listed([]);
    assert.equal(refused.exit.code, 1);
    assert.match(refused.err, /AuthenticationError: .*requires cookie authentication/);
    chmodSync(file, 0o644);
    const loose = await listed(['--cookie-file', file]);
    assert.equal(loose.exit.code, 2);
    assert.match(loose.err, /bad --cookie-file: .* may be read by other users .*chmod 600/);
  } finally {
    await registrar.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
