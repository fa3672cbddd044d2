/**
 * `tractor.toPromise`: hosting plain Promise / callback / EventEmitter code
 * that knows nothing of signals inside a supervised actor (the twin of
 * Python tractor's `to_asyncio`).
 *
 * - `runTask` and `openChannelFrom` run legacy code in an actor spawned with
 *   `infectPromises: true` (anywhere else they are a `RuntimeUsageError`):
 *   cancellation is offered through a signal; legacy code that ignores it
 *   past LEGACY_CANCEL_GRACE_MS is abandoned and its actor torn down.
 * - `fromCallback`, `events` and `pipe` bridge the common legacy shapes and
 *   work in any actor.
 */
import { on, once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { util } from '../builtins.ts';
import { ActorFailure, EndOfStream, InvalidArgument, RuntimeUsageError } from '../errors.ts';
import { getLogger } from '../log.ts';
import { currentScope, currentSignal, Scope, taskStorage } from '../runtime/scope.ts';
import { getRuntime } from '../runtime/current.ts';
import { getRuntimeVars } from '../runtime/state.ts';
import { LEGACY_CANCEL_GRACE_MS, withTimeout } from '../runtime/timing.ts';
import { receiveAll } from '../trionics/receive-all.ts';
import { AsyncQueue } from './queue.ts';
import { failActor } from './traps.ts';

const log = getLogger('infect');

function assertInfected(what: string): void {
  if (getRuntimeVars().infectPromises && getRuntime()) return;
  throw new RuntimeUsageError(
    `toPromise.${what}() hosts legacy Promise code and runs only in an infected actor: spawn the actor that calls it with ` +
    `{ infectPromises: true } (e.g. \`an.startActor('legacy', { enableModules: [...], infectPromises: true })\` or ` +
    `\`an.runInActor(fn, args, { infectPromises: true })\`)`);
}

/**
 * Call legacy code in an async context that names it (so an error escaping
 * it says where it came from), never throwing synchronously. The runtime's
 * own task frame carries the name: a second AsyncLocalStorage would make
 * every promise of the actor pay for its propagation.
 */
function callLegacy<T>(label: string, call: () => T | PromiseLike<T>): Promise<T> {
  const frame = taskStorage.getStore();
  return taskStorage.run({ scope: frame?.scope ?? currentScope(), ctx: frame?.ctx, legacy: label }, () => {
    try {
      return Promise.resolve(call());
    } catch (err) {
      return Promise.reject(err);
    }
  });
}

/**
 * The legacy rejection re-raised on the SC side: an error of the same class
 * (so the parent's `boxedType` is the legacy error's type) with the original
 * as `cause` and its stack kept in the traceback.
 */
function reraise(err: unknown, label: string): Error {
  if (!(err instanceof Error)) {
    return new Error(`${label} rejected with a non-Error value: ${String(err)}`, { cause: err });
  }
  let again: Error | undefined;
  try {
    const made = Reflect.construct(err.constructor, [err.message, { cause: err }]) as unknown;
    if (made instanceof Error && made.constructor === err.constructor && made.message === err.message) again = made;
  } catch {
    // a constructor with another signature: raise the original itself
  }
  if (!again) return err;
  if (again.cause !== err) Object.defineProperty(again, 'cause', { value: err, configurable: true, writable: true });
  again.stack = `${again.stack}\n  caused by (in ${label}): ${err.stack ?? err.message}`;
  return again;
}

/**
 * After cancellation: give `legacy` LEGACY_CANCEL_GRACE_MS to settle. If it
 * does not, it is abandoned; unless the whole actor is going down already,
 * the actor is torn down with an `ActorFailure` relayed to its parent,
 * because nothing else could ever stop that code.
 */
async function graceOrTeardown(legacy: Promise<unknown>, label: string): Promise<void> {
  const settled = await withTimeout(legacy.then(() => true, () => true), LEGACY_CANCEL_GRACE_MS, () => false);
  if (settled) return;
  const actor = getRuntime();
  const msg = `${label} did not settle within ${LEGACY_CANCEL_GRACE_MS} ms of its cancellation (it ignores its signal): abandoned`;
  if (actor?.cancelCalled) {
    log.warning('%s; actor %s is exiting anyway', msg, actor.name);
    return;
  }
  log.error('%s; tearing down infected actor %s so that it cannot leak', msg, actor?.name);
  failActor(new ActorFailure(`${msg}, and its infected actor '${actor?.name}' was torn down so that it cannot leak`));
}

/**
 * Run legacy `fn(args, signal)` (it may ignore both) and return its value;
 * its rejection is re-raised here as an error of the same class with the
 * original as `cause`. Cancellation of the calling task aborts `signal`;
 * legacy code still pending LEGACY_CANCEL_GRACE_MS later gets its actor
 * torn down. Only in an actor spawned with `infectPromises: true`.
 *
 * @example
 * ```ts
 * // served by: an.startActor('legacy', { enableModules: [import.meta.url], infectPromises: true })
 * export async function fetchUser(args: { id: number }) {
 *   return tractor.toPromise.runTask((a) => legacyClient.getUser(a.id), args);
 * }
 * ```
 */
export async function runTask<A = undefined, T = unknown>(
  fn: (args: A, signal: AbortSignal) => T | PromiseLike<T>, args?: A,
): Promise<Awaited<T>> {
  assertInfected('runTask');
  if (typeof fn !== 'function') throw new InvalidArgument(`toPromise.runTask(fn) needs a function, got ${typeof fn}`);
  // The calling task's own scope, no child of it: one scope and one promise per call keep runTask
  // within a few percent of a plain call (bench infected.runTask).
  const scope = currentScope();
  if (scope.aborted) throw scope.reason;
  const label = labelOf('runTask', fn);
  const legacy = callLegacy(label, () => fn(args as A, scope.signal));
  return new Promise<Awaited<T>>((resolve, reject) => {
    let settled = false;
    const unlink = scope.onAbort((reason) => {
      if (settled) return;
      settled = true;
      void graceOrTeardown(legacy, label).then(() => reject(reason));
    });
    legacy.then((value) => {
      if (settled) return;
      settled = true;
      unlink();
      resolve(value as Awaited<T>);
    }, (err) => {
      if (settled) return;
      settled = true;
      unlink();
      reject(reraise(err, label));
    });
  });
}

/** `toPromise.runTask(name)`: how a legacy task is named in logs and in escaped errors. */
function labelOf(kind: string, fn: Function): string {
  return `toPromise.${kind}(${fn.name || 'anonymous'})`;
}

/** The legacy side's sender of `openChannelFrom`. */
export interface ToSc<T> {
  /** Send `value` to the SC side; the first one resolves the open (`chan.first`). */
  send(value: T): void;
  /** End the SC side's iteration (what was sent before is still delivered). */
  close(): void;
}

/** What the SC side sends, as the legacy side sees it. */
export interface FromSc<T> extends AsyncIterable<T> {
  /** The next value; rejects with `EndOfStream` once the SC side left. */
  receive(): Promise<T>;
}

/**
 * A channel to a long-running legacy task (`openChannelFrom`): iterate it
 * for what the legacy side sends, `send()` to it. Leaving the `await using`
 * block aborts the legacy side's signal and waits (bounded) for it to settle.
 *
 * @example
 * ```ts
 * await using chan = await tractor.toPromise.openChannelFrom(legacyEchoServer);
 * await chan.send('ping');
 * console.log(chan.first, await chan.receive());
 * ```
 */
export class LegacyChannel<Out, In = unknown> implements AsyncIterable<Out>, AsyncDisposable {
  readonly #toSc: AsyncQueue<Out>;
  readonly #fromSc: AsyncQueue<In>;
  readonly #scope: Scope;
  readonly #legacy: Promise<unknown>;
  readonly #label: string;
  #error: { err: Error; delivered: boolean } | undefined;
  #disposed = false;
  /** What the legacy side sent first (it resolved the open). */
  readonly first: Out;

  /** @internal */
  constructor(first: Out, toSc: AsyncQueue<Out>, fromSc: AsyncQueue<In>, scope: Scope, legacy: Promise<unknown>, label: string) {
    this.first = first;
    this.#toSc = toSc;
    this.#fromSc = fromSc;
    this.#scope = scope;
    this.#legacy = legacy;
    this.#label = label;
    legacy.then(() => toSc.end(), (e) => {
      if (this.#scope.aborted || this.#disposed) return toSc.end(); // it settled because the SC side left
      this.#error = { err: reraise(e, label), delivered: false };
      toSc.fail(this.#error.err);
    });
  }

  /** Send `value` to the legacy side (its `fromSc`); fails once it settled. */
  async send(value: In): Promise<void> {
    if (this.#disposed) throw new RuntimeUsageError(`send() on the channel to ${this.#label} after its block ended`);
    if (this.#error) throw this.#take();
    if (!this.#fromSc.push(value)) throw new EndOfStream(`${this.#label} has settled: nothing receives what is sent`);
  }

  /** The next value the legacy side sent; `EndOfStream` after its `close()` or its settling; its rejection raises here. */
  async receive(): Promise<Out> {
    try {
      return await this.#toSc.receive();
    } catch (err) {
      if (this.#error && err === this.#error.err) this.#error.delivered = true;
      throw err;
    }
  }

  /** `for await (const v of chan)`: every value the legacy side sends, until its `close()` or its settling. */
  [Symbol.asyncIterator](): AsyncIterator<Out> {
    return receiveAll(() => this.receive());
  }

  /** Abort the legacy side's signal, end its `fromSc`, wait (bounded) for it; raise its error if nobody got it. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#fromSc.end();
    const pending = await Promise.race([this.#legacy.then(() => false, () => false), Promise.resolve(true)]);
    if (pending) {
      this.#scope.abort(new DOMException(`the channel to ${this.#label} was closed`, 'AbortError'));
      await graceOrTeardown(this.#legacy, this.#label);
    }
    this.#scope.close();
    if (this.#error && !this.#error.delivered) throw this.#take();
  }

  #take(): Error {
    this.#error!.delivered = true;
    return this.#error!.err;
  }
}

/**
 * Open a channel to a long-running legacy task `fn(toSc, fromSc, args,
 * signal)`. Resolves when the legacy side first calls `toSc.send(x)`, with
 * `x` as `chan.first`; a legacy side that fails (or ends) before that
 * rejects the open. Only in an actor spawned with `infectPromises: true`.
 *
 * @example
 * ```ts
 * await using chan = await tractor.toPromise.openChannelFrom((toSc, fromSc) => {
 *   client.on('message', (m) => toSc.send(m));
 *   client.on('end', () => toSc.close());
 *   (async () => { for await (const out of fromSc) client.write(out); })();
 *   toSc.send('ready');
 *   return new Promise((resolve) => client.once('close', resolve));
 * });
 * for await (const msg of chan) await stream.send(msg);
 * ```
 */
export async function openChannelFrom<Out, In = unknown, A = undefined>(
  fn: (toSc: ToSc<Out>, fromSc: FromSc<In>, args: A, signal: AbortSignal) => unknown,
  args?: A,
): Promise<LegacyChannel<Out, In>> {
  assertInfected('openChannelFrom');
  if (typeof fn !== 'function') throw new InvalidArgument(`toPromise.openChannelFrom(fn) needs a function, got ${typeof fn}`);
  const label = labelOf('openChannelFrom', fn);
  const scope = new Scope([currentScope()]);
  if (scope.aborted) {
    scope.close();
    throw scope.reason;
  }
  const toSc = new AsyncQueue<Out>();
  const fromSc = new AsyncQueue<In>();
  const sender: ToSc<Out> = { send: (v) => void toSc.push(v), close: () => toSc.end() };
  const legacy = callLegacy(label, () => fn(sender, fromSc, args as A, scope.signal) as PromiseLike<unknown>);
  try {
    const first = await Promise.race([
      toSc.receive(),
      legacy.then(() => {
        throw new RuntimeUsageError(`${label} settled before its first toSc.send(value): the open resolves with that first value`);
      }, (e) => {
        throw reraise(e, label);
      }),
      new Promise<never>((_, reject) => scope.onAbort(reject)),
    ]);
    return new LegacyChannel(first, toSc, fromSc, scope, legacy, label);
  } catch (err) {
    fromSc.end();
    scope.abort(err);
    await graceOrTeardown(legacy, label);
    scope.close();
    throw err;
  }
}

/**
 * Wrap a Node-style callback API (`fn(...args, (err, value) => ...)`) as an
 * async function that honours the ambient signal: when the calling task is
 * cancelled it rejects with the cancellation at once (a late callback is
 * then dropped). `util.promisify.custom` is honoured. Works in any actor.
 *
 * @example
 * ```ts
 * const lookup = tractor.toPromise.fromCallback(legacyClient.lookup.bind(legacyClient));
 * const user = await lookup('ann');
 * ```
 */
export function fromCallback<T = unknown>(fn: (...args: any[]) => unknown): (...args: unknown[]) => Promise<T> {
  if (typeof fn !== 'function') throw new InvalidArgument(`toPromise.fromCallback(fn) needs a function, got ${typeof fn}`);
  const call = util().promisify(fn) as (...args: unknown[]) => Promise<T>;
  const name = fn.name || 'anonymous';
  return (...args) => {
    const signal = currentSignal();
    if (signal.aborted) return Promise.reject(signal.reason);
    const result = callLegacy(`toPromise.fromCallback(${name})`, () => call(...args));
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        reject(signal.reason);
        // What the callback still delivers has nobody to go to: say so rather than drop it silently.
        result.then((v) => log.cancel('toPromise.fromCallback(%s): a result arrived after its call was cancelled and was dropped: %o', name, v),
          (e) => log.cancel('toPromise.fromCallback(%s): an error arrived after its call was cancelled and was dropped: %s', name, (e as Error)?.message));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      result.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  };
}

/** Options of `toPromise.events`. */
export interface EventsOptions {
  /** The event that raises in the iteration (default `'error'`). */
  errorEvent?: string;
  /** The events that end the iteration (default `['end', 'close']`). */
  endEvents?: string[];
  /** Ends the iteration with its reason (default: the ambient signal). */
  signal?: AbortSignal;
}

/**
 * The `event`s of an EventEmitter as an async iterable of their first
 * argument, on `node:events`' `on` (which buffers what arrives between two
 * reads): it ends on one of `endEvents`, raises on `errorEvent` (while
 * iterating, the emitter's error events have a listener, so none escapes
 * as an uncaught exception), and stops with the ambient signal. Works in
 * any actor.
 *
 * @example
 * ```ts
 * for await (const line of tractor.toPromise.events(client, 'line')) await stream.send(line);
 * ```
 */
export async function* events<T = unknown>(emitter: NodeJS.EventEmitter, event: string, opts: EventsOptions = {}): AsyncGenerator<T> {
  if (typeof (emitter as { on?: unknown })?.on !== 'function') throw new InvalidArgument('toPromise.events(emitter, event) needs an EventEmitter');
  const errorEvent = opts.errorEvent ?? 'error';
  const endEvents = opts.endEvents ?? ['end', 'close'];
  const outer = opts.signal ?? currentSignal();
  // `on` raises 'error' by itself; another error event is turned into an abort carrying the error.
  const ac = new AbortController();
  const stop = () => ac.abort(outer.reason);
  outer.addEventListener('abort', stop, { once: true });
  if (outer.aborted) stop();
  let failure: { err: unknown } | undefined;
  const onError = (err: unknown) => {
    failure ??= { err };
    ac.abort(err);
  };
  if (errorEvent !== 'error') emitter.on(errorEvent, onError);
  try {
    for await (const args of on(emitter, event, { signal: ac.signal, close: endEvents } as Parameters<typeof on>[2])) {
      yield (args as unknown[])[0] as T;
    }
  } catch (err) {
    if (failure) throw failure.err;
    if ((err as Error)?.name === 'AbortError' && outer.aborted) throw outer.reason;
    throw err;
  } finally {
    outer.removeEventListener('abort', stop);
    if (errorEvent !== 'error') emitter.off(errorEvent, onError);
  }
}

/** The MsgStream side of `toPromise.pipe` (a tractor-ts `MsgStream`). */
export interface PipeTarget {
  /** Send one chunk (a readable's), resolving once the peer has room for the next. */
  send(value: unknown): Promise<void>;
  /** The next chunk for a writable; rejects with `EndOfStream` at the end. */
  receive(): Promise<unknown>;
  /** Half-close: no more chunks from this side. */
  close(): Promise<void>;
}

/**
 * Move a Node stream's chunks over a MsgStream, with backpressure both ways:
 * a readable's chunks are sent one at a time (the next is read only once
 * `send` resolved) and the stream is half-closed at its end; what the peer
 * sends is written to a writable (waiting on `'drain'`), which is ended at
 * the peer's Stop. A duplex (a socket, a transform) does both at once; for
 * its output to outlive its input, the peer must keep receiving after its
 * own `close()`. Resolves when every direction is done; the ambient signal
 * destroys the Node stream. Works in any actor.
 *
 * @example
 * ```ts
 * export const tail = tractor.context(async (ctx, args: { file: string }) => {
 *   await ctx.started();
 *   await using stream = await ctx.openStream();
 *   await tractor.toPromise.pipe(fs.createReadStream(args.file), stream); // chunks out, then Stop
 * });
 * ```
 */
export async function pipe(nodeStream: NodeJS.ReadableStream | NodeJS.WritableStream, msgStream: PipeTarget): Promise<void> {
  const readable = nodeStream instanceof Readable || (nodeStream as Readable).readable === true;
  const writable = nodeStream instanceof Writable || (nodeStream as Writable).writable === true;
  if (!readable && !writable) throw new InvalidArgument('toPromise.pipe(nodeStream, msgStream) needs a node:stream Readable, Writable or Duplex');
  if (typeof msgStream?.send !== 'function') throw new InvalidArgument('toPromise.pipe(nodeStream, msgStream) needs a MsgStream');
  const signal = currentSignal();
  const onAbort = () => (nodeStream as Readable).destroy?.(signal.reason as Error);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const directions: Promise<void>[] = [];
    if (writable) directions.push(pipeIn(msgStream, nodeStream as Writable, signal));
    if (readable) directions.push(pipeOut(nodeStream as Readable, msgStream));
    const outcomes = await Promise.allSettled(directions);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw signal.aborted ? signal.reason : failed.reason;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** What the peer sends, written to `w`; waits on 'drain' when its buffer is full; ends it at the peer's Stop. */
async function pipeIn(msgStream: PipeTarget, w: Writable, signal: AbortSignal): Promise<void> {
  // receive(), not `for await`: the end of a MsgStream's iteration closes this side too, and pipeOut may still be sending.
  for (;;) {
    let chunk: unknown;
    try {
      chunk = await msgStream.receive();
    } catch (err) {
      if (err instanceof EndOfStream) break;
      throw err;
    }
    if (!w.write(chunk)) await once(w, 'drain', { signal });
  }
  // 'finish' for a plain writable; a duplex's readable side is awaited by pipeOut.
  await new Promise<void>((resolve, reject) => w.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** `r`'s chunks sent one at a time (the next is read only once the send resolved); then a half-close. */
async function pipeOut(r: Readable, msgStream: PipeTarget): Promise<void> {
  for await (const chunk of r) await msgStream.send(chunk);
  await msgStream.close();
}
