// Discovery that survives its registrar: when the registrar goes away, the
// actors registered with it elect the next one among themselves (a bind race
// on the registry address) and register with it again; a lookup made during
// that gap waits (bounded) for the next registrar rather than failing.
// Separate programs, real sockets, real signals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { hello } from '../fixtures/discovery.ts';
import { privateRegistry, registryNames, runProgram, untilRegistry } from '../discovery-helpers.ts';
import { within } from '../helpers.ts';

const T = { timeout: 60_000 };
const ROOT_PROGRAM = new URL('../fixtures/programs/discovery-root.ts', import.meta.url);
const DAEMON_PROGRAM = new URL('../fixtures/programs/discovery-daemon.ts', import.meta.url);
const CLIENT_PROGRAM = new URL('../fixtures/programs/discovery-client.ts', import.meta.url);
const FIND_PROGRAM = new URL('../fixtures/programs/discovery-find.ts', import.meta.url);

test('a short-lived client that became the registrar exits: the daemon registered with it stays findable by a new client', T, async () => {
  const env = { TRACTOR_TS_REGISTRY_ADDRS: await privateRegistry() };
  const first = runProgram(CLIENT_PROGRAM, ['svc'], { env });
  let daemon: ReturnType<typeof runProgram> | undefined;
  try {
    assert.deepEqual(JSON.parse(await first.line(/"step":"boot"/)), { step: 'boot', isRegistrar: true }, 'the first program is the registrar');
    daemon = runProgram(DAEMON_PROGRAM, ['svc'], { env });
    assert.deepEqual((await first.exited).code, 0, first.stderr());
    const steps = first.stdout().trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(steps[1].peer.name, 'svc', 'the first client found the daemon');
    assert.equal(steps[1].peer.isRegistrar, false, 'while the client was the registrar');

    const second = runProgram(FIND_PROGRAM, ['svc'], { env });
    try {
      assert.equal((await second.exited).code, 0, second.stderr());
      const found = JSON.parse(second.stdout()) as { isRegistrar: boolean; peer: { name: string; pid: number; isRegistrar: boolean } | null };
      assert.ok(found.peer, `the new client finds the daemon (stdout: ${second.stdout()}, stderr: ${second.stderr()})`);
      assert.equal(found.peer.pid, daemon.proc.pid);
      assert.equal(found.isRegistrar, false, 'the new client found a registrar: it did not become one');
      assert.equal(found.peer.isRegistrar, true, 'the daemon, the only actor left registered, was elected');
    } finally {
      await second.kill();
    }
    daemon.proc.kill('SIGTERM');
    assert.deepEqual(await within(daemon.exited, 10_000, 'the daemon to exit on SIGTERM'), { code: 0, signal: null }, daemon.stderr());
  } finally {
    await first.kill();
    await daemon?.kill();
  }
});

