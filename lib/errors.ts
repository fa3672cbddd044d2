/**
 * The error classes of tractor-ts, each with a stable `code` (Node style) so
 * callers can branch on it without `instanceof` across module copies. How an
 * error crosses a process boundary (boxing) lives in `msg/box.ts`.
 */
import { fmtUid, type Uid } from './uid.ts';

/**
 * Base class of every error tractor-ts raises itself. `InvalidArgument`
 * extends `TypeError` instead (what a bad argument is in JavaScript), yet
 * `instanceof TractorError` holds for it too.
 *
 * @example
 * ```ts
 * if (err instanceof tractor.TractorError) console.error(err.code, err.message);
 * ```
 */
export class TractorError extends Error {
  /** Stable, documented error code, e.g. `'ERR_TRACTOR_MODULE_NOT_EXPOSED'`. */
  readonly code: string = 'ERR_TRACTOR';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }

  /** @internal Makes `instanceof TractorError` hold for `InvalidArgument` too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return this === TractorError && value instanceof InvalidArgument;
  }
}

/**
 * A function or option got a value it cannot take; the message names it, what was expected and what came.
 *
 * @example
 * ```ts
 * try { await an.startActor(''); } catch (err) { if (err instanceof tractor.InvalidArgument) console.error(err.code); } // 'ERR_TRACTOR_INVALID_ARG'
 * ```
 */
export class InvalidArgument extends TypeError {
  /** `'ERR_TRACTOR_INVALID_ARG'`, or a subclass's own code. */
  readonly code: string = 'ERR_TRACTOR_INVALID_ARG';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A remote task was asked for a function of a module its actor did not list in `enableModules`.
 *
 * @example
 * ```ts
 * try { await portal.run(fnOfAModuleItDidNotEnable); } catch (err) { console.error(err); } // err.boxedTypeName === 'ModuleNotExposed'
 * ```
 */
export class ModuleNotExposed extends TractorError {
  override readonly code = 'ERR_TRACTOR_MODULE_NOT_EXPOSED';
}

/**
 * An RPC target that is not an exported function of a module the call can see (or the callee enabled).
 *
 * @example
 * ```ts
 * try { await portal.run(notExported); } catch (err) { if (err instanceof tractor.FunctionNotFound) console.error(err.message); }
 * ```
 */
export class FunctionNotFound extends InvalidArgument {
  override readonly code: string = 'ERR_TRACTOR_FUNCTION_NOT_FOUND';
}

/**
 * A message too big for the actor it is sent to: its frame would exceed the
 * peer's `maxFrameBytes` (default 64 MiB; a tractor-ts peer announces its
 * own in its handshake). Refused at the sender, before any byte is written,
 * so the connection and the peer are unharmed.
 *
 * @example
 * ```ts
 * try { await stream.send(huge); } catch (err) { if (err instanceof tractor.FrameTooLarge) console.error(err.size, err.limit); }
 * // or let the peer take it: openRoot({ maxFrameBytes }) / startActor(name, { maxFrameBytes })
 * ```
 */
export class FrameTooLarge extends InvalidArgument {
  override readonly code: string = 'ERR_TRACTOR_FRAME_TOO_LARGE';
  /** The frame's size in bytes. */
  readonly size: number;
  /** The largest frame the peer accepts, in bytes. */
  readonly limit: number;
  constructor(message: string, size = 0, limit = 0, options?: ErrorOptions) {
    super(message, options);
    this.size = size;
    this.limit = limit;
  }
}

/**
 * A message broke the protocol: malformed, unknown `msg_type`, missing fields, or a payload that breaks a `pldSpec`.
 *
 * @example
 * ```ts
 * try { await ctx.started({ n: 'x' }); } catch (err) { if (err instanceof tractor.MsgTypeError) console.error(err.message); } // breaks the pldSpec
 * ```
 */
export class MsgTypeError extends TractorError {
  override readonly code = 'ERR_TRACTOR_MSG_TYPE';
}

/**
 * Why a channel closed: the peer closed it (`'peer-closed'`, e.g. it
 * exited), this side did (`'local'`), the socket failed (`'failed'`, a
 * reset, a refused connect), a wait on the peer ran out (`'timeout'`), or
 * the peer broke the framing or the handshake (`'protocol'`).
 */
export type TransportClosedReason = 'peer-closed' | 'local' | 'failed' | 'timeout' | 'protocol';

/**
 * The channel to a peer closed (peer exited, connection reset, bad frame) while something was still in flight.
 *
 * @example
 * ```ts
 * try { await portal.run(work); } catch (err) { if (err instanceof tractor.TransportClosed && err.reason === 'peer-closed') console.error('the actor went away'); }
 * ```
 */
export class TransportClosed extends TractorError {
  override readonly code: string = 'ERR_TRACTOR_TRANSPORT_CLOSED';
  /** Why, for code that must tell the cases apart (never by the message). */
  readonly reason: TransportClosedReason;
  constructor(message: string, options?: ErrorOptions & { reason?: TransportClosedReason }) {
    super(message, options);
    this.reason = options?.reason ?? 'failed';
  }
}

/**
 * A connection to a peer did not open within its timeout (the peer may be alive but busy, or the address unroutable).
 *
 * @example
 * ```ts
 * try { await tractor.findActor('busy'); } catch (err) { if (err instanceof tractor.ConnectTimeout) console.error('no connect in time'); }
 * ```
 */
export class ConnectTimeout extends TransportClosed {
  override readonly code = 'ERR_TRACTOR_CONNECT_TIMEOUT';
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, reason: 'timeout' });
  }
}

