// The stream hot paths are exact: a Yield encoded as head + payload is byte for
// byte the generic encoding, the receiver's Yield fast path decodes what the
// generic decoder does (and declines anything else), FrameReader splits any
// chunking of a frame stream, and the hand-written stream iterator behaves as
// the async generator it replaces.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBody, decodeYield, encodePldShared, encodeShared, FRAME_BYTES, yieldHead } from '../../lib/msg/codec.ts';
import { FrameReader } from '../../lib/ipc/framing.ts';
import { NOTHING } from '../../lib/context/receive-buffer.ts';
// The library's sources, not the built package: the same classes as lib/stream.ts sees.
import { EndOfStream } from '../../lib/errors.ts';
import { MsgStream } from '../../lib/context/stream.ts';

const T = { timeout: 20_000 };

/** `bytes` inside a bigger buffer, as a frame sits in a socket read: [buf, start, end]. */
function inside(bytes: Uint8Array): [Buffer, number, number] {
  const buf = Buffer.concat([Buffer.from('junk'), Buffer.from(bytes), Buffer.from('junk')]);
  return [buf, 4, 4 + bytes.length];
}

test('a Yield encoded as head + payload is the generic encoding, and decodes back the same', T, () => {
  const cids = ['0123456789ab:1', 'x', '', 'ünïcødé:7', 'a'.repeat(31), 'a'.repeat(32)];
  const plds: unknown[] = [
    0, 1, -1, 1.5, 2 ** 40, 'x', '', 'héllo', null, true, [1, 2, undefined], { a: 1, b: undefined },
    new Uint8Array([1, 2, 3]), new Uint8Array(70_000), new Date(0), { deep: { deeper: [1, { x: 'y' }] } },
  ];
  for (const cid of cids) {
    for (const pld of plds) {
      const full = Buffer.from(encodeShared({ msg_type: 'Yield', cid, pld }));
      assert.deepEqual(Buffer.concat([yieldHead(cid), encodePldShared(pld)]), full, `bytes of ${cid} / ${String(pld)}`);
      const fast = decodeYield(...inside(full));
      if (Buffer.byteLength(cid) >= 32) {
        assert.equal(fast, undefined, 'a long cid takes the generic path');
        continue;
      }
      assert.ok(fast, `fast path for ${cid}`);
      const slow = decodeBody(full) as object;
      const { [FRAME_BYTES]: frameBytes, ...wire } = fast;
      assert.equal(frameBytes, full.length, 'the fast path records the frame\'s size');
      assert.deepEqual(wire, slow);
      assert.deepEqual(Object.keys(fast), Object.keys(slow));
      if (pld instanceof Uint8Array) assert.equal(Object.getPrototypeOf(fast.pld), Uint8Array.prototype);
    }
  }
});

test('the payload encoder accepts exactly the nesting a whole message accepts', T, () => {
  const nest = (d: number) => {
    let v: unknown = 1;
    for (let i = 0; i < d; i++) v = [v];
    return v;
  };
  for (let d = 95; d < 102; d++) {
    const whole = (() => { try { encodeShared({ msg_type: 'Yield', cid: 'c', pld: nest(d) }); return 'ok'; } catch { return 'too deep'; } })();
    const alone = (() => { try { encodePldShared(nest(d)); return 'ok'; } catch { return 'too deep'; } })();
    assert.equal(alone, whole, `depth ${d}`);
  }
});

test('the Yield fast path declines other messages, layouts and broken frames', T, () => {
  const msg = (m: object) => inside(encodeShared(m));
  assert.equal(decodeYield(...msg({ msg_type: 'Return', cid: 'c', pld: 1 })), undefined);
  assert.equal(decodeYield(...msg({ msg_type: 'Yield', cid: 'c' })), undefined);
  assert.equal(decodeYield(...msg({ msg_type: 'Yield', pld: 1, cid: 'c' })), undefined);
  assert.equal(decodeYield(...msg({ msg_type: 'Yield', cid: 'c', pld: 1, extra: 2 })), undefined);
  const good = Buffer.from(encodeShared({ msg_type: 'Yield', cid: 'c', pld: 'hello' }));
  const trailing = Buffer.concat([good, Buffer.from([0])]);
  assert.equal(decodeYield(trailing, 0, trailing.length), undefined);
  assert.throws(() => decodeBody(trailing), 'and the generic path reports it');
  assert.equal(decodeYield(good, 0, good.length - 2), undefined);
});

