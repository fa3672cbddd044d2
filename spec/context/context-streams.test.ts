// MsgStream guarantees over real processes: the stall rule with a peer that
// grants no credit (StreamOverrun both ways), allowOverruns, broadcast
// fan-out, legacy one-way streams, many concurrent dialogs over one portal,
// and the rules of a stream's life. Every test talks to one daemon actor
// started once for the file, the stall-rule tests to a second one that
// speaks tractor's own stream messages only (TRACTOR_TS_NO_CREDIT=1, as a
// Python peer); per-stream credit has its own spec (stream-credit.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tractor from 'tractor-ts';
import {
  closeThenFail, emit, failingGen, flood, idle, plain, range, sink, streamBeforeStarted, tagEcho, ticker, twoStreams,
} from '../fixtures/ctx-streams.ts';
import { isAlive, markerLines as marks, thrown, until } from '../helpers.ts';

const FIX = new URL('../fixtures/ctx-streams.ts', import.meta.url).href;
const T = { timeout: 20_000 };
const tmp = mkdtempSync(path.join(tmpdir(), 'tractor-ts-ctx-streams-'));
let fileSeq = 0;
const markerFile = () => path.join(tmp, `${++fileSeq}.log`);

async function drain<T>(it: AsyncIterable<T>): Promise<T[]> {
  const got: T[] = [];
  for await (const x of it) got.push(x);
  return got;
}

const upTo = (n: number, from = 0) => Array.from({ length: n - from }, (_, i) => from + i);

