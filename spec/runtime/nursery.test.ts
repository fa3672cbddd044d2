// ActorNursery: spawning, waiting, one-cancels-all, disposal and reaping (real processes).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import {
  add, boom, CORE, failAfter, failWhenFileExists, sleepForever, spinForever, whoami,
} from '../fixtures/core.ts';
import { actorProcesses, isAlive, PROCESS_ONLY, START_METHOD, waitDead } from '../helpers.ts';

const T = { timeout: 15_000 };

test('runInActor runs the function in a new actor and waitForResult returns its value', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const p = await an.runInActor(add, { a: 2, b: 40 });
  assert.equal(await p.waitForResult(), 42);
  if (START_METHOD === 'worker') assert.equal(p.chan.aid!.pid, process.pid, 'a worker actor is a thread of this process');
  else assert.notEqual(p.chan.aid!.pid, process.pid);
  assert.equal(p.chan.aid!.name, 'add', 'the name defaults to the function name');
});

test('startActor spawns a daemon that serves portal.run calls', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const p = await an.startActor('calc');
  assert.equal(await p.run(add, { a: 1, b: 2 }), 3);
  assert.equal(await p.run(add, { a: 3, b: 4 }), 7);
  const me = await p.run(whoami);
  assert.equal(me.name, 'calc');
  assert.equal(me.pid, p.chan.aid!.pid);
});

test('wait() raises the error of a runInActor child, and disposal does not raise it again', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  await an.runInActor(boom, { msg: 'wait sees me' });
  await assert.rejects(an.wait(), (err: unknown) => {
    assert.ok(err instanceof tractor.RemoteActorError);
    assert.equal(err.boxedType, TypeError);
    assert.match(err.message, /wait sees me/);
    return true;
  });
});

// PROCESS_ONLY (here and below): these check an actor's own process (its pid, signals, reaping); a 'worker' actor has none.
test('one-cancels-all: a child error cancels its siblings, aborts an.signal and rejects pending calls promptly', { ...T, skip: PROCESS_ONLY }, async () => {
  let sibling = 0;
  let daemon = 0;
  let failure: unknown;
  {
    await using an = await tractor.openNursery({ enableModules: [CORE] });
    const sleeper = await an.runInActor(sleepForever, {}, { name: 'sleeper' });
    const d = await an.startActor('daemon');
    sibling = sleeper.chan.aid!.pid;
    daemon = d.chan.aid!.pid;
    const pending = d.run(sleepForever);
    let abortedAt = 0;
    an.signal.addEventListener('abort', () => (abortedAt = Date.now()));
    const failing = await an.runInActor(failAfter, { ms: 200, msg: 'first to fail' });
    // The pending call under the nursery rejects with the child's error itself.
    await assert.rejects(pending, (err: unknown) => {
      failure = err;
      assert.ok(err instanceof tractor.RemoteActorError);
      assert.match(err.message, /first to fail/);
      return true;
    });
    assert.ok(an.signal.aborted);
    assert.equal(an.signal.reason, failure);
    assert.ok(Date.now() - abortedAt < 1000, `pending call rejected ${Date.now() - abortedAt} ms after an.signal aborted`);
    await assert.rejects(failing.waitForResult(), (err) => err === failure);
    assert.deepEqual(await waitDead([sibling, daemon], 2000), [], 'siblings are cancelled promptly');
    assert.ok(Date.now() - abortedAt < 2000, `siblings died ${Date.now() - abortedAt} ms after the failure (graceful, before any kill)`);
    // The error was delivered to the body (pending call, waitForResult): disposal does not raise it again.
  }
  assert.ok(!isAlive(sibling) && !isAlive(daemon));
});

