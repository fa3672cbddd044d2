// Per-stream credit between tractor-ts peers (SPEC "Backpressure"): send()
// waits while the receiver has no room, so a reader that keeps reading,
// however slowly, is never overrun; one stalled stream never holds up the
// other dialogs of its channel. With a peer that grants no credit the stall
// rule applies, and a receiver that was descheduled (SIGSTOP) is not overrun
// by the time it did not run.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tractor from 'tractor-ts';
import { echoThenTail, produce, readThenStall, slowRead, stall } from '../fixtures/stream-faults.ts';
import { isAlive, until } from '../helpers.ts';

const FIX = new URL('../fixtures/stream-faults.ts', import.meta.url).href;
const T = { timeout: 60_000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('per-stream credit', () => {
  let an: tractor.ActorNursery;
  let portal: tractor.Portal;
  let plain: tractor.Portal;

  before(async () => {
    an = await tractor.openNursery({ enableModules: [FIX] });
    portal = await an.startActor('credit');
    process.env.TRACTOR_TS_NO_CREDIT = '1';
    try {
      plain = await an.startActor('no-credit');
    } finally {
      delete process.env.TRACTOR_TS_NO_CREDIT;
    }
  });
  after(async () => {
    const pids = [portal.chan.aid!.pid, plain.chan.aid!.pid];
    await an[Symbol.asyncDispose]();
    for (const pid of pids) assert.equal(isAlive(pid), false, 'the daemons are gone after the nursery');
  });

  test('both tractor-ts ends announce credit in their Aid; a peer started with TRACTOR_TS_NO_CREDIT=1 does not', T, () => {
    assert.equal(portal.chan.aid!.credit, true);
    assert.equal(plain.chan.aid!.credit, false);
  });

  test('a reader that pauses far longer than the stall period is never overrun: the sender waits, every message arrives in order', T, async () => {
    await using ctx = await portal.openContext(produce, { count: 300 });
    await using stream = await ctx.openStream();
    const got: number[] = [];
    for await (const x of stream) {
      got.push(x as number);
      if (got.length % 50 === 1) await sleep(250); // the buffer is full while this side sleeps
    }
    assert.deepEqual(got, Array.from({ length: 300 }, (_, i) => i));
    assert.equal(await ctx.waitForResult(), 300);
  });

  test('a child that reads slowly (msgBufferSize 4, 150 ms per message) is never overrun by a parent sending as fast as send() lets it', T, async () => {
    await using ctx = await portal.openContext(slowRead, { count: 80, delayMs: 150, msgBufferSize: 4 });
    await using stream = await ctx.openStream();
    for (let i = 0; i < 80; i++) await stream.send(i);
    assert.equal(await ctx.waitForResult(), (79 * 80) / 2);
  });

  test('send() waits while the receiver has no room: to a reader that takes nothing, exactly the initial window (64) is sent', T, async () => {
    await using ctx = await portal.openContext(stall, {});
    await using stream = await ctx.openStream();
    let sent = 0;
    const sender = (async () => {
      for (;;) {
        await stream.send(sent);
        sent++;
      }
    })();
    sender.catch(() => {});
    await until(() => sent >= 64, `the first 64 sends (${sent})`);
    await sleep(500);
    assert.equal(sent, 64, 'no send beyond the window completes');
    await ctx.cancel();
    await assert.rejects(sender);
  });

  /** Send `payload` to a readThenStall child until sends stop completing; how many completed. */
  async function sentUntilStalled(args: { take: number; msgBufferSize?: number }, payload: unknown): Promise<number> {
    await using ctx = await portal.openContext(readThenStall, args);
    await using stream = await ctx.openStream();
    let sent = 0;
    const sender = (async () => {
      for (;;) {
        await stream.send(payload);
        sent++;
      }
    })();
    sender.catch(() => {});
    let seen = -1;
    while (seen !== sent) { // quiet for 500 ms: the sender waits for credit that will not come
      seen = sent;
      await sleep(500);
    }
    await ctx.cancel();
    await assert.rejects(sender);
    return sent;
  }

  test('the default window follows the messages\' size: small messages get up to 1024 in flight, 64 KiB ones 64', T, async () => {
    const small = await sentUntilStalled({ take: 200 }, 7);
    assert.ok(small > 200 + 64, `small messages: the window grew past 64 (${small - 200} beyond what was read)`);
    assert.ok(small <= 200 + 1024, `small messages: at most 1024 beyond what was read (${small - 200})`);
    const big = await sentUntilStalled({ take: 20 }, new Uint8Array(64 * 1024));
    assert.ok(big <= 20 + 64, `64 KiB messages: at most 64 beyond what was read (${big - 20})`);
  });

  test('an explicit msgBufferSize is the window exactly, whatever the messages weigh', T, async () => {
    const sent = await sentUntilStalled({ take: 200, msgBufferSize: 8 }, 7);
    assert.ok(sent <= 200 + 8, `at most 8 beyond what was read (${sent - 200})`);
  });

  test('one stalled stream never holds up the other dialogs of its channel', T, async () => {
    await using stalled = await portal.openContext(produce, { count: 5000 });
    await using unread = await stalled.openStream();
    await sleep(200); // the produce child has filled its window by now
    // Another dialog on the same channel round-trips freely meanwhile.
    await using ctx = await portal.openContext(echoThenTail, { delayMs: 0, tail: 0 });
    await using stream = await ctx.openStream();
    for (let i = 0; i < 50; i++) {
      await stream.send(i);
      assert.equal(await stream.receive(), i);
    }
    await sleep(300); // the stalled stream stays unread for well past the stall period
    const got: number[] = [];
    for await (const x of unread) got.push(x as number);
    assert.equal(got.length, 5000, 'the stalled stream lost nothing');
    assert.deepEqual(got.slice(0, 3), [0, 1, 2]);
    assert.equal(await stalled.waitForResult(), 5000);
  });

  test('no credit: a steady reader that was descheduled (SIGSTOP 600 ms) is not overrun by the stall rule when it resumes', T, async () => {
    await using ctx = await plain.openContext(slowRead, { count: 400, delayMs: 5 });
    await using stream = await ctx.openStream();
    const pid = plain.chan.aid!.pid;
    const sender = (async () => {
      for (let i = 0; i < 400; i++) await stream.send(i);
    })();
    await sleep(300);
    process.kill(pid, 'SIGSTOP');
    await sleep(600);
    process.kill(pid, 'SIGCONT');
    await sender;
    assert.equal(await ctx.waitForResult(), (399 * 400) / 2);
  });
});
