/**
 * Boxing: an error raised (or relayed) in one actor becomes an `Error`
 * message, and a received `Error` message becomes a `RemoteActorError` (or
 * `ContextCancelled`) again, with the original class rebuilt as its `cause`
 * when this process knows it (`registerErrorType`).
 */
import {
  ActorFailure, AuthenticationError, Cancelled, ContextCancelled, DebuggerQuit, EndOfStream, type ErrorConstructorLike, InvalidAddress, InvalidArgument, Lagged, ModuleNotExposed,
  MsgTypeError, RegistryError, RemoteActorError, type RemoteErrorInfo, RuntimeUsageError, safeString, StreamOverrun,
  TractorError, TransportClosed, ConnectTimeout, HandshakeTimeout, NotARegistrar, UnknownRuntimeMethod, FunctionNotFound, FrameTooLarge,
} from '../errors.ts';
import { fmtUid, type Uid } from '../uid.ts';
import { isPlainData } from './payload.ts';
import type { ErrorInner, ErrorMsg } from './types.ts';

const errorTypes = new Map<string, ErrorConstructorLike>();

/**
 * Make `cls` known to this process so that remote errors of that type come
 * back with `boxedType === cls` and a `cause` that is `instanceof cls`.
 * Register it in every actor that may receive it (e.g. at module top level of
 * an enabled module).
 *
 * @example
 * ```ts
 * export class QuotaExceeded extends Error {}
 * tractor.registerErrorType(QuotaExceeded);
 * // later, in the caller: err instanceof RemoteActorError && err.cause instanceof QuotaExceeded
 * ```
 */
export function registerErrorType(cls: ErrorConstructorLike): void {
  errorTypes.set(cls.name, cls);
}

for (const cls of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError]) {
  registerErrorType(cls);
}
const Suppressed = (globalThis as { SuppressedError?: ErrorConstructorLike }).SuppressedError;
if (Suppressed) registerErrorType(Suppressed);
for (const cls of [
  TractorError, InvalidArgument, ModuleNotExposed, MsgTypeError, TransportClosed, ConnectTimeout, HandshakeTimeout, StreamOverrun, Lagged,
  NotARegistrar, UnknownRuntimeMethod, FunctionNotFound, FrameTooLarge,
  EndOfStream, InvalidAddress, RegistryError, ActorFailure, RuntimeUsageError, Cancelled, RemoteActorError, ContextCancelled,
  AuthenticationError, DebuggerQuit,
]) {
  registerErrorType(cls);
}

function rebuild(type: ErrorConstructorLike, name: string, message: string, stack: string): Error {
  // Constructors of user classes take arbitrary arguments: build the instance
  // without calling one, so a reconstructed cause never throws.
  const err = Object.create(type.prototype) as Error;
  Object.defineProperties(err, {
    message: { value: message, writable: true, configurable: true },
    stack: { value: stack, writable: true, configurable: true },
  });
  if (err.name !== name) Object.defineProperty(err, 'name', { value: name, configurable: true });
  return err;
}


function typeNameOf(err: unknown): string {
  if (err instanceof Error) {
    const ctor = (err as { constructor?: { name?: string } }).constructor?.name;
    return ctor && ctor !== 'Object' ? ctor : err.name;
  }
  return typeof err;
}

/** Fields of an error that are its class's, not data to carry. */
const NOT_EXTRA = new Set(['message', 'stack', 'name', 'cause', 'code']);

/**
 * An error's own enumerable data fields that can cross actors, as `extra`
 * (a non-tractor error's `code` included); a field that cannot (a socket, a
 * function) is left out rather than failing the error's delivery.
 */
function extraOf(err: unknown): Record<string, unknown> | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  if (err instanceof RemoteActorError) return Object.keys(err.extra).length ? err.extra : undefined;
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(err)) {
    if (NOT_EXTRA.has(k) && (k !== 'code' || err instanceof TractorError)) continue;
    const v = (err as Record<string, unknown>)[k];
    if (isPlainData(v, 0)) (out ??= {})[k] = v;
  }
  return out;
}

/** Box `err`, raised (or relayed) in actor `here`, into an `Error` message. */
export function boxError(err: unknown, here: Uid, cid: string | null, canceller?: Uid | null): ErrorMsg {
  const msg = boxErrorFields(err, here, cid, canceller);
  const extra = extraOf(err);
  if (extra) msg.extra = extra;
  return msg;
}

function boxErrorFields(err: unknown, here: Uid, cid: string | null, canceller?: Uid | null): ErrorMsg {
  if (err instanceof RemoteActorError) {
    return {
      msg_type: 'Error',
      src_uid: err.srcUid,
      src_type_str: err.boxedTypeName,
      boxed_type_str: err instanceof ContextCancelled ? 'ContextCancelled' : 'RemoteActorError',
      relay_path: err.relayPath.at(-1)?.[1] === here[1] ? err.relayPath : [...err.relayPath, here],
      // The original message: the receiver adds the type and actor prefix itself.
      message: err.remoteMessage,
      tb_str: err.remoteStack,
      canceller: err instanceof ContextCancelled ? err.canceller : (canceller ?? null),
      sender: here,
      cid,
      _bad_msg: null,
      _bad_msg_as_dict: null,
      ...innerField(err.cause, here),
    };
  }
  const e = err instanceof Error ? err : new Error(`non-Error value thrown: ${safeString(err)}`);
  if (err instanceof Cancelled) canceller ??= err.canceller ?? here;
  const type = canceller ? 'ContextCancelled' : typeNameOf(err);
  return {
    msg_type: 'Error',
    src_uid: here,
    src_type_str: type,
    boxed_type_str: type,
    relay_path: [here],
    message: e.message,
    tb_str: e.stack ?? `${type}: ${e.message}`,
    canceller: canceller ?? null,
    sender: here,
    cid,
    _bad_msg: null,
    _bad_msg_as_dict: null,
    ...innerField(e, here),
  };
}

