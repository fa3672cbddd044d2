/**
 * Custom types on the wire: the registry of msgpack extension types of this
 * actor (`tractor.msg.registerType`), the built-in ones (`bigint`, `Map`,
 * `Set`, typed arrays; `Date` as msgpack's timestamp), and the encoder and
 * decoder classes the codec builds from it.
 *
 * Every extension payload is the msgpack encoding of what the type's
 * `encode` returned, so `decode` gets that data back and a Python peer reads
 * it with `msgspec.msgpack.decode(data)` in its `ext_hook`. A value of an
 * extension code this actor does not know decodes as an opaque `ExtData`
 * that re-encodes byte for byte (how a relaying actor passes on what it has
 * no class for); the message it came in is marked (see {@link takeExtProblem})
 * so the runtime can fail that one dialog with a `MsgTypeError`.
 */
import { Decoder, type DecoderOptions, decodeTimestampExtension, Encoder, type EncoderOptions, encodeTimestampExtension,
  ExtData, type ExtensionCodecType } from '@msgpack/msgpack';
import { InvalidArgument } from '../errors.ts';

/**
 * How instances of `type` cross actors: `encode` turns one into msgpack data
 * (plain data, a `Uint8Array`, or other registered types), `decode` rebuilds
 * it from that data on the receiving side.
 */
export interface TypeCodec<T, D> {
  /** The msgpack extension code, 0-127, the same in every actor (and Python peer) that exchanges the type. */
  code: number;
  /** The class whose instances (subclasses included) use this codec. */
  type: abstract new (...args: never[]) => T;
  /** Turn an instance into msgpack data (what crosses; it may hold other registered types). */
  encode: (value: T) => D;
  /** Rebuild an instance from the data `encode` made. */
  decode: (data: D) => T;
}

/** The built-in codes (users pick others; the README lists them for Python peers to mirror). */
export const EXT_MAP = 127;
export const EXT_SET = 126;
export const EXT_BIGINT = 125;
export const EXT_TYPED_ARRAY = 124;

interface Entry {
  code: number;
  name: string;
  encode: (value: never) => unknown;
  decode: (data: never) => unknown;
  /** A container's values, with their path suffix, for the sender's check (Map, Set). */
  children?: (value: never) => Iterable<[string, unknown]>;
}

const byCode: (Entry | undefined)[] = [];
const byProto = new Map<object, Entry>();

/**
 * Make instances of `type` cross every channel of this actor as msgpack
 * extension `code`. Register in every actor that sends or receives them: in
 * a module the actor enables, at top level, so it is registered when the
 * module is imported.
 *
 * @throws InvalidArgument for a code outside 0-127, one already registered
 *   (a built-in code included), or a type already registered.
 * @example
 * ```ts
 * class Point { x: number; y: number; constructor(x: number, y: number) { this.x = x; this.y = y; } }
 * tractor.msg.registerType({
 *   code: 1, type: Point,
 *   encode: (p) => [p.x, p.y],
 *   decode: ([x, y]) => new Point(x, y),
 * });
 * ```
 */
export function registerType<T, D>(codec: TypeCodec<T, D>): void {
  if (typeof codec !== 'object' || codec === null) throw new InvalidArgument('registerType() takes { code, type, encode, decode }');
  const { code, type, encode, decode } = codec;
  if (!Number.isInteger(code) || code < 0 || code > 127) {
    throw new InvalidArgument(`registerType(): code must be an integer from 0 to 127 (msgpack's application extension codes), got ${String(code)}`);
  }
  if (typeof type !== 'function' || typeof type.prototype !== 'object') throw new InvalidArgument(`registerType(): type must be a class, got ${typeof type}`);
  if (typeof encode !== 'function' || typeof decode !== 'function') throw new InvalidArgument('registerType(): encode and decode must be functions');
  const taken = byCode[code];
  if (taken) throw new InvalidArgument(`registerType(): extension code ${code} is already registered for ${taken.name}; pick another code`);
  if (byProto.has(type.prototype as object)) throw new InvalidArgument(`registerType(): ${type.name} is already registered (code ${byProto.get(type.prototype as object)!.code})`);
  add(type.prototype as object, { code, name: type.name || 'an anonymous class', encode, decode });
}

