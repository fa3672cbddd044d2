// MsgStream's close() is a half-close: "send everything, close(), keep
// reading the replies" gets every reply; the side that got the peer's Stop
// can still send; break and disposal close both ways, and what arrives after
// that is discarded with a warning that gives the count, never silently.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tractor from 'tractor-ts';
import { echoThenTail, produce } from '../fixtures/stream-faults.ts';
import { isAlive } from '../helpers.ts';

const FIX = new URL('../fixtures/stream-faults.ts', import.meta.url).href;
const T = { timeout: 30_000 };

/** Run `fn` with this process's stderr captured; returns what was written. */
async function captureStderr(fn: () => Promise<void>): Promise<string> {
  const write = process.stderr.write.bind(process.stderr);
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = write;
  }
  return text;
}

describe('half-close', () => {
  let an: tractor.ActorNursery;
  let portal: tractor.Portal;

  before(async () => {
    an = await tractor.openNursery({ enableModules: [FIX] });
    portal = await an.startActor('echo');
  });
  after(async () => {
    const pid = portal.chan.aid!.pid;
    await an[Symbol.asyncDispose]();
    assert.equal(isAlive(pid), false, 'the daemon is gone after the nursery');
  });

  test('send everything, close(), keep reading in a concurrent task: every reply arrives, then the loop ends', T, async () => {
    await using ctx = await portal.openContext(echoThenTail, { delayMs: 1, tail: 0 });
    await using stream = await ctx.openStream();
    const reader = (async () => {
      const got: unknown[] = [];
      for await (const x of stream) got.push(x);
      return got;
    })();
    for (let i = 0; i < 300; i++) await stream.send(i);
    await stream.close();
    assert.equal(stream.closed, true);
    assert.deepEqual(await reader, Array.from({ length: 300 }, (_, i) => i));
    assert.equal(await ctx.waitForResult(), 300);
  });

  test('after the parent\'s Stop ends its loop, the child still sends its remaining output', T, async () => {
    await using ctx = await portal.openContext(echoThenTail, { delayMs: 0, tail: 100 });
    await using stream = await ctx.openStream();
    for (let i = 0; i < 10; i++) await stream.send(i);
    await stream.close();
    const got: unknown[] = [];
    for await (const x of stream) got.push(x);
    assert.equal(got.length, 110);
    assert.deepEqual(got.slice(10), Array.from({ length: 100 }, (_, i) => `tail-${i}`));
    assert.equal(await ctx.waitForResult(), 10);
  });

  test('a send after close() is refused with EndOfStream; receiving goes on', T, async () => {
    await using ctx = await portal.openContext(echoThenTail, { delayMs: 0, tail: 1 });
    await using stream = await ctx.openStream();
    await stream.send('a');
    await stream.close();
    await assert.rejects(stream.send('b'), tractor.EndOfStream);
    assert.equal(await stream.receive(), 'a');
    assert.equal(await stream.receive(), 'tail-0');
    await assert.rejects(stream.receive(), tractor.EndOfStream);
  });

  test('break closes both ways: what was buffered or still arrives is discarded with a warning giving the count', T, async () => {
    let seen = 0;
    const err = await captureStderr(async () => {
      await using ctx = await portal.openContext(produce, { count: 50 });
      await using stream = await ctx.openStream({ allowOverruns: true });
      for await (const _ of stream) if (++seen === 1) break;
      assert.equal(stream.closed, true);
      await assert.rejects(stream.receive(), tractor.EndOfStream);
      await ctx.waitForResult();
      await new Promise((r) => setImmediate(r));
    });
    assert.equal(seen, 1);
    const counts = [...err.matchAll(/discarded (\d+) stream message/g)].map((m) => Number(m[1]));
    assert.ok(counts.length > 0, `expected a warning about discarded messages, got:\n${err}`);
    assert.equal(counts.reduce((a, b) => a + b, 0), 49, 'every message after the break is counted');
  });
});