/**
 * The error's own text. Python tractor sends `message = ''` for builtin
 * exceptions (`getattr(exc, 'message', '')`, _exceptions.py:1273) and the text
 * only in `tb_str`, whose last line is `ValueError: boom` (or
 * `pkg.mod.MyError: boom`): take that line, without the type prefix.
 */
export function remoteText(msg: Pick<ErrorMsg, 'message' | 'tb_str' | 'src_type_str'>): string {
  if (msg.message) return msg.message;
  const last = (msg.tb_str ?? '').trimEnd().split('\n').at(-1)?.trim() ?? '';
  const colon = last.indexOf(': ');
  const head = colon < 0 ? last : last.slice(0, colon);
  if (head === msg.src_type_str || head.endsWith(`.${msg.src_type_str}`)) return colon < 0 ? '' : last.slice(colon + 2);
  return last;
}

/** Turn a received `Error` message back into a throwable error. */
export function unboxError(msg: ErrorMsg): RemoteActorError {
  const info: RemoteErrorInfo = {
    srcUid: msg.src_uid,
    srcTypeName: msg.src_type_str,
    remoteMessage: remoteText(msg),
    relayPath: msg.relay_path ?? [msg.src_uid],
    remoteStack: msg.tb_str ?? '',
    canceller: msg.canceller,
    sender: msg.sender,
    cid: msg.cid,
    extra: typeof msg.extra === 'object' && msg.extra !== null && !Array.isArray(msg.extra) ? msg.extra : undefined,
  };
  const via = info.relayPath.length > 1 ? ` (relayed via ${info.relayPath.slice(1).map(fmtUid).join(' -> ')})` : '';
  const text = `${msg.src_type_str} in actor ${fmtUid(msg.src_uid)}${via}: ${info.remoteMessage}`;
  const type = errorTypes.get(info.srcTypeName);
  info.boxedType = type;
  info.cause = type ? rebuild(type, info.srcTypeName, info.remoteMessage!, info.remoteStack) : undefined;
  // The error's data fields on the rebuilt error too, as they were on the original.
  if (info.cause && info.extra) {
    for (const k in info.extra) Object.defineProperty(info.cause, k, { value: info.extra[k], writable: true, enumerable: true, configurable: true });
  }
  if (info.cause && msg.inner) attachInner(info.cause, msg.inner);
  if (msg.boxed_type_str === 'ContextCancelled' || msg.src_type_str === 'ContextCancelled') {
    return new ContextCancelled(text, info);
  }
  return new RemoteActorError(text, info);
}


// ------------------------------------------------------------ an error's insides

/** How deep the insides of an error are boxed (a cause of a cause of ...), and how many of an AggregateError's errors. */
export const INNER_DEPTH = 4;
export const INNER_ERRORS = 32;

/**
 * The `inner` field of an `Error` message (a tractor-ts extension Python
 * tractor ignores): the error's `cause`, an `AggregateError`'s `errors`, a
 * `SuppressedError`'s `error` and `suppressed`, each boxed, so they arrive
 * as errors and not as bare text.
 */
function innerField(err: unknown, here: Uid): { inner?: ErrorInner } {
  if (!(err instanceof Error) || innerDepth >= INNER_DEPTH) return {};
  innerDepth++;
  try {
    const box = (e: unknown): ErrorMsg => boxError(e instanceof Error ? e : new Error(`non-Error value: ${safeString(e)}`), here, null);
    const inner: ErrorInner = {};
    const e = err as Error & { errors?: unknown; error?: unknown; suppressed?: unknown };
    if (e.cause !== undefined && !(err instanceof RemoteActorError)) inner.cause = box(e.cause);
    if (Array.isArray(e.errors)) inner.errors = e.errors.slice(0, INNER_ERRORS).map(box);
    if (Object.hasOwn(e, 'suppressed') && Object.hasOwn(e, 'error')) {
      inner.error = box(e.error);
      inner.suppressed = box(e.suppressed);
    }
    return Object.keys(inner).length ? { inner } : {};
  } finally {
    innerDepth--;
  }
}
/** How deep the boxing of insides is now (a cause that is its own cause ends at {@link INNER_DEPTH}). */
let innerDepth = 0;

/** Put the unboxed insides back on the rebuilt original error. */
function attachInner(target: Error, inner: ErrorInner): void {
  const set = (k: string, v: unknown) => Object.defineProperty(target, k, { value: v, writable: true, configurable: true });
  if (inner.cause) set('cause', unboxError(inner.cause));
  if (inner.errors) set('errors', inner.errors.map(unboxError));
  if (inner.error && inner.suppressed) {
    set('error', unboxError(inner.error));
    set('suppressed', unboxError(inner.suppressed));
  }
}
