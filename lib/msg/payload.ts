/**
 * What may travel as a payload (arguments, return values, stream messages):
 * msgpack's data model. Checked at the sender so a bad value fails there with
 * a message naming the offending path, instead of arriving silently changed
 * (a `Map` would encode as `{}`, a class instance would lose its prototype).
 * Registered extension types (msg/ext.ts) cross too.
 *
 * Payload specs: a context endpoint may declare a Standard Schema
 * (https://standardschema.dev; zod, valibot, arktype... all implement it) for
 * its payloads. A payload that breaks it is a `MsgTypeError` at the sender.
 */
import { MsgTypeError } from '../errors.ts';
import { extChildren } from './ext.ts';

/**
 * Throw a `TypeError` if `value` cannot cross a process boundary unchanged.
 * The message names it as `what`, or "`what` 'of'" (built only on failure:
 * this runs for every call and stream message).
 */
export function assertSerializable(value: unknown, what: string, of?: string): void {
  // The common case (valid data) walks without building any string.
  if (isPlainData(value, 0)) return;
  const problem = findProblem(value, of === undefined ? what : `${what} '${of}'`, 0);
  if (problem) {
    throw new TypeError(`${problem}: only msgpack data crosses actors (null, booleans, numbers, strings, ` +
      `arrays, plain objects, Uint8Array, Date, bigint, Map, Set, typed arrays) and types registered with ` +
      `tractor.msg.registerType(). Convert it to plain data first, or register its type in both actors.`);
  }
}

/** True if `v` crosses actors unchanged (also picks the data fields a boxed error carries). */
export function isPlainData(v: unknown, depth: number): boolean {
  const t = typeof v;
  if (t !== 'object') return t === 'undefined' || t === 'boolean' || t === 'number' || t === 'string' || t === 'bigint';
  if (v === null || v instanceof Uint8Array || v instanceof Date) return true;
  if (depth > 100) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!isPlainData(v[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return isExtValue(v as object, depth);
  for (const key in v as object) if (!isPlainData((v as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}

/** The first reason `v` is not plain data, with its path (only computed once a value failed). */
function findProblem(v: unknown, path: string, depth: number): string | undefined {
  switch (typeof v) {
    case 'undefined': case 'boolean': case 'number': case 'string': case 'bigint':
      return undefined;
    case 'function':
      return `${path} is a function (${(v as { name?: string }).name || 'anonymous'}), which is not serializable; ` +
        'to call a function in another actor pass it to portal.run() instead';
    case 'symbol':
      return `${path} is a ${typeof v}, which is not serializable`;
  }
  if (v === null || v instanceof Uint8Array || v instanceof Date) return undefined;
  if (depth > 100) return `${path} nests deeper than 100 levels (a cycle?)`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = findProblem(v[i], `${path}[${i}]`, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) {
    const children = extChildren(v as object);
    if (children) {
      for (const [suffix, child] of children) {
        const p = findProblem(child, `${path}${suffix}`, depth + 1);
        if (p) return p;
      }
      return undefined;
    }
    const name = (v as object).constructor?.name ?? 'object';
    return `${path} is a ${name} instance, which is not serializable (register its type with tractor.msg.registerType())`;
  }
  for (const key in v as object) {
    const p = findProblem((v as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
    if (p) return p;
  }
  return undefined;
}

/** A registered extension value whose contents (a Map's keys and values, a Set's items) are data too. */
function isExtValue(v: object, depth: number): boolean {
  const children = extChildren(v);
  if (!children) return false;
  for (const [, child] of children) if (!isPlainData(child, depth + 1)) return false;
  return true;
}

/** The subset of Standard Schema v1 that tractor-ts uses. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) =>
      | { readonly value: Output; readonly issues?: undefined }
      | { readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> }> }
      | Promise<unknown>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** Validate `value` against `spec` (if any); returns the (possibly transformed) value. */
export function checkPld(spec: StandardSchemaV1 | undefined, value: unknown, what: string): unknown {
  if (!spec) return value;
  const res = spec['~standard'].validate(value);
  if (res instanceof Promise) throw new TypeError('pldSpec: asynchronous schemas are not supported; use a synchronous one');
  const r = res as { value?: unknown; issues?: ReadonlyArray<{ message: string; path?: ReadonlyArray<unknown> }> };
  if (r.issues) {
    const detail = r.issues.map((i) => `${i.path?.length ? `${i.path.map((p) => (typeof p === 'object' && p !== null ? String((p as { key: unknown }).key) : String(p))).join('.')}: ` : ''}${i.message}`).join('; ');
    throw new MsgTypeError(`${what} breaks the endpoint's pldSpec: ${detail}`);
  }
  return r.value;
}