test('the registrar is SIGKILLed: of the programs registered with it exactly one becomes the registrar, and every one registers with it', T, async () => {
  const reg = await privateRegistry();
  const env = { TRACTOR_TS_REGISTRY_ADDRS: reg };
  // The test's own root (for its lookups) has a registry of its own: it takes no part in the election.
  await using _root = await tractor.openRoot({ name: 'checker', registryAddrs: [await privateRegistry()] });
  const registrar = runProgram(ROOT_PROGRAM, ['registrar'], { env });
  const others: ReturnType<typeof runProgram>[] = [];
  try {
    assert.equal(JSON.parse(await registrar.line(/^\{/)).isRegistrar, true);
    for (const name of ['a', 'b', 'c']) others.push(runProgram(DAEMON_PROGRAM, [name], { env }));
    await untilRegistry(reg, (n) => ['a', 'b', 'c'].every((x) => n.includes(x)), 'a, b and c to register', 15_000);
    registrar.proc.kill('SIGKILL');
    await registrar.exited;
    const names = await untilRegistry(reg, (n) => ['a', 'b', 'c'].every((x) => n.includes(x)), 'a, b and c to register again', 15_000);
    assert.ok(!names.includes('registrar'), `the dead registrar is gone from the new registry: ${JSON.stringify(names)}`);
    const elected = [];
    for (const name of ['a', 'b', 'c']) {
      await using p = await tractor.findActor(name, { registryAddrs: [reg] });
      assert.ok(p, `${name} is found`);
      if ((await p.run(hello)).isRegistrar) elected.push(name);
    }
    assert.equal(elected.length, 1, `exactly one registrar: ${JSON.stringify(elected)}`);
  } finally {
    await registrar.kill();
    for (const o of others) o.proc.kill('SIGTERM');
    for (const o of others) await within(o.exited, 10_000, 'a daemon to exit').finally(() => o.kill());
  }
});

test('a lookup made while no registrar is up waits for the next one to be elected, instead of failing', T, async () => {
  const reg = await privateRegistry();
  const env = { TRACTOR_TS_REGISTRY_ADDRS: reg };
  await using _root = await tractor.openRoot({ name: 'checker', registryAddrs: [await privateRegistry()] });
  const registrar = runProgram(ROOT_PROGRAM, ['registrar'], { env });
  assert.equal(JSON.parse(await registrar.line(/^\{/)).isRegistrar, true);
  const daemon = runProgram(DAEMON_PROGRAM, ['svc'], { env });
  try {
    await untilRegistry(reg, (n) => n.includes('svc'), 'the daemon to register', 15_000);
    // Freeze the daemon so that it cannot take over at once: the gap is real while it is stopped.
    daemon.proc.kill('SIGSTOP');
    registrar.proc.kill('SIGKILL');
    await registrar.exited;
    const lookup = tractor.findActor('svc', { registryAddrs: [reg] });
    await tractor.sleep(100);
    daemon.proc.kill('SIGCONT');
    await using portal = await within(lookup, 10_000, 'the lookup');
    assert.ok(portal, 'the lookup found the daemon once it became the registrar');
    const peer = await portal.run(hello);
    assert.equal(peer.pid, daemon.proc.pid);
    assert.equal(peer.isRegistrar, true);
    assert.deepEqual(await registryNames(reg), ['svc']);
  } finally {
    daemon.proc.kill('SIGCONT');
    await registrar.kill();
    daemon.proc.kill('SIGTERM');
    await within(daemon.exited, 10_000, 'the daemon to exit').finally(() => daemon.kill());
  }
});

test('a lookup at a registry address nobody serves still fails, after a bounded wait', T, async () => {
  await using _root = await tractor.openRoot({ name: 'checker', registryAddrs: [await privateRegistry()] });
  const dead = await privateRegistry();
  await assert.rejects(within(tractor.findActor('svc', { registryAddrs: [dead] }), 10_000, 'the lookup to fail'), tractor.RegistryError);
});

test('a root joining while the registrar is exiting (its connection reset before the Aid) takes the registry address over instead of failing', T, async () => {
  const reg = await privateRegistry();
  const registrar = runProgram(ROOT_PROGRAM, ['registrar'], { env: { TRACTOR_TS_REGISTRY_ADDRS: reg } });
  try {
    assert.equal(JSON.parse(await registrar.line(/^\{/)).isRegistrar, true);
    // Stopped, its listener still completes connections (in the kernel's backlog) but never answers;
    // killed then, it resets them: what a root joining meets when the registrar exits just then.
    registrar.proc.kill('SIGSTOP');
    const joining = tractor.openRoot({ name: 'joiner', registryAddrs: [reg] });
    joining.catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
    registrar.proc.kill('SIGKILL');
    await using _root = await within(joining, 10_000, 'the root to boot');
    assert.equal(tractor.currentActor().isRegistrar, true, 'the joining root became the registrar');
    assert.deepEqual(await registryNames(reg), ['joiner']);
  } finally {
    await registrar.kill();
  }
});
