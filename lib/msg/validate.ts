/**
 * Checks a decoded value is a well-formed protocol message before anything
 * acts on it: a peer's bug or garbage must become a `MsgTypeError`, never a
 * crash deep in the runtime.
 */
import { MsgTypeError } from '../errors.ts';
import type { Msg } from './types.ts';

export type FieldKind =
  | 'string' | 'number' | 'object' | 'uid' | 'array' | 'string?' | 'uid?' | 'number?' | 'count?'
  | 'strings' | 'modules' | 'uids?' | 'functype' | 'boolean?' | 'inner?' | 'bytes' | 'object?';

/**
 * Every field of every message, to its SPEC type (section 3): a field that
 * reaches the runtime has the type the code assumes. Extra fields are
 * allowed (a newer peer's extensions); `pld` fields carry any value.
 * Exported for the fuzz spec, which replaces each field with wrong types.
 */
export const SCHEMAS: Record<Msg['msg_type'], Record<string, FieldKind>> = {
  Aid: { name: 'string', uuid: 'string', pid: 'number?', is_registrar: 'boolean?', is_probe: 'boolean?' },
  SpawnSpec: {
    name: 'string', uuid: 'string', enable_modules: 'modules', reg_addrs: 'strings', bind_addrs: 'strings', _runtime_vars: 'object',
  },
  // `kwargs` is checked by the server of the Start, which replies with an error: a bad one must not cost the channel.
  Start: { cid: 'string', ns: 'string', func: 'string', uid: 'uid', pld_spec: 'string?' },
  StartAck: { cid: 'string', functype: 'functype' },
  Started: { cid: 'string' },
  Yield: { cid: 'string' },
  Stop: { cid: 'string' },
  Return: { cid: 'string' },
  CancelAck: { cid: 'string', pld: 'boolean?' },
  Auth: { mac: 'bytes' },
  Credit: { cid: 'string', n: 'count?' },
  Error: {
    src_uid: 'uid', src_type_str: 'string', boxed_type_str: 'string', relay_path: 'uids?', message: 'string?', tb_str: 'string?',
    canceller: 'uid?', sender: 'uid?', cid: 'string?', inner: 'inner?', extra: 'object?',
  },
};

const FUNCTYPES: ReadonlySet<unknown> = new Set(['asyncfunc', 'asyncgen', 'context']);

/** `v` is a plain object (a map on the wire): what a call's arguments must be. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function fits(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'string': return typeof value === 'string';
    case 'number': return typeof value === 'number';
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
    case 'array': return Array.isArray(value);
    case 'uid': return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string';
    case 'string?': return value == null || typeof value === 'string';
    case 'uid?': return value == null || fits(value, 'uid');
    case 'number?': return value == null || typeof value === 'number';
    case 'count?': return value === null || (Number.isSafeInteger(value) && (value as number) > 0);
    case 'strings': return Array.isArray(value) && value.every((v) => typeof v === 'string');
    // Module ids, then (Python tractor's dotted aliases) maps of strings.
    case 'modules': return Array.isArray(value) && value.every((v) => typeof v === 'string' || (fits(v, 'object') && Object.values(v as object).every((x) => typeof x === 'string')));
    case 'uids?': return value == null || (Array.isArray(value) && value.every((v) => fits(v, 'uid')));
    case 'functype': return FUNCTYPES.has(value);
    case 'boolean?': return value == null || typeof value === 'boolean';
    case 'inner?': return value == null || fitsInner(value, 0);
    case 'bytes': return value instanceof Uint8Array;
    case 'object?': return value == null || fits(value, 'object');
  }
}

/** An error's boxed insides (`Error.inner`): each an `Error` message itself, nested at most a few levels. */
function fitsInner(v: unknown, depth: number): boolean {
  if (depth > 6 || !fits(v, 'object')) return false;
  const i = v as Record<string, unknown>;
  const one = (x: unknown) => x === undefined || fitsBoxed(x, depth);
  return one(i.cause) && one(i.error) && one(i.suppressed)
    && (i.errors === undefined || (Array.isArray(i.errors) && i.errors.length <= 64 && i.errors.every((x) => fitsBoxed(x, depth))));
}

function fitsBoxed(x: unknown, depth: number): boolean {
  if (!fits(x, 'object')) return false;
  const m = x as Record<string, unknown>;
  for (const [field, kind] of Object.entries(SCHEMAS.Error)) {
    if (field === 'inner') continue;
    if (!fits(m[field], kind)) return false;
  }
  return m.inner == null || fitsInner(m.inner, depth + 1);
}

/** Return `value` as a `Msg`, or throw a `MsgTypeError` saying what is wrong with it. */
export function validateMsg(value: unknown): Msg {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MsgTypeError(`expected a protocol message (a map with 'msg_type'), got ${describe(value)}`);
  }
  const type = (value as { msg_type?: unknown }).msg_type;
  const schema = typeof type === 'string' ? SCHEMAS[type as Msg['msg_type']] : undefined;
  if (!schema || !Object.hasOwn(SCHEMAS, type as string)) {
    throw new MsgTypeError(`unknown msg_type ${JSON.stringify(type)}; expected one of ${Object.keys(SCHEMAS).join(', ')}`);
  }
  for (const field in schema) {
    const v = (value as Record<string, unknown>)[field];
    if (!fits(v, schema[field]!)) {
      throw new MsgTypeError(`${type as string} message has a bad or missing field '${field}' (expected ${schema[field]}, got ${describe(v)})`);
    }
  }
  return value as Msg;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' ? 'a map' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}