describe('contexts and streams', () => {
  let an: tractor.ActorNursery;
  let portal: tractor.Portal;
  /** A daemon that grants no credit: a full buffer there is the stall rule's. */
  let plain: tractor.Portal;

  before(async () => {
    an = await tractor.openNursery({ enableModules: [FIX] });
    portal = await an.startActor('streamer');
    process.env.TRACTOR_TS_NO_CREDIT = '1';
    try {
      plain = await an.startActor('plain-streamer');
    } finally {
      delete process.env.TRACTOR_TS_NO_CREDIT;
    }
    assert.equal(plain.chan.aid!.credit, false, 'the plain daemon announced no credit');
  });
  after(async () => {
    const pids = [portal.chan.aid!.pid, plain.chan.aid!.pid];
    await an[Symbol.asyncDispose]();
    rmSync(tmp, { recursive: true, force: true });
    for (const pid of pids) assert.equal(isAlive(pid), false, 'the daemons are gone after the nursery');
  });

  // ------------------------------------------------------------ overrun

  test('no credit: a child flooding a parent that does not read: the parent holds exactly msgBufferSize messages, then raises StreamOverrun; the child\'s send raises it boxed', T, async () => {
    await using ctx = await plain.openContext(flood, { count: 1_000_000 });
    await using stream = await ctx.openStream({ msgBufferSize: 8 });
    await stream.send('go');
    const res = await ctx.waitForResult();
    assert.ok(!(res instanceof tractor.ContextCancelled));
    assert.equal(res.error, 'RemoteActorError');
    assert.equal(res.boxedTypeName, 'StreamOverrun');
    assert.equal(res.boxedIsOverrun, true);
    assert.ok(res.sent > 8, `the child sent ${res.sent} before its send failed`);
    // Memory stays bounded: only the first msgBufferSize messages were kept.
    for (let i = 0; i < 8; i++) assert.equal(await stream.receive(), i);
    await assert.rejects(stream.receive(), tractor.StreamOverrun);
  });

  test('no credit: a parent that never reads its overrun stream gets the StreamOverrun at disposal: lost messages are never silent', T, async () => {
    const err = await thrown(async () => {
      await using ctx = await plain.openContext(flood, { count: 1_000_000 });
      await using stream = await ctx.openStream({ msgBufferSize: 4 });
      await stream.send('go');
      await until(() => ctx.hasOutcome, 'the child to stop');
    });
    assert.ok(err instanceof tractor.StreamOverrun, `expected StreamOverrun, got ${String(err)}`);
  });

  test('no credit: a parent flooding a child that does not read: the child raises StreamOverrun, the parent\'s send raises it boxed', T, async () => {
    const file = markerFile();
    await using ctx = await plain.openContext(sink, { file });
    await using stream = await ctx.openStream();
    let err: unknown;
    for (let i = 0; i < 1_000_000 && !err; i++) err = await thrown(() => stream.send(i));
    assert.ok(err instanceof tractor.RemoteActorError, `expected RemoteActorError, got ${String(err)}`);
    assert.equal(err.boxedType, tractor.StreamOverrun);
    assert.deepEqual(err.srcUid, [plain.chan.aid!.name, plain.chan.aid!.uuid]);
    await assert.rejects(ctx.waitForResult(), (e) => e === err);
    await until(() => marks(file).length > 0, 'the child to record its error');
    assert.deepEqual(marks(file), ['StreamOverrun']);
  });

  test('allowOverruns: a sender far ahead of the reader raises nothing and every message arrives in order', T, async () => {
    await using ctx = await portal.openContext(emit, { count: 2000 }, { allowOverruns: true });
    await using stream = await ctx.openStream();
    await stream.send('go');
    await until(() => ctx.hasOutcome, 'the child to send everything');
    assert.deepEqual(await drain(stream), upTo(2000));
    assert.equal(await ctx.waitForResult(), 2000);
  });

  // ------------------------------------------------------------ broadcast

  test('broadcast: every subscriber sees every message, each iteration ends on the Stop, and the IPC stream is read once', T, async () => {
    await using ctx = await portal.openContext(emit, { count: 50 });
    await using stream = await ctx.openStream();
    const subs = [stream.subscribe(), stream.subscribe(), stream.subscribe()];
    await stream.send('go');
    const got = await Promise.all(subs.map(drain));
    // 50 sent, 50 seen by each of 3: one read fanned out, not 3 readers splitting it.
    for (const g of got) assert.deepEqual(g, upTo(50));
    assert.equal(await ctx.waitForResult(), 50);
  });

  test('broadcast: a late subscriber sees the messages from its subscription on', T, async () => {
    await using ctx = await portal.openContext(emit, { count: 10 });
    await using stream = await ctx.openStream();
    const early = stream.subscribe();
    await stream.send('go');
    for (let i = 0; i < 4; i++) assert.equal(await early.receive(), i);
    const late = stream.subscribe();
    const [a, b] = await Promise.all([drain(early), drain(late)]);
    assert.deepEqual(a, upTo(10, 4));
    assert.deepEqual(b, upTo(10, 4));
  });

  test('broadcast: a subscriber more than bufferSize behind gets Lagged, then resumes from the oldest message held', T, async () => {
    await using ctx = await portal.openContext(emit, { count: 20 });
    await using stream = await ctx.openStream();
    const fast = stream.subscribe();
    const slow = stream.subscribe({ bufferSize: 5 });
    await stream.send('go');
    assert.deepEqual(await drain(fast), upTo(20));
    await assert.rejects(slow.receive(), (err) => err instanceof tractor.Lagged && err.skipped === 15);
    assert.deepEqual(await drain(slow), upTo(20, 15));
  });

  test('broadcast: a remote error reaches every subscriber, as the same error', T, async () => {
    await using ctx = await portal.openContext(emit, { count: 10, failAt: 3 });
    await using stream = await ctx.openStream();
    const subs = [stream.subscribe(), stream.subscribe(), stream.subscribe()];
    await stream.send('go');
    const seen = await Promise.all(subs.map(async (s) => {
      const got: number[] = [];
      const err = await thrown(async () => {
        for await (const x of s) got.push(x as number);
      });
      return { got, err };
    }));
    for (const { got, err } of seen) {
      assert.deepEqual(got, [0, 1, 2]);
      assert.ok(err instanceof tractor.RemoteActorError && err.boxedType === RangeError, `expected the remote RangeError, got ${String(err)}`);
      assert.equal(err, seen[0]!.err);
    }
  });

  // ------------------------------------------------------------ legacy one-way streams

  test('legacy openStreamFrom: break cancels the remote generator, whose finally has run when the loop exits', T, async () => {
    const file = markerFile();
    const got: number[] = [];
    {
      await using stream = await portal.openStreamFrom(ticker, { file, delayMs: 5 });
      for await (const x of stream) {
        got.push(x);
        if (got.length === 3) break;
      }
      assert.deepEqual(marks(file), ['finally']);
    }
    assert.deepEqual(got, [0, 1, 2]);
  });

  test('legacy openStreamFrom: a target that is not an async generator is refused up front with a TypeError', T, async () => {
    await assert.rejects(portal.openStreamFrom(plain as never, {} as never), (err: Error) => err instanceof TypeError && /async generator/.test(err.message));
  });

  test('legacy openStreamFrom: an error thrown by the generator reaches the consumer', T, async () => {
    const got: number[] = [];
    await assert.rejects(async () => {
      await using stream = await portal.openStreamFrom(failingGen, { count: 3 });
      for await (const x of stream) got.push(x);
    }, (err) => err instanceof tractor.RemoteActorError && err.boxedType === RangeError);
    assert.deepEqual(got, [0, 1, 2]);
  });

  test('legacy openStreamFrom: the stream is receive-only: send() rejects with RuntimeUsageError and receiving goes on', T, async () => {
    await using stream = await portal.openStreamFrom(range, { from: 0, count: 3 });
    await assert.rejects(stream.send(7), (err) => err instanceof tractor.RuntimeUsageError);
    assert.deepEqual(await drain(stream), [0, 1, 2]);
  });

  test('legacy openStreamFrom: a consumer that stops reading is overrun: StreamOverrun after what it buffered (never silence), and leaving stops the generator', T, async () => {
    const file = markerFile();
    const got: number[] = [];
    const err = await thrown(async () => {
      await using stream = await portal.openStreamFrom(ticker, { file, delayMs: 0 }, { msgBufferSize: 4 });
      got.push(await stream.receive());
      await tractor.sleep(2000); // far past the stall period: the buffer is full and not read
      for await (const x of stream) got.push(x);
    });
    assert.ok(err instanceof tractor.StreamOverrun, `expected StreamOverrun, got ${String(err)}`);
    assert.deepEqual(got, upTo(got.length), 'every message before the overrun, in order');
    assert.ok(got.length >= 2 && got.length <= 5, `the first message and at most a full buffer (4) after it, got ${got.length}`);
    await until(() => marks(file).includes('finally'), "the generator's finally");
  });

  // ------------------------------------------------------------ concurrency

  test('20 concurrent contexts and 5 legacy streams over one portal: each dialog gets exactly its own messages', T, async () => {
    const dialogs = upTo(20).map(async (i) => {
      const tag = `d${i}`;
      await using ctx = await portal.openContext(tagEcho, { tag });
      assert.equal(ctx.first, tag);
      {
        await using stream = await ctx.openStream();
        for (let j = 0; j < 20; j++) await stream.send(j);
        for (let j = 0; j < 20; j++) assert.equal(await stream.receive(), `${tag}:${j}`);
      }
      assert.equal(await ctx.waitForResult(), 20);
    });
    const legacy = upTo(5).map(async (i) => {
      await using stream = await portal.openStreamFrom(range, { from: i * 1000, count: 50 });
      assert.deepEqual(await drain(stream), upTo(i * 1000 + 50, i * 1000));
    });
    await Promise.all([...dialogs, ...legacy]);
  });

  // ------------------------------------------------------------ rules

  test('receive() after the peer\'s Stop rejects with EndOfStream, every time', T, async () => {
    await using ctx = await portal.openContext(emit, { count: 2, noGo: true });
    await using stream = await ctx.openStream();
    assert.equal(await stream.receive(), 0);
    assert.equal(await stream.receive(), 1);
    await assert.rejects(stream.receive(), tractor.EndOfStream);
    await assert.rejects(stream.receive(), tractor.EndOfStream);
    assert.equal(await ctx.waitForResult(), 2);
  });

  test('a remote error wins over the end of the stream', T, async () => {
    await using ctx = await portal.openContext(closeThenFail, {});
    await using stream = await ctx.openStream();
    await until(() => ctx.hasOutcome, 'the child to fail');
    assert.equal(await stream.receive(), 1);
    const err = await thrown(() => stream.receive());
    assert.ok(err instanceof tractor.RemoteActorError && err.boxedType === RangeError, `expected the remote RangeError, got ${String(err)}`);
    await assert.rejects(stream.receive(), (e) => e === err);
  });

  test('openStream() before started() in the child is an error, and openContext rejects with it', T, async () => {
    await assert.rejects(portal.openContext(streamBeforeStarted, {}),
      (err) => err instanceof tractor.RemoteActorError && err.boxedType === tractor.RuntimeUsageError);
  });

  test('openStream() after cancel() is an error', T, async () => {
    await using ctx = await portal.openContext(idle, {});
    await ctx.cancel();
    await assert.rejects(ctx.openStream(), tractor.RuntimeUsageError);
  });

  test('a context has one stream: a second openStream() is refused on both sides', T, async () => {
    await using ctx = await portal.openContext(twoStreams, {});
    {
      await using _stream = await ctx.openStream();
      await assert.rejects(ctx.openStream(), tractor.RuntimeUsageError);
    }
    assert.equal(await ctx.waitForResult(), 'RuntimeUsageError');
  });
});
