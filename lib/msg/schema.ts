/**
 * Payload specs: a context endpoint may declare a Standard Schema
 * (https://standardschema.dev; zod, valibot, arktype... all implement it) for
 * its payloads. A payload that breaks it is a `MsgTypeError` at the sender.
 */
import { MsgTypeError } from '../errors.ts';

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