/**
 * A peer accepted the connection but did not say who it is (its `Aid`) within the handshake timeout: it may just be busy.
 *
 * @example
 * ```ts
 * try { await tractor.findActor('busy'); } catch (err) { if (err instanceof tractor.HandshakeTimeout) console.error('connected, but no Aid in time'); }
 * ```
 */
export class HandshakeTimeout extends TransportClosed {
  override readonly code = 'ERR_TRACTOR_HANDSHAKE_TIMEOUT';
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, reason: 'timeout' });
  }
}

/**
 * A receiver's bounded buffer was overrun by a sender it did not keep up with.
 *
 * @example
 * ```ts
 * await using stream = await ctx.openStream({ msgBufferSize: 64 }); // read it, or pass allowOverruns: true, or get StreamOverrun
 * ```
 */
export class StreamOverrun extends TractorError {
  override readonly code = 'ERR_TRACTOR_STREAM_OVERRUN';
}

/**
 * A broadcast subscriber fell more than its `bufferSize` behind; it resumes from the oldest message still held.
 *
 * @example
 * ```ts
 * try { await sub.receive(); } catch (err) { if (err instanceof tractor.Lagged) console.warn(`missed ${err.skipped}`); }
 * ```
 */
export class Lagged extends TractorError {
  override readonly code = 'ERR_TRACTOR_LAGGED';
  /** How many messages this subscriber missed. */
  readonly skipped: number;
  constructor(message: string, skipped = 0) {
    super(message);
    this.skipped = skipped;
  }
}

/**
 * The peer closed the stream (`Stop`); nothing more will arrive.
 *
 * @example
 * ```ts
 * try { for (;;) console.log(await stream.receive()); } catch (err) { if (!(err instanceof tractor.EndOfStream)) throw err; }
 * ```
 */
export class EndOfStream extends TractorError {
  override readonly code = 'ERR_TRACTOR_END_OF_STREAM';
}

/**
 * An address string that is not `tcp://host:port` or `uds:///path`, or one nothing listens on.
 *
 * @example
 * ```ts
 * try { await tractor.findActor('x', { registryAddrs: ['localhost:1616'] }); } catch (err) { console.error(err); } // InvalidAddress: use 'tcp://host:port'
 * ```
 */
export class InvalidAddress extends TractorError {
  override readonly code = 'ERR_TRACTOR_INVALID_ADDRESS';
}

/**
 * A registry address that is dead, or held by something that is not a tractor-ts registrar.
 *
 * @example
 * ```ts
 * try { await tractor.findActor('x', { registryAddrs: ['tcp://127.0.0.1:9'] }); } catch (err) { if (err instanceof tractor.RegistryError) console.error(err.message); }
 * ```
 */
export class RegistryError extends TractorError {
  override readonly code: string = 'ERR_TRACTOR_REGISTRY';
}

/**
 * A registry address answers as a tractor-ts actor that is not a registrar: point `registryAddrs` at the registrar.
 *
 * @example
 * ```ts
 * try { await tractor.getRegistry(await tractor.queryActor('worker')); } catch (err) { if (err instanceof tractor.NotARegistrar) console.error(err.message); }
 * ```
 */
export class NotARegistrar extends RegistryError {
  override readonly code = 'ERR_TRACTOR_NOT_A_REGISTRAR';
}

/**
 * A call in the `self` namespace named a method the peer's runtime does not have (e.g. a registry method of a non-registrar).
 *
 * @example
 * ```ts
 * try { await portal.runFromNs('self', 'no_such_method'); } catch (err) { console.error(err); } // err.boxedTypeName === 'UnknownRuntimeMethod'
 * ```
 */
export class UnknownRuntimeMethod extends TractorError {
  override readonly code = 'ERR_TRACTOR_UNKNOWN_RUNTIME_METHOD';
}

/**
 * An actor process failed outside of any task: it exited, crashed or was killed before delivering its result.
 *
 * @example
 * ```ts
 * try { await portal.waitForResult(); } catch (err) { if (err instanceof tractor.ActorFailure) console.error(err.exitCode, err.signalCode); }
 * ```
 */
export class ActorFailure extends TractorError {
  override readonly code = 'ERR_TRACTOR_ACTOR_FAILURE';
  /** The process's exit code, if it exited. */
  readonly exitCode: number | null;
  /** The signal that killed it, if one did. */
  readonly signalCode: NodeJS.Signals | null;
  constructor(message: string, exitCode: number | null = null, signalCode: NodeJS.Signals | null = null, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
    this.signalCode = signalCode;
  }
}