test('disposal cancels still-running children and reaps every process', { ...T, skip: PROCESS_ONLY }, async () => {
  const pids: number[] = [];
  // The nursery logs a warning for each child it has to SIGKILL after the grace period: none may appear.
  const stderr: string[] = [];
  const write = process.stderr.write;
  try {
    await using an = await tractor.openNursery({ enableModules: [CORE] });
    pids.push((await an.runInActor(sleepForever)).chan.aid!.pid);
    const d = await an.startActor('daemon');
    pids.push(d.chan.aid!.pid);
    void d.run(sleepForever).catch(() => {});
    assert.ok(pids.every(isAlive));
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      stderr.push(String(chunk));
      return write.call(process.stderr, chunk, ...rest);
    }) as typeof process.stderr.write;
  } finally {
    process.stderr.write = write;
  }
  assert.deepEqual(pids.filter(isAlive), [], 'every child is dead and reaped when the block ends');
  assert.deepEqual(stderr.filter((l) => /killing it/.test(l)), [], 'graceful cancel: no child waited out the kill grace period');
});

test('several child errors are raised together as an AggregateError', T, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tractor-agg-'));
  const go = path.join(dir, 'go');
  try {
    await assert.rejects(async () => {
      await using an = await tractor.openNursery({ enableModules: [CORE] });
      await an.runInActor(failWhenFileExists, { path: go, msg: 'fail one' }, { name: 'one' });
      await an.runInActor(failWhenFileExists, { path: go, msg: 'fail two' }, { name: 'two' });
      writeFileSync(go, '');
      // Both fail at the same moment, before any cancellation can reach them.
    }, (err: unknown) => {
      assert.ok(err instanceof AggregateError, `expected an AggregateError, got ${err}`);
      assert.equal(err.errors.length, 2);
      const msgs = err.errors.map((e) => (e as Error).message).sort();
      assert.match(msgs[0]!, /fail one/);
      assert.match(msgs[1]!, /fail two/);
      for (const e of err.errors) assert.equal((e as tractor.RemoteActorError).boxedType, RangeError);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an error the body already received from waitForResult is not raised again at disposal', T, async () => {
  let seen: unknown;
  {
    await using an = await tractor.openNursery({ enableModules: [CORE] });
    const p = await an.runInActor(boom, { msg: 'delivered once' });
    await p.waitForResult().catch((err) => (seen = err));
  }
  assert.ok(seen instanceof tractor.RemoteActorError);
});

test('an error not received by the body is raised at disposal as itself', T, async () => {
  await assert.rejects(async () => {
    await using an = await tractor.openNursery({ enableModules: [CORE] });
    await an.runInActor(boom, { msg: 'raised at disposal' });
    await tractor.sleep(1000, AbortSignal.timeout(5000)).catch(() => {});
  }, (err: unknown) => err instanceof tractor.RemoteActorError && /raised at disposal/.test(err.message));
});

test('errors of children cancelled by the nursery itself are not errors', { ...T, skip: PROCESS_ONLY }, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const p = await an.runInActor(sleepForever);
  const d = await an.startActor('daemon');
  void d.run(sleepForever).catch(() => {});
  await an.cancel();
  assert.ok(an.signal.aborted);
  assert.ok(!isAlive(p.chan.aid!.pid) && !isAlive(d.chan.aid!.pid));
  // wait() and disposal raise nothing: the nursery cancelled them itself.
  await an.wait();
});

test('a child ignoring cancellation (busy CPU loop) is SIGKILLed after the grace period', { ...T, skip: PROCESS_ONLY }, async () => {
  let pid = 0;
  let t0 = 0;
  {
    await using an = await tractor.openNursery({ enableModules: [CORE] });
    pid = (await an.runInActor(spinForever)).chan.aid!.pid;
    t0 = Date.now();
  }
  const took = Date.now() - t0;
  assert.ok(!isAlive(pid), 'the busy child is dead and reaped');
  assert.ok(took >= 1900, `the child got its grace period (disposal took ${took} ms)`);
  assert.ok(took < 5000, `killed once the grace period ran out (disposal took ${took} ms)`);
});

test('a daemon that dies unexpectedly fails the nursery with an ActorFailure naming how it died', { ...T, skip: PROCESS_ONLY }, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const d = await an.startActor('victim');
  const other = await an.startActor('bystander');
  const pending = other.run(sleepForever);
  process.kill(d.chan.aid!.pid, 'SIGKILL');
  // One-cancels-all reaches the calls to the other actors, with the failure as the reason.
  await assert.rejects(pending, (err: unknown) => {
    assert.ok(err instanceof tractor.ActorFailure, `got ${err}`);
    assert.equal(err.signalCode, 'SIGKILL');
    assert.match(err.message, /victim/);
    assert.match(err.message, /SIGKILL/);
    assert.equal(an.signal.reason, err);
    return true;
  });
  // Delivered to the body by that call: disposal does not raise it again.
});

