// openTaskNursery: trio's nursery for the Promise tasks of one actor
// (one-cancels-all, disposal waits, errors raised once, the ambient scope's
// cancellation reaching every task), here and inside a remote context.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { oneFailsOneCancelled, TN, waitUntilCancelled } from '../fixtures/task-nursery.ts';
import { markerLines, thrown, until } from '../helpers.ts';

const T = { timeout: 30_000 };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tractor-tn-'));
let seq = 0;
const marker = () => path.join(tmp, `${++seq}.log`);

test('disposal waits for every task and returns their values through their promises', T, async () => {
  const done: string[] = [];
  let a: Promise<number>;
  {
    await using tn = tractor.openTaskNursery();
    a = tn.startSoon(async () => {
      await tractor.sleep(150);
      done.push('a');
      return 1;
    });
    tn.startSoon(async () => {
      await tractor.sleep(50);
      done.push('b');
    });
  }
  assert.deepEqual(done, ['b', 'a'], 'both ended before the block did');
  assert.equal(await a, 1);
});

test('a failing task cancels its siblings (their signal aborts with its error) and is raised once at disposal', T, async () => {
  let siblingReason: unknown;
  const boom = new RangeError('boom');
  const err = await thrown(async () => {
    await using tn = tractor.openTaskNursery();
    tn.startSoon(async (signal) => {
      await tractor.sleepForever(signal).catch((e) => {
        siblingReason = e;
        throw e;
      });
    });
    tn.startSoon(async () => {
      await tractor.sleep(50);
      throw boom;
    });
  });
  assert.equal(err, boom, 'the error itself, not wrapped');
  assert.equal(siblingReason, boom);
});

test('tasks failing together are raised as one AggregateError', T, async () => {
  const err = await thrown(async () => {
    await using tn = tractor.openTaskNursery();
    const barrier = Promise.resolve();
    tn.startSoon(async () => {
      await barrier;
      throw new TypeError('one');
    });
    tn.startSoon(async () => {
      await barrier;
      throw new RangeError('two');
    });
  });
  assert.ok(err instanceof AggregateError, String(err));
  assert.deepEqual(err.errors.map((e: Error) => e.message).sort(), ['one', 'two']);
});

test('an error the body took by awaiting the task is not raised again at disposal (no SuppressedError)', T, async () => {
  const err = await thrown(async () => {
    await using tn = tractor.openTaskNursery();
    await tn.startSoon(async () => {
      throw new RangeError('taken');
    });
  });
  assert.ok(err instanceof RangeError, `the error itself, got ${String(err)}`);
});

test('a task promise nobody awaits never becomes an unhandled rejection', T, async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (r: unknown) => unhandled.push(r);
  process.on('unhandledRejection', onUnhandled);
  try {
    await thrown(async () => {
      await using tn = tractor.openTaskNursery();
      tn.startSoon(async () => {
        throw new RangeError('floating');
      });
    });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('start() resolves at started(value) while the task runs on; a task failing first rejects it', T, async () => {
  let stopped = false;
  {
    await using tn = tractor.openTaskNursery();
    const port = await tn.start<number>(async (signal, started) => {
      started(4242);
      await tractor.sleepForever(signal).catch(() => (stopped = true));
    });
    assert.equal(port, 4242);
    assert.equal(stopped, false, 'still running after started()');
    tn.cancel(); // not an error: the nursery caused it
  }
  assert.equal(stopped, true);
  const err = await thrown(async () => {
    await using tn = tractor.openTaskNursery();
    await tn.start(async () => {
      throw new RangeError('before started');
    });
  });
  assert.ok(err instanceof RangeError, String(err));
  const never = await thrown(async () => {
    await using tn = tractor.openTaskNursery();
    await tn.start(async () => {});
  });
  assert.ok(never instanceof tractor.RuntimeUsageError, String(never));
});

test('cancel() aborts tn.signal and the ambient signal of every task; it is not an error', T, async () => {
  const seen: boolean[] = [];
  let signal!: AbortSignal;
  {
    await using tn = tractor.openTaskNursery();
    signal = tn.signal;
    for (let i = 0; i < 3; i++) {
      tn.startSoon(async () => {
        await tractor.sleepForever().catch(() => seen.push(tractor.currentSignal().aborted));
      });
    }
    await tractor.sleep(20);
    tn.cancel();
  }
  assert.equal(signal.aborted, true);
  assert.deepEqual(seen, [true, true, true]);
});

test('startSoon after the block ended is a RuntimeUsageError', T, async () => {
  let kept!: tractor.TaskNursery;
  {
    await using tn = tractor.openTaskNursery();
    kept = tn;
  }
  assert.throws(() => kept.startSoon(async () => {}), tractor.RuntimeUsageError);
});

test('in a context endpoint: one task fails, its sibling is cancelled, the parent gets the error boxed', T, async () => {
  const file = marker();
  await using an = await tractor.openNursery();
  const p = await an.startActor('tn-host', { enableModules: [TN] });
  const err = await thrown(async () => {
    await using ctx = await p.openContext(oneFailsOneCancelled, { ms: 100, marker: file });
    await ctx.waitForResult();
  });
  assert.ok(err instanceof tractor.RemoteActorError, String(err));
  assert.equal(err.boxedType, RangeError);
  assert.deepEqual(markerLines(file), ['pump cancelled: the feeder failed']);
});

test('cancelling the enclosing remote task reaches every task of its nursery', T, async () => {
  const file = marker();
  await using an = await tractor.openNursery();
  const p = await an.startActor('tn-host', { enableModules: [TN] });
  {
    await using ctx = await p.openContext(waitUntilCancelled, { count: 3, marker: file });
    await ctx.cancel();
  }
  await until(() => markerLines(file).length === 3, 'every task to end');
  assert.deepEqual(markerLines(file).sort(), ['task 0 ended', 'task 1 ended', 'task 2 ended']);
});