function add(proto: object, entry: Entry): void {
  byCode[entry.code] = entry;
  byProto.set(proto, entry);
}

/** The registered codec for object `v` (its class or a base class), if any. */
export function extEntryOf(v: object): Entry | undefined {
  let p = Object.getPrototypeOf(v) as object | null;
  while (p !== null && p !== Object.prototype) {
    const e = byProto.get(p);
    if (e) return e;
    p = Object.getPrototypeOf(p) as object | null;
  }
  return undefined;
}

/**
 * For the sender's check: `undefined` if `v` (an object that is not plain
 * data) is of no registered type; else the values inside it to check in turn
 * (none for a user type: its `encode` decides what crosses).
 */
export function extChildren(v: object): Iterable<[string, unknown]> | undefined {
  if (v instanceof ExtData) return [];
  const e = extEntryOf(v);
  if (!e) return isForeignExtData(v) ? [] : undefined;
  return e.children ? e.children(v as never) : [];
}

/**
 * Whether `v` is an `ExtData` of another copy of @msgpack/msgpack (the
 * user's own: the build bundles the library's), sent as the extension value
 * it is.
 */
function isForeignExtData(v: object): v is { type: number; data: Uint8Array } {
  const { type, data } = v as { type?: unknown; data?: unknown };
  return v.constructor?.name === 'ExtData' && typeof type === 'number' && data instanceof Uint8Array;
}

// ------------------------------------------------------------------ built-ins

add(Map.prototype, {
  code: EXT_MAP, name: 'Map',
  // [[key, value], ...]: Python's dict() takes it as is.
  encode: (m: Map<unknown, unknown>) => [...m],
  decode: (pairs: [unknown, unknown][]) => new Map(pairs),
  children: function* (m: Map<unknown, unknown>) {
    for (const [k, v] of m) {
      yield [`.keys(${describeKey(k)})`, k];
      yield [`.get(${describeKey(k)})`, v];
    }
  },
});
add(Set.prototype, {
  code: EXT_SET, name: 'Set',
  encode: (s: Set<unknown>) => [...s],
  decode: (items: unknown[]) => new Set(items),
  children: function* (s: Set<unknown>) {
    let i = 0;
    for (const v of s) yield [`.values()[${i++}]`, v];
  },
});
// Only bigints outside int64/uint64 get here: the rest are plain msgpack integers (see WireEncoder).
add(BigInt.prototype, {
  code: EXT_BIGINT, name: 'bigint',
  encode: (n: bigint) => n.toString(),
  decode: (s: string) => BigInt(s),
});

type TypedArrayCtor = new (buf: ArrayBuffer) => ArrayBufferView;
const TYPED: Record<string, TypedArrayCtor> = {
  Int8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
};
for (const [name, ctor] of Object.entries(TYPED)) {
  add(ctor.prototype as object, {
    code: EXT_TYPED_ARRAY, name,
    // [name, bytes] (the platform's byte order: little-endian on every platform Node supports).
    encode: (a: ArrayBufferView) => [name, new Uint8Array(a.buffer, a.byteOffset, a.byteLength)],
    decode: () => undefined, // decoded by decodeTypedArray (one code for all of them)
  });
}
byCode[EXT_TYPED_ARRAY] = { code: EXT_TYPED_ARRAY, name: 'typed arrays', encode: () => undefined, decode: decodeTypedArray as never };

function decodeTypedArray([name, bytes]: [string, Uint8Array]): ArrayBufferView {
  const ctor = Object.hasOwn(TYPED, name) ? TYPED[name] : undefined;
  if (!ctor || !(bytes instanceof Uint8Array)) throw new InvalidArgument(`not a typed array: ${String(name)}`);
  // A copy: the bytes are a view into the frame, maybe unaligned for the element size.
  return new ctor(bytes.slice().buffer);
}

function describeKey(k: unknown): string {
  return typeof k === 'string' ? JSON.stringify(k) : typeof k === 'object' && k !== null ? '{…}' : String(k);
}

// --------------------------------------------------- encoding and decoding

