/**
 * Checks a decoded value is a well-formed protocol message before anything
 * acts on it: a peer's bug or garbage must become a `MsgTypeError`, never a
 * crash deep in the runtime.
 */
import { MsgTypeError } from '../errors.ts';
import type { Msg } from './types.ts';

type FieldKind = 'string' | 'number' | 'object' | 'uid' | 'array' | 'string?' | 'uid?' | 'bytes';

const SCHEMAS: Record<Msg['msg_type'], Record<string, FieldKind>> = {
  Aid: { name: 'string', uuid: 'string', pid: 'number' },
  SpawnSpec: { name: 'string', uuid: 'string', enable_modules: 'array', reg_addrs: 'array', bind_addrs: 'array', _runtime_vars: 'object' },
  Start: { cid: 'string', ns: 'string', func: 'string', kwargs: 'object', uid: 'uid' },
  StartAck: { cid: 'string', functype: 'string' },
  Started: { cid: 'string' },
  Yield: { cid: 'string' },
  Stop: { cid: 'string' },
  Return: { cid: 'string' },
  CancelAck: { cid: 'string' },
  Auth: { mac: 'bytes' },
  Error: { src_uid: 'uid', src_type_str: 'string', boxed_type_str: 'string', message: 'string', cid: 'string?', canceller: 'uid?' },
};

function fits(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'string': return typeof value === 'string';
    case 'number': return typeof value === 'number';
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array': return Array.isArray(value);
    case 'uid': return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string';
    case 'string?': return value == null || typeof value === 'string';
    case 'uid?': return value == null || fits(value, 'uid');
    case 'bytes': return value instanceof Uint8Array;
  }
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
