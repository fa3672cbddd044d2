// The toPromise bridges for legacy shapes (callbacks, EventEmitters, Node
// streams), used in actors that are NOT infected, over real processes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Readable } from 'node:stream';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import * as tractor from 'tractor-ts';
import { BRIDGES, cbHang, cbLookup, emitterFeed, fastSource, gzipService, producedSoFar, sinkToFile } from '../fixtures/bridges.ts';
import { thrown, within } from '../helpers.ts';

const T = { timeout: 30_000 };

test('fromCallback: a callback API as an async function; its error is raised with its type', T, async () => {
  await using an = await tractor.openNursery();
  const p = await an.startActor('cb', { enableModules: [BRIDGES] });
  assert.deepEqual(await p.run(cbLookup, { name: 'ann' }), { name: 'ann', id: 3 });
  const err = await thrown(() => p.run(cbLookup, { name: 'nobody' }));
  assert.ok(err instanceof tractor.RemoteActorError && err.boxedType === RangeError, String(err));
});

test('fromCallback honours the ambient signal: a callback that never comes does not hold a cancelled call', T, async () => {
  await using an = await tractor.openNursery();
  const p = await an.startActor('cb', { enableModules: [BRIDGES] });
  const ac = new AbortController();
  const call = thrown(() => p.run(cbHang, undefined, { signal: ac.signal }));
  await tractor.sleep(200);
  ac.abort(new Error('stop'));
  assert.equal((await within(call, 5000, 'the call to end') as Error).message, 'stop');
  assert.deepEqual(await p.run(cbLookup, { name: 'bo' }), { name: 'bo', id: 2 }, 'the task ended (no abandoned task): the actor serves on');
});

test('events: an emitter\'s events as an async iterable that ends on \'end\'', T, async () => {
  await using an = await tractor.openNursery();
  const p = await an.startActor('em', { enableModules: [BRIDGES] });
  await using ctx = await p.openContext(emitterFeed, { count: 5 });
  await using stream = await ctx.openStream();
  const lines: unknown[] = [];
  for await (const l of stream) lines.push(l);
  assert.deepEqual(lines, ['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
  assert.equal(await ctx.waitForResult(), 5);
});

for (const errorEvent of ['error', 'failure']) {
  test(`events: the emitter's ${errorEvent === 'error' ? "'error' event" : 'custom errorEvent'} raises in the iteration and reaches the parent boxed`, T, async () => {
    await using an = await tractor.openNursery();
    const p = await an.startActor('em', { enableModules: [BRIDGES] });
    const err = await thrown(async () => {
      await using ctx = await p.openContext(emitterFeed, { count: 50, failAt: 3, errorEvent });
      await using stream = await ctx.openStream();
      for await (const _ of stream);
      await ctx.waitForResult();
    });
    assert.ok(err instanceof tractor.RemoteActorError && err.boxedType === RangeError, String(err));
    assert.match(err.message, /broke at line 3/);
  });
}

test('pipe: what the parent streams is written to a Node writable in the child, through its drain, ended at the Stop', T, async () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tractor-pipe-')), 'sink.bin');
  await using an = await tractor.openNursery();
  const p = await an.startActor('sink', { enableModules: [BRIDGES] });
  await using ctx = await p.openContext(sinkToFile, { file });
  await using stream = await ctx.openStream();
  const input = Buffer.from('hello legacy world\n'.repeat(20_000));
  for (let i = 0; i < input.length; i += 8192) await stream.send(input.subarray(i, i + 8192));
  await stream.close();
  assert.equal(await ctx.waitForResult(), input.length);
  assert.ok(readFileSync(file).equals(input), 'every byte, in order');
});

test('pipe: backpressure: a Node readable is read only as fast as the MsgStream takes its chunks', T, async () => {
  // The MsgStream's own send() waits for its peer's room; what pipe adds is never reading ahead of it.
  let produced = 0;
  const source = Readable.from((function* () {
    for (let i = 0; i < 1000; i++) {
      produced++;
      yield Buffer.alloc(8, i % 256);
    }
  })(), { objectMode: true, highWaterMark: 4 });
  let sent = 0;
  let closed = false;
  const slowTarget = {
    async send() {
      await new Promise((r) => setTimeout(r, 10));
      sent++;
    },
    async close() {
      closed = true;
    },
    async receive(): Promise<never> {
      throw new Error('unused: the source is only readable');
    },
  };
  const piping = tractor.toPromise.pipe(source, slowTarget);
  await tractor.sleep(300);
  assert.ok(produced - sent <= 8, `read ahead of the sends by ${produced - sent} chunks (sent ${sent})`);
  source.destroy();
  await piping.catch(() => {});
  assert.equal(closed, false, 'a destroyed source is not a clean end');
});

test('pipe: a fast Node readable in a child reaches a parent that reads it all', T, async () => {
  await using an = await tractor.openNursery();
  const p = await an.startActor('src', { enableModules: [BRIDGES] });
  const chunks = 2000;
  await using ctx = await p.openContext(fastSource, { chunks });
  await using stream = await ctx.openStream();
  let n = 0;
  for await (const _ of stream) n++;
  assert.equal(n, chunks);
  assert.equal(await ctx.waitForResult(), chunks);
  assert.equal(await p.run(producedSoFar), chunks);
});

test('pipe: a duplex (a gzip transform) in a child: send everything, close(), and every compressed byte still comes back', T, async () => {
  await using an = await tractor.openNursery();
  const p = await an.startActor('gzip', { enableModules: [BRIDGES] });
  // Half random (does not compress: many output chunks), half zeros.
  const input = Buffer.concat([randomBytes(512 * 1024), Buffer.alloc(512 * 1024)]);
  await using ctx = await p.openContext(gzipService, {});
  await using stream = await ctx.openStream();
  const out: Uint8Array[] = [];
  const reading = (async () => {
    for await (const chunk of stream) out.push(chunk as Uint8Array);
  })();
  for (let at = 0; at < input.length; at += 16 * 1024) await stream.send(input.subarray(at, at + 16 * 1024));
  await stream.close(); // half-close: the gzip output still flows back until the child's Stop
  await reading;
  assert.ok(out.length > 1, `many output chunks (${out.length})`);
  assert.deepEqual(gunzipSync(Buffer.concat(out)), input);
  assert.equal(await ctx.waitForResult(), input.length);
});