/** What went wrong decoding extension values since the last call: the first problem, once. */
let problem: string | undefined;

/** The problem (an unknown code, a failing `decode`) met while decoding the last message, if any; clears it. */
export function takeExtProblem(): string | undefined {
  const p = problem;
  problem = undefined;
  return p;
}

/** Key under which a decoded message carries its extension problem (set by the codec, read by the runtime). */
export const EXT_PROBLEM: unique symbol = Symbol('tractor.extProblem');

function unknownCode(code: number): string {
  return `a payload holds msgpack extension code ${code}, which this actor does not know: ` +
    `register its type here too, with tractor.msg.registerType({ code: ${code}, type, encode, decode }) at the top level ` +
    'of a module this actor enables (or imports), as the sender does';
}

const ENC_OPTS = { ignoreUndefined: true } satisfies EncoderOptions;
/** Nesting of extension values inside extension values before we call it a cycle. */
const MAX_NESTING = 100;
/** One encoder/decoder per nesting level: the outer one is mid-message while an inner one encodes an extension's data. */
const encoders: WireEncoder[] = [];
const decoders: WireDecoder[] = [];
let encDepth = 0;
let decDepth = 0;

/** @internal The extension codec of this actor: registered types, built-ins, timestamps, and opaque `ExtData` kept as is. */
export const extCodec: ExtensionCodecType<undefined> = {
  tryToEncode(object: unknown): ExtData | null {
    // Called for every array and object the encoder meets: plain ones leave at once.
    if (typeof object === 'object') {
      if (object === null) return null;
      const proto = Object.getPrototypeOf(object) as unknown;
      if (proto === Object.prototype || proto === Array.prototype || proto === null) return null;
      if (object instanceof ExtData) return object;
      if (object instanceof Date) return new ExtData(-1, encodeTimestampExtension(object)!);
    } else if (typeof object !== 'bigint') return null;
    const entry = extEntryOf(Object(object) as object);
    if (!entry) return typeof object === 'object' && isForeignExtData(object) ? new ExtData(object.type, object.data) : null;
    return new ExtData(entry.code, encodeData(entry, object));
  },
  decode(data: Uint8Array, code: number): unknown {
    if (code === -1) return decodeTimestampExtension(data);
    const entry = code >= 0 ? byCode[code] : undefined;
    if (!entry) {
      problem ??= unknownCode(code);
      return new ExtData(code, data.slice()); // a copy: never pin the socket's chunk
    }
    try {
      return (entry.decode as (d: unknown) => unknown)(decodeData(data));
    } catch (err) {
      problem ??= `the decode() of extension code ${code} (${entry.name}) failed: ${(err as Error)?.message ?? String(err)}`;
      return new ExtData(code, data.slice());
    }
  },
};

function encodeData(entry: Entry, value: unknown): Uint8Array {
  if (encDepth >= MAX_NESTING) throw new InvalidArgument(`extension values nest deeper than ${MAX_NESTING} levels (a cycle?)`);
  const data = (entry.encode as (v: unknown) => unknown)(value);
  const enc = (encoders[encDepth] ??= new WireEncoder(ENC_OPTS));
  encDepth++;
  try {
    return enc.encode(data);
  } catch (err) {
    if (err instanceof InvalidArgument) throw err; // ours, from a nested extension value: already says which
    throw new InvalidArgument(`the encode() of ${entry.name} (extension code ${entry.code}) returned data that is not msgpack: ${(err as Error).message}`);
  } finally {
    encDepth--;
  }
}

function decodeData(data: Uint8Array): unknown {
  if (decDepth >= MAX_NESTING) throw new InvalidArgument(`extension values nest deeper than ${MAX_NESTING} levels`);
  const dec = (decoders[decDepth] ??= new WireDecoder());
  decDepth++;
  try {
    return dec.decode(data);
  } finally {
    decDepth--;
  }
}

/**
 * Replace the opaque extension values in `value` by their decoding, for the
 * codes known by now (a request that arrived while the actor was still
 * importing the modules that register them). Returns the value and the first
 * problem left, if any.
 */