/**
 * The local reason a task's signal aborts when the tree cancels it: a cancel
 * request from `canceller` (a parent, a peer, `cancelActor`), SIGINT/SIGTERM at
 * the root, or a nursery closing. Crossing back to the requester it becomes a
 * `ContextCancelled`.
 *
 * @example
 * ```ts
 * export async function work() { try { await tractor.sleepForever(); } catch (err) { if (err instanceof tractor.Cancelled) console.log('cancelled by', err.canceller); throw err; } }
 * ```
 */
export class Cancelled extends TractorError {
  override readonly code = 'ERR_TRACTOR_CANCELLED';
  /** The actor that asked for the cancellation, when one did. */
  readonly canceller: Uid | null;
  constructor(message: string, canceller: Uid | null = null, options?: ErrorOptions) {
    super(message, options);
    this.canceller = canceller;
  }
}

/**
/**
 * A connection failed authentication: a peer without this tree's cookie, with
 * a wrong one, one that skipped or stalled the handshake, a tree with a
 * cookie meeting one without, or a TLS certificate the tree's CA did not
 * sign (or that expired).
 *
 * @example
 * ```ts
 * try { await tractor.findActor('db', { registryAddrs: [addr] }); } catch (err) { if (err instanceof tractor.AuthenticationError) console.error('set TRACTOR_COOKIE to the tree\'s cookie'); }
 * ```
 */
export class AuthenticationError extends TractorError {
  override readonly code = 'ERR_TRACTOR_AUTHENTICATION';
}

/**
 * The library was used in a way that cannot work (e.g. a nursery opened while a child imports its modules).
 *
 * @example
 * ```ts
 * try { tractor.currentActor(); } catch (err) { if (err instanceof tractor.RuntimeUsageError) console.error('open a root first'); }
 * ```
 */
export class RuntimeUsageError extends TractorError {
  override readonly code = 'ERR_TRACTOR_USAGE';
}

/**
 * `q`/`quit` in a debug-mode REPL: raised in the stopped task, so it ends as if it had failed there.
 *
 * @example
 * ```ts
 * try { await tractor.pause(); } catch (err) { if (err instanceof tractor.DebuggerQuit) console.error('quit from the debugger'); throw err; }
 * ```
 */
export class DebuggerQuit extends TractorError {
  override readonly code = 'ERR_TRACTOR_DEBUGGER_QUIT';
}

/**
 * Sentinel returned by `Portal.waitForResult()` of a daemon actor (one started
 * with `startActor`), which has no single result to wait for.
 *
 * @example
 * ```ts
 * if ((await daemonPortal.waitForResult()) === tractor.NoResult) console.log('a daemon has no result');
 * ```
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
  /** The original error's class, when this process knows it (see `registerErrorType`). */
  boxedType?: ErrorConstructorLike | undefined;
  /** The original error rebuilt as an instance of `boxedType`. */
  cause?: Error | undefined;
  /** The original error's own data fields, decoded (see {@link RemoteActorError.extra}). */
  extra?: Record<string, unknown> | undefined;
}

/** Any error class, as `registerErrorType` accepts it. */
export type ErrorConstructorLike = abstract new (...args: never[]) => Error;

/**
 * An error raised in another actor, boxed with its type and relayed to here.
 *
 * `boxedType` is the constructor of the original error when this process knows
 * it (builtins, tractor-ts errors, classes passed to {@link registerErrorType});
 * `boxedTypeName` is always set. Errors relayed through intermediate actors
 * keep their original `srcUid` and type, and `relayPath` lists every actor the
 * error passed through, origin first.
 *
 * @example
 * ```ts
 * try { await portal.run(fails); } catch (err) { if (err instanceof tractor.RemoteActorError) console.error(err.boxedTypeName, err.srcUid, err.remoteStack); }
 * ```
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
  /**
   * The original error's own data fields (e.g. `err.detail`), decoded here
   * (values of types registered with `tractor.msg.registerType` included);
   * also set on `cause`. Empty when it had none.
   */
  readonly extra: Record<string, unknown>;

  constructor(message: string, info: RemoteErrorInfo) {
    super(message, { cause: info.cause });
    this.extra = info.extra ?? {};
    this.remoteMessage = info.remoteMessage ?? message;
    this.boxedTypeName = info.srcTypeName;
    this.boxedType = info.boxedType;
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
 *
 * @example
 * ```ts
 * const r = await ctx.waitForResult(); if (r instanceof tractor.ContextCancelled) console.log('cancelled by', r.canceller);
 * ```
 */
export class ContextCancelled extends RemoteActorError {
  override readonly code = 'ERR_TRACTOR_CONTEXT_CANCELLED';
  readonly canceller: Uid | null;
  constructor(message: string, info: RemoteErrorInfo) {
    super(message, info);
    this.canceller = info.canceller ?? null;
  }
}


/** `String(v)`, for values whose `toString` may throw. */
export function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}


/**
 * Render an error for a terminal: boxed remote errors print their remote stack too.
 *
 * @example
 * ```ts
 * try { await portal.run(fails); } catch (err) { console.error(tractor.formatError(err)); }
 * ```
 */
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
