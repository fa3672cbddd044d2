// The wire stays Python tractor's with extension types installed: every
// message of ../shared/interop/wire-vectors.json (encoded by Python tractor's
// msgspec) decodes to its recorded value and encodes back to the same bytes,
// through the codec the channels use. No extension is used for plain data.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeBody, encodeShared } from '../../lib/msg/codec.ts';

const T = { timeout: 20_000 };
const VECTORS = process.env.TRACTOR_TS_WIRE_VECTORS ?? new URL('../../../shared/interop/wire-vectors.json', import.meta.url).pathname;

interface Vector { decoded: unknown; body_hex: string; frame_hex: string }
const vectors = JSON.parse(readFileSync(VECTORS, 'utf8')) as { messages: Record<string, Vector> };

/** The vectors write binary as `{"$bytes_hex": "..."}`. */
function revive(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(revive);
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (typeof o.$bytes_hex === 'string' && Object.keys(o).length === 1) return new Uint8Array(Buffer.from(o.$bytes_hex, 'hex'));
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, revive(x)]));
  }
  return v;
}

test('every Python wire vector decodes to its value and encodes back byte for byte', T, () => {
  const names = Object.keys(vectors.messages);
  assert.ok(names.length >= 10, `expected the vectors, found ${names.length}`);
  for (const name of names) {
    const vec = vectors.messages[name]!;
    const body = Buffer.from(vec.body_hex, 'hex');
    const value = revive(vec.decoded);
    assert.deepEqual(decodeBody(body), value, `${name}: decoded`);
    assert.equal(Buffer.from(encodeShared(value)).toString('hex'), vec.body_hex, `${name}: encoded`);
    const frame = Buffer.from(vec.frame_hex, 'hex');
    assert.equal(frame.readUInt32LE(0), body.length, `${name}: frame length prefix`);
    assert.deepEqual(frame.subarray(4), body, `${name}: frame body`);
  }
});
