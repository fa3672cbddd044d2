// startMethod 'prewarm' (SPEC "Spawn backends"): spares booted ahead of the
// spawn, taken once and replaced, never reused, gone with their parent. The
// behaviour it shares with 'subprocess' is checked by the suites run once per
// start method (spec/by-method/).
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { actorKind, CORE } from '../fixtures/core.ts';
import { listeners, PREWARM, sparesAfterPrewarmSpawn } from '../fixtures/prewarm.ts';
import { actorProcesses, runScript, within } from '../helpers.ts';

const PROGRAM = new URL('../fixtures/programs/prewarm-root.ts', import.meta.url);

/** Poll `actorProcesses(root)` until `ok` holds (bounded). */
async function processesUntil(ok: (pids: number[]) => boolean, what: string, root = process.pid): Promise<number[]> {
  return within((async () => {
    for (;;) {
      const pids = actorProcesses(root);
      if (ok(pids)) return pids;
      await new Promise((r) => setTimeout(r, 50));
    }
  })(), 15_000, what);
}

test('a prewarm spawn is served by a spare booted before it, and the spare is replaced', { timeout: 40_000 }, async () => {
  await using root = await tractor.openRoot({ startMethod: 'prewarm' });
  void root;
  const [spare] = await processesUntil((p) => p.length === 1, 'one spare');
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const first = await (await an.startActor('first')).run(actorKind);
  assert.equal(first.pid, spare, 'the actor is the spare that was waiting');
  assert.equal(first.isWorker, false);
  const [, replacement] = await processesUntil((p) => p.length === 2, 'a replacement spare');
  assert.notEqual(replacement, spare);
  const second = await (await an.runInActor(actorKind)).waitForResult();
  assert.equal(second.pid, replacement, 'the next spawn takes the replacement: a spare is never reused');
});

test('prewarm keeps as many spares as asked; 0 spawns fresh processes; a bad count is an InvalidArgument', { timeout: 40_000 }, async () => {
  {
    await using root = await tractor.openRoot({ startMethod: 'prewarm', prewarm: 2 });
    void root;
    await processesUntil((p) => p.length === 2, 'two spares');
  }
  assert.deepEqual(actorProcesses(), [], 'closing the root ends its spares');
  {
    await using an = await tractor.openNursery({ enableModules: [CORE], startMethod: 'prewarm', prewarm: 0 });
    assert.equal((await (await an.runInActor(actorKind)).waitForResult()).isWorker, false);
  }
  for (const bad of [-1, 1.5, 'two', 10_000]) {
    await assert.rejects(tractor.openRoot({ startMethod: 'prewarm', prewarm: bad as never }), tractor.InvalidArgument);
  }
});

test('a spare whose parent dies exits', { timeout: 40_000 }, async () => {
  const script = runScript(PROGRAM, ['2']);
  try {
    const { ready } = (await script.firstLine) as { ready: number };
    const pids = await processesUntil((p) => p.length === 2, 'two spares of the program', ready);
    script.proc.kill('SIGKILL');
    await script.exited;
    await within((async () => {
      while (pids.some((pid) => alive(pid))) await new Promise((r) => setTimeout(r, 50));
    })(), 15_000, 'the orphaned spares exiting');
  } finally {
    script.proc.kill('SIGKILL');
  }
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("a child's 'prewarm' spawns keep the root's prewarm count of spares, not the default", { timeout: 60_000 }, async () => {
  await using an = await tractor.openNursery({ enableModules: [PREWARM], prewarm: 2 });
  const child = await an.startActor('spawner');
  assert.equal(await child.run(sparesAfterPrewarmSpawn, { want: 2 }), 2);
});

test('a spare given other transports than TCP closes the TCP listener it bound ahead', { timeout: 40_000 }, async () => {
  await using root = await tractor.openRoot({ startMethod: 'prewarm', enableTransports: ['uds'] });
  void root;
  await processesUntil((p) => p.length === 1, 'one spare');
  await using an = await tractor.openNursery({ enableModules: [PREWARM] });
  const { addrs, tcpListening } = await (await an.startActor('uds-only')).run(listeners);
  assert.ok(addrs.length > 0 && addrs.every((a) => a.startsWith('uds://')), addrs.join(' '));
  assert.equal(tcpListening, 0, 'no TCP socket left listening');
});

// Every actor binds its TCP listener while its parent answers its handshake (spawn/child.ts), before it knows its transports.
for (const startMethod of ['subprocess', 'worker'] as const) {
  test(`a '${startMethod}' actor given other transports than TCP closes the TCP listener it bound during its handshake`, { timeout: 40_000 }, async () => {
    await using root = await tractor.openRoot({ enableTransports: ['uds'] });
    void root;
    await using an = await tractor.openNursery({ enableModules: [PREWARM], startMethod });
    const { addrs, tcpServers } = await (await an.startActor('uds-only')).run(listeners);
    assert.ok(addrs.length > 0 && addrs.every((a) => a.startsWith('uds://')), addrs.join(' '));
    assert.equal(tcpServers, 0, 'no TCP server left in its thread');
  });
}

test('a spare given TCP listens on the socket it bound ahead, and is reached there', { timeout: 40_000 }, async () => {
  await using root = await tractor.openRoot({ startMethod: 'prewarm' });
  void root;
  await processesUntil((p) => p.length === 1, 'one spare');
  await using an = await tractor.openNursery({ enableModules: [PREWARM, CORE] });
  const portal = await an.startActor('tcp');
  const { addrs, tcpListening } = await portal.run(listeners);
  assert.equal(tcpListening, 1);
  assert.match(addrs[0]!, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  // That address accepts connections (a socket taken over, not just bound).
  const port = Number(addrs[0]!.split(':').pop());
  await within(new Promise<void>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve()));
    s.once('error', reject);
  }), 10_000, 'a connection to the announced address');
});
