// Errors that escape every task (a stray rejection, an exception in a
// callback) are the failure of their actor, in every actor: a child's is
// relayed boxed to its parent (never as a cancellation), a root's ends the
// program formatted with a non-zero exit (never Node's raw crash output).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import {
  feedWithFloatingSleeps, feedWithGrandchild, floatingSleeps, STRAY, strayInOneShot,
} from '../fixtures/stray.ts';
import { actorProcesses, runScript, thrown, waitDead, within } from '../helpers.ts';

const T = { timeout: 30_000 };

function assertBoxedRange(err: unknown, msg: string): asserts err is tractor.RemoteActorError {
  assert.ok(err instanceof tractor.RemoteActorError, `a boxed error, got ${String(err)}`);
  assert.ok(!(err instanceof tractor.ContextCancelled), `not a cancellation: ${err.message}`);
  assert.equal(err.boxedType, RangeError, err.message);
  assert.match(err.message, new RegExp(msg));
}

test('a stray rejection in a daemon that runs a supervised feed with a grandchild fails its nursery with that error, not with its own cancellation', T, async () => {
  const err = await thrown(async () => {
    await using an = await tractor.openNursery();
    const p = await an.startActor('feeder', { enableModules: [STRAY] });
    // Floating sleeps in the child reject with Cancelled once the stray error cancels it: those must not replace the error.
    await p.openContext(feedWithFloatingSleeps, { msg: 'stray in the feed' });
    await tractor.sleep(60_000, an.signal).catch(() => {});
  });
  assertBoxedRange(err, 'stray in the feed');
  assert.deepEqual(await waitDead(actorProcesses(), 5000), []);
});

test('an exception thrown in a callback of a streaming child reaches the parent reading the stream, boxed', T, async () => {
  const err = await thrown(async () => {
    await using an = await tractor.openNursery();
    const p = await an.startActor('feeder', { enableModules: [STRAY] });
    await using ctx = await p.openContext(feedWithGrandchild, { kind: 'exception', msg: 'thrown in a timer' });
    await using stream = await ctx.openStream();
    for await (const _ of stream);
  });
  assertBoxedRange(err, 'thrown in a timer');
  assert.match(err.remoteStack, /escaped as an uncaughtException/);
  assert.deepEqual(await waitDead(actorProcesses(), 5000), []);
});

test('a stray rejection in a one-shot child is its result', T, async () => {
  const err = await thrown(async () => {
    await using an = await tractor.openNursery();
    const p = await an.runInActor(strayInOneShot, { kind: 'rejection', msg: 'stray in a one-shot' }, { enableModules: [STRAY] });
    await p.waitForResult();
  });
  assertBoxedRange(err, 'stray in a one-shot');
});

test('floating promises rejected by their task\'s cancellation are no failure: the actor keeps serving', T, async () => {
  await using an = await tractor.openNursery();
  const p = await an.startActor('idler', { enableModules: [STRAY] });
  const ac = new AbortController();
  const call = thrown(() => p.run(floatingSleeps, undefined, { signal: ac.signal }));
  await tractor.sleep(300);
  ac.abort(new Error('enough'));
  assert.equal((await call as Error).message, 'enough');
  await tractor.sleep(300); // the floating rejections surface in the child now
  assert.equal(await p.run(strayInOneShot, { kind: 'none', msg: '' }), 'fine', 'the actor still serves');
});

for (const [mode, kind] of [['run', 'rejection'], ['run', 'exception'], ['daemon', 'rejection'], ['daemon-booting', 'exception'], ['swallow', 'rejection'], ['child', 'rejection'], ['manual', 'exception']] as const) {
  test(`a stray ${kind} under ${mode === 'daemon' ? 'runDaemon' : mode === 'daemon-booting' ? 'runDaemon, while its root boots,' : mode === 'manual' ? 'a root opened by hand' : mode === 'child' ? 'run, in a child,' : mode === 'swallow' ? 'run, with main() swallowing it,' : 'run'} ends the program formatted with exit code 1`, T, async () => {
    const s = runScript(new URL('../fixtures/programs/stray-root.ts', import.meta.url), [mode, kind]);
    try {
      await s.firstLine;
      const exit = await within(s.exited, 20_000, 'the program to exit');
      assert.equal(exit.code, 1, s.stderr());
      const where = mode === 'child' ? 'stray in the child' : 'stray in the root';
      assert.match(s.stderr(), new RegExp(`RangeError.*${where}`));
      if (mode === 'child') assert.match(s.stderr(), /remote traceback from strayInOneShot/);
      if (mode === 'manual') assert.match(s.stdout(), /"reason":"stray in the root"/, 'what the root runs is cancelled with the error');
      // Node's own crash output starts with the throw site and "Node.js v"; ours never does.
      assert.doesNotMatch(s.stderr(), /^Node\.js v/m);
      assert.doesNotMatch(s.stderr(), /triggerUncaughtException|\[UnhandledPromiseRejection/);
    } finally {
      s.proc.kill('SIGKILL');
    }
  });
}