test('FrameReader splits any chunking of a frame stream into its frames', T, () => {
  let seed = 1;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let trial = 0; trial < 1500; trial++) {
    const frames = Array.from({ length: 1 + rnd(8) }, () => {
      const sizes = [0, 1, 3, 4, 5, 100, 5000, 70_000];
      const b = Buffer.alloc(sizes[rnd(sizes.length)]!);
      for (let k = 0; k < b.length; k += 97) b[k] = rnd(256);
      return b;
    });
    const stream = Buffer.concat(frames.flatMap((f) => {
      const h = Buffer.alloc(4);
      h.writeUInt32LE(f.length);
      return [h, f];
    }));
    const cutBy = trial % 3 === 0 ? 1 + rnd(Math.min(stream.length, 9)) : 0; // sometimes the stream ends mid-frame
    const bytes = stream.subarray(0, stream.length - cutBy);
    const reader = new FrameReader();
    const got: Buffer[] = [];
    for (let o = 0; o < bytes.length;) {
      const sizes = [1, 2, 3, 4, 5, 7, 64, 1000, 65_536, 200_000];
      const n = sizes[rnd(sizes.length)]!;
      reader.push(Buffer.from(bytes.subarray(o, o + n)), (buf, start, end) => got.push(Buffer.from(buf.subarray(start, end))));
      o += n;
    }
    // Every whole frame, in order; what is left is the truncated one, prefix included.
    let whole = 0;
    let off = 0;
    while (whole < frames.length && off + 4 + frames[whole]!.length <= bytes.length) off += 4 + frames[whole++]!.length;
    assert.deepEqual(got, frames.slice(0, whole), `trial ${trial}`);
    assert.equal(reader.pending, bytes.length - off, `pending bytes, trial ${trial}`);
  }
  const reader = new FrameReader(100);
  const big = Buffer.alloc(8);
  big.writeUInt32LE(1000);
  // Refused from its length prefix alone, before any of its bytes: a protocol error that names the option.
  assert.throws(() => reader.push(big.subarray(0, 4), () => {}), (err: Error & { code?: string; reason?: string }) =>
    err.code === 'ERR_TRACTOR_TRANSPORT_CLOSED' && err.reason === 'protocol' && err.message.includes('maxFrameBytes'));
});

// ------------------------------------------------------------ the stream iterator

type Ev = { msg: unknown } | { end: true } | { error: Error };

/** Just enough of a Context for a MsgStream: a scripted sequence of messages, then an end or an error. */
function fakeContext(events: Ev[], log: string[], slow: boolean) {
  let i = 0;
  return {
    takeBuffered() {
      const e = events[i];
      if (slow || !e || !('msg' in e)) return NOTHING;
      i++;
      return e.msg;
    },
    async receiveYield() {
      if (slow) await new Promise((r) => setTimeout(r, 1));
      const e = events[i];
      if (!e || 'end' in e) throw new EndOfStream('the peer closed the stream');
      if ('error' in e) throw e.error;
      i++;
      return e.msg;
    },
    sendStop() {
      log.push('Stop');
    },
    discardRest() {
      log.push('discard');
    },
  };
}

/**
 * What `for await` on a stream would be as a generator: the peer's Stop ends
 * it and leaves this side open (half-close); an error closes this side;
 * leaving early closes both ways.
 */
async function* generatorOf<T>(stream: MsgStream<T>): AsyncGenerator<T> {
  let ended = false;
  try {
    for (;;) {
      let value: T;
      try {
        value = await stream.receive();
      } catch (err) {
        ended = true;
        if (err instanceof EndOfStream) return;
        await stream.close();
        throw err;
      }
      yield value;
    }
  } finally {
    if (!ended) await stream.closeBoth();
  }
}

const settle = (p: Promise<unknown>) => p.then((v) => v, (e: Error) => ({ rejected: e.message }));
const msgs = (n: number): Ev[] => Array.from({ length: n }, (_, i) => ({ msg: i }));

test('the stream iterator behaves as the async generator it replaces', T, async () => {
  const scenarios: [string, Ev[], (it: AsyncIterator<unknown>) => Promise<unknown[]>][] = [
    ['to the end', [...msgs(3), { end: true }], async (it) => { const r = []; for (let k = 0; k < 6; k++) r.push(await settle(it.next())); return r; }],
    ['an error', [...msgs(2), { error: new Error('boom') }], async (it) => { const r = []; for (let k = 0; k < 5; k++) r.push(await settle(it.next())); return r; }],
    ['return() after next()', msgs(5), async (it) => [await it.next(), await it.next(), await it.return!(), await it.next()]],
    ['return() first', msgs(5), async (it) => [await it.return!(), await it.next()]],
    ['throw() first', msgs(5), async (it) => [await settle(it.throw!(new Error('t'))), await it.next()]],
    ['throw() after next()', msgs(5), async (it) => [await it.next(), await settle(it.throw!(new Error('t'))), await it.next()]],
    ['concurrent next()', [...msgs(3), { end: true }], (it) => Promise.all([1, 2, 3, 4, 5].map(() => settle(it.next())))],
    ['concurrent next() and an error', [...msgs(1), { error: new Error('boom') }], (it) => Promise.all([1, 2, 3, 4].map(() => settle(it.next())))],
    ['concurrent return()', msgs(4), (it) => Promise.all([settle(it.next()), settle(it.return!()), settle(it.next())])],
    ['for await', [...msgs(4), { end: true }], async (it) => { const r: unknown[] = []; for await (const v of { [Symbol.asyncIterator]: () => it }) r.push(v); return r; }],
    ['for await, break', msgs(9), async (it) => { const r: unknown[] = []; for await (const v of { [Symbol.asyncIterator]: () => it }) { r.push(v); if (r.length === 2) break; } return r; }],
  ];
  for (const [name, events, script] of scenarios) {
    for (const slow of [false, true]) {
      const runs = [];
      for (const impl of ['generator', 'iterator'] as const) {
        const log: string[] = [];
        const end = fakeContext(events, log, slow) as never;
        const stream = new MsgStream(end, end);
        const it = impl === 'generator' ? generatorOf(stream) : stream[Symbol.asyncIterator]();
        const results = await script(it);
        runs.push({ results, log, closed: stream.closed });
      }
      assert.deepEqual(runs[1], runs[0], `${name} (${slow ? 'messages arrive later' : 'messages already here'})`);
    }
  }
});