test('a daemon killed just before the block ends is still reported (its death is not mistaken for our cancel)', { ...T, skip: PROCESS_ONLY }, async () => {
  await assert.rejects(async () => {
    await using an = await tractor.openNursery({ enableModules: [CORE] });
    const d = await an.startActor('victim');
    process.kill(d.chan.aid!.pid, 'SIGKILL');
    // Leave at once: disposal asks the (already dead) actor to cancel before its exit is seen.
  }, (err: unknown) => err instanceof tractor.ActorFailure && err.signalCode === 'SIGKILL' && /victim/.test(err.message));
});

test('a daemon that exits gracefully on a cancel request from elsewhere (SIGTERM) is not an error', { ...T, skip: PROCESS_ONLY }, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const d = await an.startActor('terminated');
  assert.equal(await d.run(add, { a: 1, b: 1 }), 2); // booted: its SIGTERM handler is in place
  process.kill(d.chan.aid!.pid, 'SIGTERM');
  assert.deepEqual(await waitDead([d.chan.aid!.pid], 3000), []);
  await tractor.sleep(50, AbortSignal.timeout(1000));
  assert.ok(!an.signal.aborted, 'a graceful exit does not cancel the siblings');
});

test('a one-shot actor killed before returning fails waitForResult with an ActorFailure', { ...T, skip: PROCESS_ONLY }, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const p = await an.runInActor(sleepForever, {}, { name: 'short-lived' });
  await tractor.sleep(200, AbortSignal.timeout(5000));
  process.kill(p.chan.aid!.pid, 'SIGKILL');
  await assert.rejects(p.waitForResult(), (err: unknown) => {
    assert.ok(err instanceof tractor.ActorFailure, `got ${err}`);
    assert.equal(err.signalCode, 'SIGKILL');
    assert.match(err.message, /short-lived.*before returning its result/);
    return true;
  });
});

test('nursery.cancel({ hard: true }) kills every child at once', { ...T, skip: PROCESS_ONLY }, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const busy = await an.runInActor(spinForever);
  const d = await an.startActor('daemon');
  const t0 = Date.now();
  await an.cancel({ hard: true });
  assert.ok(Date.now() - t0 < 1000, `hard cancel took ${Date.now() - t0} ms`);
  assert.ok(!isAlive(busy.chan.aid!.pid) && !isAlive(d.chan.aid!.pid));
  assert.ok(an.signal.aborted);
});

test('a nursery that was cancelled refuses to spawn more actors', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  await an.cancel();
  await assert.rejects(an.startActor('late'));
});

test('loglevel given to a nursery reaches its children (and per-actor loglevel overrides it)', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE], loglevel: 'info' });
  const p = await an.startActor('logger');
  assert.equal((await p.run(whoami)).loglevel, 'info');
  const q = await an.startActor('quiet', { loglevel: 'error' });
  assert.equal((await q.run(whoami)).loglevel, 'error');
});

test('a malformed registry address is an InvalidAddress before anything boots', T, async () => {
  const before = actorProcesses().length;
  await assert.rejects(tractor.openNursery({ registryAddrs: ['127.0.0.1:1616'] }), tractor.InvalidAddress);
  await assert.rejects(tractor.openRoot({ registryAddrs: ['tcp://127.0.0.1'] }), tractor.InvalidAddress);
  assert.equal(actorProcesses().length, before);
  // Nothing was left half-booted: a valid root opens fine afterwards.
  await using root = await tractor.openRoot();
  assert.equal(tractor.currentActor().name, 'root');
});
