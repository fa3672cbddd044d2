/**
 * The shape check of a frame before it is decoded: a walk over its msgpack
 * bytes that allocates nothing, refusing what would make the decoder
 * allocate far beyond the frame's size. A container that claims more
 * elements than the bytes left could hold (each takes at least one), or
 * nesting deeper than {@link MAX_DEPTH}, is a `MsgTypeError`: a hostile
 * 5-byte array header would otherwise allocate a 4-billion-slot array, and a
 * frame of nested one-element arrays costs the decoder ~130 bytes per byte.
 *
 * It runs on every frame (the hot path of a stream): no closure, no array,
 * nothing allocated per call; the stack of enclosing containers is one
 * module-level buffer (the walk is synchronous, so never shared).
 */
import { MsgTypeError } from '../errors.ts';

/** Deepest nesting of arrays and maps accepted in one message. */
export const MAX_DEPTH = 256;

/** Items still owed by each enclosing container (index: depth); grown if a caller asks for a deeper limit. */
let outer = new Float64Array(MAX_DEPTH + 1);

/** Throw a `MsgTypeError` unless `buf[start, end)` is one msgpack value of bounded depth whose element counts fit its bytes. */
export function checkShape(buf: Uint8Array, start: number, end: number, maxDepth = MAX_DEPTH): void {
  if (outer.length <= maxDepth) outer = new Float64Array(maxDepth + 1);
  let depth = 0; // enclosing containers
  let todo = 1; // items still owed at this level
  let owed = 1; // items still owed in all
  let pos = start;
  for (;;) {
    if (todo === 0) {
      if (depth === 0) return;
      todo = outer[--depth]!;
      continue;
    }
    if (pos >= end) throw bad('is truncated');
    const b = buf[pos++]!;
    todo--;
    owed--;
    let items = 0;
    let skip = 0;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) skip = 0;
    else if (b <= 0x8f) items = (b & 0x0f) * 2;
    else if (b <= 0x9f) items = b & 0x0f;
    else if (b <= 0xbf) skip = b & 0x1f;
    else {
      switch (b) {
        case 0xc4: case 0xd9: skip = readN(buf, pos, end, 1); pos += 1; break;
        case 0xc5: case 0xda: skip = readN(buf, pos, end, 2); pos += 2; break;
        case 0xc6: case 0xdb: skip = readN(buf, pos, end, 4); pos += 4; break;
        case 0xc7: skip = readN(buf, pos, end, 1) + 1; pos += 1; break;
        case 0xc8: skip = readN(buf, pos, end, 2) + 1; pos += 2; break;
        case 0xc9: skip = readN(buf, pos, end, 4) + 1; pos += 4; break;
        case 0xcc: case 0xd0: skip = 1; break;
        case 0xcd: case 0xd1: skip = 2; break;
        case 0xca: case 0xce: case 0xd2: skip = 4; break;
        case 0xcb: case 0xcf: case 0xd3: skip = 8; break;
        case 0xd4: skip = 2; break;
        case 0xd5: skip = 3; break;
        case 0xd6: skip = 5; break;
        case 0xd7: skip = 9; break;
        case 0xd8: skip = 17; break;
        case 0xdc: items = readN(buf, pos, end, 2); pos += 2; break;
        case 0xdd: items = readN(buf, pos, end, 4); pos += 4; break;
        case 0xde: items = readN(buf, pos, end, 2) * 2; pos += 2; break;
        case 0xdf: items = readN(buf, pos, end, 4) * 2; pos += 4; break;
        default: throw bad(`has the reserved byte 0x${b.toString(16)}`);
      }
    }
    if (pos + skip > end) throw bad('is truncated');
    pos += skip;
    if (items > 0) {
      owed += items;
      if (owed > end - pos) throw bad(`claims ${owed} more elements than its ${end - pos} remaining bytes can hold`);
      if (depth >= maxDepth) throw bad(`nests deeper than ${maxDepth} levels`);
      outer[depth++] = todo;
      todo = items;
    }
  }
}

/** The big-endian unsigned integer of `n` (1, 2 or 4) bytes at `pos`, which must lie before `end`. */
function readN(buf: Uint8Array, pos: number, end: number, n: 1 | 2 | 4): number {
  if (pos + n > end) throw bad('is truncated');
  if (n === 1) return buf[pos]!;
  if (n === 2) return (buf[pos]! << 8) | buf[pos + 1]!;
  return buf[pos]! * 0x1000000 + ((buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!);
}

function bad(what: string): MsgTypeError {
  return new MsgTypeError(`refusing a frame that ${what}`);
}
