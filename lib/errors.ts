/**
 * The error classes of tractor-ts and the boxing that carries an error across
 * a process boundary (an `Error` message) and back into a `RemoteActorError`.
 *
 * Every class has a stable `code` (Node style) so callers can branch on it
 * without `instanceof` across module copies.
 */
import type { ErrorMsg, Uid } from './msg/types.ts';

/** Base class of every error tractor-ts raises itself. */
export class TractorError extends Error {
  /** Stable, documented error code, e.g. `'ERR_TRACTOR_MODULE_NOT_EXPOSED'`. */
  readonly code: string = 'ERR_TRACTOR';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A remote task was asked for a function of a module its actor did not list in `enableModules`. */
export class ModuleNotExposed extends TractorError {
  override readonly code = 'ERR_TRACTOR_MODULE_NOT_EXPOSED';
}

/** A message broke the protocol: malformed, unknown `msg_type`, missing fields, or a payload that breaks a `pldSpec`. */
export class MsgTypeError extends TractorError {
  override readonly code = 'ERR_TRACTOR_MSG_TYPE';
}

/** The channel to a peer closed (peer exited, connection reset, bad frame) while something was still in flight. */
export class TransportClosed extends TractorError {
  override readonly code = 'ERR_TRACTOR_TRANSPORT_CLOSED';
}

/** A receiver's bounded buffer was overrun by a sender it did not keep up with. */
export class StreamOverrun extends TractorError {
  override readonly code = 'ERR_TRACTOR_STREAM_OVERRUN';
}

/** A broadcast subscriber fell more than its `bufferSize` behind; it resumes from the oldest message still held. */
export class Lagged extends TractorError {
  override readonly code = 'ERR_TRACTOR_LAGGED';
  constructor(message: string, readonly skipped = 0) {
    super(message);
  }
}

/** The peer closed the stream (`Stop`); nothing more will arrive. */
export class EndOfStream extends TractorError {
  override readonly code = 'ERR_TRACTOR_END_OF_STREAM';
}

/** An address string that is not `tcp://host:port` or `uds:///path`, or one nothing listens on. */
export class InvalidAddress extends TractorError {
  override readonly code = 'ERR_TRACTOR_INVALID_ADDRESS';
}

/** A registry address that is dead, or held by something that is not a tractor-ts registrar. */
export class RegistryError extends TractorError {
  override readonly code = 'ERR_TRACTOR_REGISTRY';
}

/** An actor process failed outside of any task: it exited, crashed or was killed before delivering its result. */
export class ActorFailure extends TractorError {
  override readonly code = 'ERR_TRACTOR_ACTOR_FAILURE';
  constructor(
    message: string,
    readonly exitCode: number | null = null,
    readonly signalCode: NodeJS.Signals | null = null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The local reason a task's signal aborts when the tree cancels it: a cancel
 * request from `canceller` (a parent, a peer, `cancelActor`), SIGINT/SIGTERM at
 * the root, or a nursery closing. Crossing back to the requester it becomes a
 * `ContextCancelled`.
 */
export class Cancelled extends TractorError {
  override readonly code = 'ERR_TRACTOR_CANCELLED';
  constructor(message: string, readonly canceller: Uid | null = null, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A bad argument to a public function (a wrong type, a value out of range, a duplicate): the message says what was expected. */
export class InvalidArgument extends TypeError {
  readonly code = 'ERR_TRACTOR_INVALID_ARG';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidArgument';
  }
}

/** The library was used in a way that cannot work (e.g. a nursery opened while a child imports its modules). */
export class RuntimeUsageError extends TractorError {
  override readonly code = 'ERR_TRACTOR_USAGE';
}

/**
 * Sentinel returned by `Portal.waitForResult()` of a daemon actor (one started
 * with `startActor`), which has no single result to wait for.
 */
export class NoResult {
  private constructor() {}
}

/** The fields every boxed remote error carries. */
export interface RemoteErrorInfo {
  srcUid: Uid;
  srcTypeName: string;
  /** The original error's own message (the boxed error's message adds its type and actor). */
  remoteMessage?: string;
  relayPath: Uid[];
  remoteStack: string;
  canceller?: Uid | null;
  sender?: Uid | null;
  cid?: string | null;
}

/**
 * An error raised in another actor, boxed with its type and relayed to here.
 *
 * `boxedType` is the constructor of the original error when this process knows
 * it (builtins, tractor-ts errors, classes passed to {@link registerErrorType});
 * `boxedTypeName` is always set. Errors relayed through intermediate actors
 * keep their original `srcUid` and type, and `relayPath` lists every actor the
 * error passed through, origin first.
 */
export class RemoteActorError extends TractorError {
  override readonly code: string = 'ERR_TRACTOR_REMOTE_ACTOR';
  readonly boxedTypeName: string;
  readonly boxedType: ErrorConstructorLike | undefined;
  readonly srcUid: Uid;
  readonly relayPath: Uid[];
  readonly remoteStack: string;
  /** The original error's message, as raised in the source actor. */
  readonly remoteMessage: string;
  readonly cid: string | null;

  constructor(message: string, info: RemoteErrorInfo) {
    const type = errorTypes.get(info.srcTypeName);
    const remoteMessage = info.remoteMessage ?? message;
    super(message, { cause: type ? rebuild(type, info.srcTypeName, remoteMessage, info.remoteStack) : undefined });
    this.remoteMessage = remoteMessage;
    this.boxedTypeName = info.srcTypeName;
    this.boxedType = type;
    this.srcUid = info.srcUid;
    this.relayPath = info.relayPath;
    this.remoteStack = info.remoteStack;
    this.cid = info.cid ?? null;
  }

  /** The actor the error came from, as `name@uuid-prefix`, for messages. */
  get srcActor(): string {
    return fmtUid(this.srcUid);
  }
}

/**
 * A remote task ended because it was cancelled. `canceller` names the actor
 * that requested the cancellation.
 */
export class ContextCancelled extends RemoteActorError {
  override readonly code = 'ERR_TRACTOR_CONTEXT_CANCELLED';
  readonly canceller: Uid | null;
  constructor(message: string, info: RemoteErrorInfo) {
    super(message, info);
    this.canceller = info.canceller ?? null;
  }
}

type ErrorConstructorLike = abstract new (...args: never[]) => Error;
const errorTypes = new Map<string, ErrorConstructorLike>();

/**
 * Make `cls` known to this process so that remote errors of that type come
 * back with `boxedType === cls` and a `cause` that is `instanceof cls`.
 * Register it in every actor that may receive it (e.g. at module top level of
 * an enabled module).
 */
export function registerErrorType(cls: ErrorConstructorLike): void {
  errorTypes.set(cls.name, cls);
}

for (const cls of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError]) {
  registerErrorType(cls);
}
for (const cls of [
  TractorError, ModuleNotExposed, MsgTypeError, TransportClosed, StreamOverrun, Lagged,
  EndOfStream, InvalidAddress, RegistryError, ActorFailure, RuntimeUsageError, Cancelled, RemoteActorError, ContextCancelled,
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

/** `name@1234abcd`: a short, human form of an actor uid. */
export function fmtUid(uid: Uid | null | undefined): string {
  return uid ? `${uid[0]}@${String(uid[1]).slice(0, 8)}` : '<unknown>';
}

function typeNameOf(err: unknown): string {
  if (err instanceof Error) {
    const ctor = (err as { constructor?: { name?: string } }).constructor?.name;
    return ctor && ctor !== 'Object' ? ctor : err.name;
  }
  return typeof err;
}

/** Box `err`, raised (or relayed) in actor `here`, into an `Error` message. */
export function boxError(err: unknown, here: Uid, cid: string | null, canceller?: Uid | null): ErrorMsg {
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
  };
}

/** Turn a received `Error` message back into a throwable error. */
export function unboxError(msg: ErrorMsg): RemoteActorError {
  const info: RemoteErrorInfo = {
    srcUid: msg.src_uid,
    srcTypeName: msg.src_type_str,
    remoteMessage: msg.message,
    relayPath: msg.relay_path ?? [msg.src_uid],
    remoteStack: msg.tb_str ?? '',
    canceller: msg.canceller,
    sender: msg.sender,
    cid: msg.cid,
  };
  const via = info.relayPath.length > 1 ? ` (relayed via ${info.relayPath.slice(1).map(fmtUid).join(' -> ')})` : '';
  const text = `${msg.src_type_str} in actor ${fmtUid(msg.src_uid)}${via}: ${msg.message}`;
  if (msg.boxed_type_str === 'ContextCancelled' || msg.src_type_str === 'ContextCancelled') {
    return new ContextCancelled(text, info);
  }
  return new RemoteActorError(text, info);
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** Render an error for a terminal: boxed remote errors print their remote stack too. */
export function formatError(err: unknown): string {
  const suppressed = err as { name?: string; error?: unknown; suppressed?: unknown };
  if (suppressed?.name === 'SuppressedError' && 'suppressed' in (suppressed as object)) {
    // `await using`: `error` was raised while disposing after `suppressed` was thrown by the block.
    return [`SuppressedError: ${(err as Error).message}`, indent(`error: ${formatError(suppressed.error)}`),
      indent(`suppressed: ${formatError(suppressed.suppressed)}`)].join('\n');
  }
  if (err instanceof AggregateError) {
    return [`${err.name}: ${err.message}`, ...err.errors.map((e, i) => indent(`[${i}] ${formatError(e)}`))].join('\n');
  }
  if (err instanceof RemoteActorError) {
    return `${err.stack}\n  -- remote traceback from ${err.srcActor} --\n${indent(err.remoteStack)}`;
  }
  return err instanceof Error ? (err.stack ?? String(err)) : safeString(err);
}

function indent(s: string): string {
  return s.split('\n').map((l) => `    ${l}`).join('\n');
}