export function reviveExt(value: unknown): { value: unknown; problem: string | undefined } {
  let left: string | undefined;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v !== 'object' || v === null || depth > MAX_NESTING) return v;
    if (v instanceof ExtData) {
      const before = problem;
      problem = undefined;
      const out = extCodec.decode(v.data as Uint8Array, v.type, undefined);
      left ??= problem;
      problem = before;
      return out;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = walk(v[i], depth + 1);
    } else if (v instanceof Map) {
      const entries = [...v].map(([k, x]) => [walk(k, depth + 1), walk(x, depth + 1)] as const);
      v.clear();
      for (const [k, x] of entries) v.set(k, x);
    } else if (v instanceof Set) {
      const items = [...v].map((x) => walk(x, depth + 1));
      v.clear();
      for (const x of items) v.add(x);
    } else if (Object.getPrototypeOf(v) === Object.prototype) {
      for (const k in v) (v as Record<string, unknown>)[k] = walk((v as Record<string, unknown>)[k], depth + 1);
    }
    return v;
  };
  const out = walk(value, 0);
  return { value: out, problem: left };
}

const toggles: ((on: boolean) => void)[] = [];

/** @internal The codec's hook for {@link setWireExtensions}. */
export function onWireExtensions(fn: (on: boolean) => void): void {
  toggles.push(fn);
}

/**
 * Switch extension types off (plain @msgpack/msgpack, as before they
 * existed) or back on, in this process: only so the codec.ext.overhead bench
 * can measure what they cost, interleaved in one run. Not public API
 * (`tractor.msg` does not export it).
 */
export function setWireExtensions(on: boolean): void {
  for (const fn of toggles) fn(on);
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

// @msgpack/msgpack writes a bigint only as an extension, or (useBigInt64)
// every integer beyond 32 bits as a float. The wire wants neither: a bigint
// that fits is a msgpack int64/uint64 (a Python int), and plain numbers stay
// as they are. So the encoder's private `encodeObject` (where a bigint goes)
// and the decoder's 64-bit reads are overridden here; spec/ipc/codec-ext.test.ts
// checks both, byte for byte, against a library upgrade.
type Internals = Record<string, (this: Record<string, (...a: unknown[]) => unknown>, ...a: unknown[]) => unknown>;
const baseEncodeObject = (Encoder.prototype as unknown as Internals)['encodeObject']!;

/** @internal The wire's encoder: registered types via {@link extCodec}, bigints as int64/uint64 where they fit. */
export class WireEncoder extends Encoder {
  constructor(opts: EncoderOptions = {}) {
    super({ ...opts, extensionCodec: extCodec });
  }
}
Object.defineProperty(WireEncoder.prototype, 'encodeObject', {
  value: function encodeObject(this: Record<string, (...a: unknown[]) => unknown>, object: unknown, depth: number) {
    if (typeof object === 'bigint' && object >= INT64_MIN && object <= UINT64_MAX) return this['encodeBigInt64']!(object);
    return baseEncodeObject.call(this, object, depth);
  },
});

/** @internal
 * The wire's decoder: registered types via {@link extCodec}; a 64-bit
 * integer is a number when it is a safe integer, else an exact bigint (never
 * a rounded number).
 */
export class WireDecoder extends Decoder {
  constructor(opts: DecoderOptions = {}) {
    super({ ...opts, extensionCodec: extCodec });
  }
}
Object.defineProperties(WireDecoder.prototype, {
  readU64: {
    value: function readU64(this: { view: DataView; pos: number }) {
      const hi = this.view.getUint32(this.pos);
      const lo = this.view.getUint32(this.pos + 4);
      const n = hi * 0x1_0000_0000 + lo;
      const out = Number.isSafeInteger(n) ? n : this.view.getBigUint64(this.pos);
      this.pos += 8;
      return out;
    },
  },
  readI64: {
    value: function readI64(this: { view: DataView; pos: number }) {
      const hi = this.view.getInt32(this.pos);
      const lo = this.view.getUint32(this.pos + 4);
      const n = hi * 0x1_0000_0000 + lo;
      const out = Number.isSafeInteger(n) ? n : this.view.getBigInt64(this.pos);
      this.pos += 8;
      return out;
    },
  },
});
