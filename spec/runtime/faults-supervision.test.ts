// Faults and supervision: a caught error stays caught (no library promise
// left without a handler), a peer's death mid-stream raises its cause,
// children failing together are raised together by an.wait().
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { CORE, failWhenFileExists } from '../fixtures/core.ts';
import { produce, throwNested } from '../fixtures/stream-faults.ts';
import { runScript, thrown } from '../helpers.ts';

const FIX = new URL('../fixtures/stream-faults.ts', import.meta.url).href;
const T = { timeout: 60_000 };

test('openContext through a SIGKILLed child (its ActorFailure, raised once), then through a closed nursery: each rejects and is caught; no unhandled rejection in the library', T, async () => {
  const s = runScript(new URL('../fixtures/programs/open-after-death.ts', import.meta.url));
  const { code } = await s.exited;
  const got = (await s.firstLine) as { caught: string[]; unhandled: number };
  assert.equal(got.unhandled, 0, `no unhandled rejection; stderr:\n${s.stderr()}`);
  // The dead child's open raises its death (the ActorFailure the nursery records), so the block adds nothing.
  assert.deepEqual(got.caught, ['ActorFailure', 'TransportClosed'], 'the open through the closed nursery rejected too');
  assert.equal(code, 0);
});

/**
 * Stream from a daemon child producing a million messages and SIGKILL it at
 * the 100th: what the stream raised, what the whole block raised (nursery,
 * context and stream disposed), and how many messages came.
 */
async function killedMidStream(): Promise<{ fromStream: unknown; fromBlock: unknown; n: number }> {
  let fromStream: unknown;
  let n = 0;
  const fromBlock = await thrown(async () => {
    await using an = await tractor.openNursery({ enableModules: [FIX] });
    const portal = await an.startActor('doomed');
    await using ctx = await portal.openContext(produce, { count: 1_000_000 });
    await using stream = await ctx.openStream();
    try {
      for await (const _ of stream) if (++n === 100) process.kill(portal.chan.aid!.pid, 'SIGKILL');
    } catch (e) {
      fromStream = e;
      throw e;
    }
  });
  return { fromStream, fromBlock, n };
}

test('a peer SIGKILLed mid-stream: the next stream operation raises the cause (TransportClosed), never a bare EndOfStream', T, async () => {
  const { fromStream: err, fromBlock, n } = await killedMidStream();
  // A bare EndOfStream would end the loop cleanly: then the stream raised nothing.
  assert.ok(err instanceof tractor.TransportClosed || err instanceof tractor.ActorFailure,
    `the stream raised ${String(err)} after ${n} messages (the block: ${String(fromBlock)})`);
  assert.ok(!(err instanceof tractor.EndOfStream));
});

test('an.wait() raises children failing at the same moment as one AggregateError, and disposal adds nothing (no SuppressedError)', T, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tractor-ts-agg-'));
  const go = path.join(dir, 'go');
  try {
    let fromWait: unknown;
    const left = await thrown(async () => {
      await using an = await tractor.openNursery({ enableModules: [CORE] });
      await an.runInActor(failWhenFileExists, { path: go, msg: 'fail one' }, { name: 'one' });
      await an.runInActor(failWhenFileExists, { path: go, msg: 'fail two' }, { name: 'two' });
      writeFileSync(go, '');
      try {
        await an.wait();
      } catch (err) {
        fromWait = err;
        throw err;
      }
    });
    assert.ok(fromWait instanceof AggregateError, `wait() raised ${String(fromWait)}`);
    assert.equal(fromWait.errors.length, 2);
    assert.deepEqual(fromWait.errors.map((e) => (e as tractor.RemoteActorError).boxedType), [RangeError, RangeError]);
    assert.equal(left, fromWait, 'the block ends with that same error, not a SuppressedError');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('errors keep their insides across the boundary: an AggregateError\'s errors, a cause, a SuppressedError\'s error and suppressed arrive boxed', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [FIX] });
  const portal = await an.startActor('thrower');
  const agg = await thrown(() => portal.run(throwNested, { kind: 'aggregate' }));
  assert.ok(agg instanceof tractor.RemoteActorError);
  assert.ok(agg.cause instanceof AggregateError, 'the cause is the AggregateError');
  const errs = (agg.cause as AggregateError).errors as tractor.RemoteActorError[];
  assert.deepEqual(errs.map((e) => [e.boxedType, e.remoteMessage]), [[RangeError, 'first'], [TypeError, 'second']]);

  const caused = await thrown(() => portal.run(throwNested, { kind: 'cause' }));
  assert.ok(caused instanceof tractor.RemoteActorError);
  const inner = (caused.cause as Error).cause as tractor.RemoteActorError;
  assert.ok(inner instanceof tractor.RemoteActorError, `the cause's cause arrives boxed, got ${String(inner)}`);
  assert.match(inner.remoteMessage, /ENOENT/);

  const hasSuppressed = typeof (globalThis as { SuppressedError?: unknown }).SuppressedError === 'function';
  const sup = await thrown(() => portal.run(throwNested, { kind: 'suppressed' }));
  assert.ok(sup instanceof tractor.RemoteActorError);
  if (hasSuppressed) {
    const s = sup.cause as Error & { error: tractor.RemoteActorError; suppressed: tractor.RemoteActorError };
    assert.equal(s.error.boxedType, RangeError);
    assert.equal(s.error.remoteMessage, 'the body failed');
    assert.equal(s.suppressed.boxedType, TypeError);
    assert.equal(s.suppressed.remoteMessage, 'the disposal failed');
  }
});

test('a daemon SIGKILLed mid-stream leaves the block as one error, its ActorFailure, never a SuppressedError of both faces', T, async () => {
  const { fromStream, fromBlock: err } = await killedMidStream();
  assert.notEqual((err as Error)?.name, 'SuppressedError', `got ${String(err)}`);
  assert.ok(err instanceof tractor.ActorFailure, `got ${String(err)}`);
  assert.equal(err, fromStream, 'the block raises what the stream raised, once');
  assert.equal(err.signalCode, 'SIGKILL');
});
