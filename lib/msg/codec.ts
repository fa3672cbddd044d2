/**
 * The msgpack codec of the wire: one Encoder and one Decoder reused for the
 * whole process, and the `Yield` fast path (a stream's constant message head
 * encoded once, recognised by its bytes on receipt). Extension types
 * (registered classes, bigint, Map, Set, typed arrays) come from msg/ext.ts.
 */
import { Decoder, Encoder } from '@msgpack/msgpack';
import { EXT_PROBLEM, onWireExtensions, takeExtProblem, WireDecoder, WireEncoder } from './ext.ts';

/** Deepest nesting a message may have (@msgpack/msgpack's default, spelled out for the payload encoder below). */
const MAX_DEPTH = 100;
/** Whether the codec speaks extension types (msg/ext.ts); off only to measure what they cost (bench/). */
let withExt = true;
let encoder = newEncoder(MAX_DEPTH);
/**
 * Encodes a payload on its own, to be appended to a pre-encoded head (see
 * {@link yieldHead}). Inside a message the payload sits one level deeper, so
 * its depth limit is one less: exactly the values a whole message accepts.
 */
let pldEncoder = newEncoder(MAX_DEPTH - 1);
let decoder: Decoder = withExt ? new WireDecoder() : new Decoder();

function newEncoder(maxDepth: number): Encoder {
  const opts = { ignoreUndefined: true, maxDepth };
  return withExt ? new WireEncoder(opts) : new Encoder(opts);
}

onWireExtensions((on) => {
  withExt = on;
  encoder = newEncoder(MAX_DEPTH);
  pldEncoder = newEncoder(MAX_DEPTH - 1);
  decoder = on ? new WireDecoder() : new Decoder();
});

/** Mark `msg` with the extension problem met while decoding it, if any (see msg/ext.ts). */
function marked<T>(msg: T): T {
  const p = takeExtProblem();
  if (p !== undefined && typeof msg === 'object' && msg !== null) (msg as Record<symbol, unknown>)[EXT_PROBLEM] = p;
  return msg;
}

/** Encode `msg`; the result is a view into a shared buffer, valid until the next call. */
export function encodeShared(msg: unknown): Uint8Array {
  return encoder.encodeSharedRef(msg);
}

/** Encode a payload that follows a pre-encoded head; a view into a shared buffer, valid until the next call. */
export function encodePldShared(pld: unknown): Uint8Array {
  return pldEncoder.encodeSharedRef(pld);
}

export function decodeBody(body: Uint8Array): unknown {
  // Decode from a plain Uint8Array view (no copy): binary payloads are
  // subarrays of the input, and they must come out as Uint8Array, not Buffer.
  return marked(decoder.decode(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)));
}

// ------------------------------------------------------------ Yield fast path
//
// Stream messages are most of the traffic, and all but their payload is the
// same for the whole dialog: `{msg_type: 'Yield', cid, pld}`. The sender
// encodes that head once per dialog and only the payload per message; the
// receiver recognises the head by its bytes and decodes only the payload.
// Both produce exactly what the generic encoder and decoder would.

/** `{msg_type: 'Yield', cid: ` ... as msgpack: a 3-entry map, its first key and value, and the key `cid`. */
const YIELD_START = encoder.encode({ msg_type: 'Yield', cid: '' }).subarray(1, -1); // without the map header and the empty cid
const KEY_PLD = encoder.encode('pld');
const FIXMAP3 = 0x83;

/**
 * The encoded head of every `Yield` of dialog `cid`: the message
 * `{msg_type: 'Yield', cid, pld}` up to its payload. Append a payload
 * encoded by {@link encodePldShared} (never `undefined`, which a whole
 * message would omit) to get that message's exact encoding.
 */
export function yieldHead(cid: string): Uint8Array {
  // The generic encoding of the message with a nil payload, minus that nil (one byte, 0xc0).
  return encoder.encode({ msg_type: 'Yield', cid, pld: null }).subarray(0, -1);
}

/** The last cid decoded by the fast path: a stream's messages all carry the same one. */
let lastCid: { bytes: Uint8Array; str: string } = { bytes: new Uint8Array(0), str: '' };

/**
 * The size in bytes of the frame a stream message arrived in, on messages
 * decoded by {@link decodeYield} (a symbol: never encoded, never on the wire).
 * The receiver sizes its credit window by it (context/credit.ts).
 */
export const FRAME_BYTES: unique symbol = Symbol('frame bytes');

/**
 * If the frame body `buf[start..end)` is a `Yield` laid out as this codec
 * writes it (these three fields in this order, a cid shorter than 32 bytes),
 * the decoded message, built without decoding its constant head; otherwise
 * (another message, another layout, a payload that does not decode)
 * undefined, and the caller decodes and validates it the generic way, which
 * reports any error exactly as before. A message returned here is a valid
 * `Yield` (a string cid) by construction.
 */
export function decodeYield(buf: Uint8Array, start: number, end: number): { msg_type: 'Yield'; cid: string; pld: unknown; [FRAME_BYTES]: number } | undefined {
  const head = YIELD_START;
  const n = head.length;
  // map header, the fixed key/value/key bytes, a fixstr cid, then the key 'pld'
  if (end - start < 1 + n + 1 + KEY_PLD.length + 1 || buf[start] !== FIXMAP3) return undefined;
  for (let i = 0; i < n; i++) if (buf[start + 1 + i] !== head[i]) return undefined;
  const cidAt = start + 1 + n;
  const cidHead = buf[cidAt]!;
  if ((cidHead & 0xe0) !== 0xa0) return undefined; // not a fixstr (cids are short)
  const cidLen = cidHead & 0x1f;
  const pldKeyAt = cidAt + 1 + cidLen;
  if (end < pldKeyAt + KEY_PLD.length + 1) return undefined;
  for (let i = 0; i < KEY_PLD.length; i++) if (buf[pldKeyAt + i] !== KEY_PLD[i]) return undefined;
  let cid: string;
  const last = lastCid;
  if (sameBytes(last.bytes, buf, cidAt, cidLen + 1)) cid = last.str;
  else {
    const bytes = new Uint8Array(buf.subarray(cidAt, cidAt + 1 + cidLen)); // a copy: never pin the socket's chunk
    const decoded = tryDecode(bytes);
    if (typeof decoded !== 'string') return undefined;
    cid = decoded;
    lastCid = { bytes, str: cid };
  }
  const pldAt = pldKeyAt + KEY_PLD.length;
  // A plain Uint8Array view, as in decodeBody: binary payloads come out as Uint8Array.
  const pld = tryDecode(new Uint8Array(buf.buffer, buf.byteOffset + pldAt, end - pldAt));
  if (pld === FAILED) return undefined;
  return marked({ msg_type: 'Yield', cid, pld, [FRAME_BYTES]: end - start });
}

const FAILED = Symbol('failed');

function tryDecode(bytes: Uint8Array): unknown {
  try {
    return decoder.decode(bytes);
  } catch {
    takeExtProblem(); // the generic path decodes it again
    return FAILED;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, at: number, len: number): boolean {
  if (a.length !== len) return false;
  for (let i = 0; i < len; i++) if (a[i] !== b[at + i]) return false;
  return true;
}
