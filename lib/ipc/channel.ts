/**
 * `Channel`: one connection to a peer actor (TCP or UDS), carrying framed
 * msgpack messages both ways.
 *
 * Sends are coalesced: messages queued in the same tick go out in one write
 * (one syscall), so a request's `StartAck` and `Return` or a burst of stream
 * messages never cost a syscall each. Bad input from the peer (garbage, an
 * oversized or truncated frame, an invalid message) closes this channel with
 * a logged `TransportClosed`/`MsgTypeError`; it never throws into the actor.
 *
 * Until the handshake trusts the peer ({@link Channel.trust}, called by
 * `auth.ts`), the bytes it sends are held raw: only the frames the handshake
 * asks for are decoded, each at most {@link HANDSHAKE_MAX_FRAME} bytes, and
 * reading pauses once that much is held, so an unauthenticated peer gets
 * nothing decoded or acted on, and cannot make the actor hold more.
 */
import net from 'node:net';
import { AuthenticationError, ConnectTimeout, FrameTooLarge, HandshakeTimeout, MsgTypeError, TransportClosed } from '../errors.ts';
import { getLogger } from '../log.ts';
import type { AidMsg, ErrorMsg, Msg, TractorTsAnnounce } from '../msg/types.ts';
import { validateMsg } from '../msg/validate.ts';
import { boxError } from '../msg/box.ts';
import { CLOSE_FLUSH_GRACE_MS, STALL_STEP_MS, STREAM_STALL_MS, withTimeout } from '../runtime/timing.ts';
import { type Address, type ParsedAddress, formatAddress, parseAddress } from './addr.ts';
import { decodeBody, decodeYield, encodePldShared, encodeShared, yieldHead } from '../msg/codec.ts';
import { checkShape } from '../msg/shape.ts';
import { DEFAULT_MAX_FRAME, FrameReader } from './framing.ts';
import { watchPartialFrame } from './partial-frames.ts';
import { connectSocket, tlsFailure } from './tls.ts';

const log = getLogger('ipc');
const ARENA = 64 * 1024;
/** Queued bytes after which a send writes immediately instead of waiting for the tick to end. */
const FLUSH_AT = 48 * 1024;
/** An arena with less room than this left after a write is given up (and recycled). */
const MIN_ROOM = 1024;
/** Largest arena kept for reuse once written (a bigger one is a rare, huge frame: let it go). */
const SPARE_MAX = 1024 * 1024;
const EMPTY: Buffer = Buffer.alloc(0);
/** How many dialogs' `Yield` heads a channel keeps encoded. */
const YIELD_HEADS_KEPT = 64;
/** Largest handshake frame, and most bytes held from a peer not trusted yet (an `Aid` is well under 1 KiB). */
export const HANDSHAKE_MAX_FRAME = 64 * 1024;

/** The identity of the actor at the other end: `{ name, uuid, pid }`, and what its `Aid` announced. */
export interface Aid {
  name: string;
  uuid: string;
  pid: number;
  /** As the peer said: `null` (a plain Python actor), or absent (an older peer; Python counts both as a registrar). */
  isRegistrar?: boolean | null;
  /** The peer only probes this address: the connection is closed after the handshake. */
  isProbe?: boolean;
  /** @internal Set when the peer is tractor-ts: only then are tractor-ts refinements of the wire used with it. */
  tractorTs?: TractorTsAnnounce;
  /** Both ends grant and honour per-stream credit (the peer announced it in its `Aid`, and so did this process). */
  credit?: boolean;
  /** The largest frame the peer accepts: what it announced, the default for a tractor-ts peer that did not, else only the prefix's bound. */
  maxFrame?: number;
}

/** What this process announces as tractor-ts in every `Aid` it sends. */

/**
 * The version of per-stream credit this process announces in its `Aid`; 0
 * when `TRACTOR_TS_NO_CREDIT=1` is set in its environment, which makes it
 * speak tractor's own stream messages only, as a Python peer does (for tests
 * of the stall rule, and to compare).
 */
export const STREAM_CREDIT = process.env.TRACTOR_TS_NO_CREDIT === '1' ? 0 : 1;

/** What this process announces as tractor-ts in every `Aid` it sends: the protocol, and stream credit unless turned off. */
const TRACTOR_TS: TractorTsAnnounce = Object.freeze(STREAM_CREDIT ? { proto: 1, stream_credit: STREAM_CREDIT } : { proto: 1 });
/** The announcement, with `max_frame` when this actor's limit is not the default (which a peer assumes otherwise). */
let announce: TractorTsAnnounce = TRACTOR_TS;

/** The largest frame this actor accepts on every channel opened from now on (`maxFrameBytes`). */
let localMaxFrame = DEFAULT_MAX_FRAME;
/** The largest frame a peer that is not tractor-ts is sent: all a 4-byte length prefix can say (Python tractor sets no limit). */
const PREFIX_MAX = 0xffff_ffff;

/**
 * Set the largest frame this actor accepts (`maxFrameBytes` of its root or
 * spawn): every channel it opens or accepts from now on reads with it, and
 * its `Aid` announces it to tractor-ts peers, whose sends are then refused
 * at their end when bigger.
 */
export function setMaxFrameBytes(n: number | undefined): void {
  localMaxFrame = n ?? DEFAULT_MAX_FRAME;
  announce = localMaxFrame === DEFAULT_MAX_FRAME ? TRACTOR_TS : Object.freeze({ ...TRACTOR_TS, max_frame: localMaxFrame });
}

/**
 * What user code may see of a connection to a peer actor (`portal.chan`):
 * who is at the other end, whether it is still open, and where it goes.
 */
export interface ChannelView {
  /** The peer's identity (`{ name, uuid, pid }`), known once the `Aid` handshake is done. */
  readonly aid: Aid | undefined;
  /** True once the connection closed (the peer exited, the network broke, or this side closed it). */
  readonly closed: boolean;
  /** The peer and its address, for logs and messages (e.g. `'worker[1234] at tcp://127.0.0.1:40123'`). */
  readonly raddr: string;
}

export interface ChannelOptions { maxFrameBytes?: number }

/** See {@link Channel.onMsg}. */
export type MsgHandler = (msg: Msg, mustAccept: boolean) => boolean | void;


export class Channel {
  /** The peer's identity, known once the `Aid` handshake is done. */
  aid: Aid | undefined;
  /**
   * Called for every valid message after the handshake. Returning `false`
   * means "cannot take it now" (a full stream buffer): the channel stops
   * reading, retries on the next turns, and after {@link STREAM_STALL_MS}
   * without progress redelivers with `mustAccept` set.
   */
  onMsg: MsgHandler = (msg) => this.#queue(msg);
  /** An error the peer reported about itself as a whole (e.g. it failed to boot). */
  peerError: Error | undefined;
  /** Why the channel closed, once it has. */
  closeReason: Error | undefined;

  readonly #socket: net.Socket;
  readonly #reader: FrameReader;
  /** Where queued frames are encoded: the unwritten tail of `#arenaBuf`. */
  #arena: Buffer = EMPTY;
  #arenaBuf: Buffer = EMPTY;
  /**
   * A retired arena the socket has finished writing, reused by the next one:
   * fresh memory costs page faults on first touch, which for 64 KiB frames
   * (one arena each) is as much as encoding them.
   */
  #spare: Buffer | undefined;
  #used = 0;
  #flushQueued = false;
  #flushedInline = false;
  #drain: Promise<void> | undefined;
  #inbox: Msg[] = [];
  /** Decoded messages not yet taken by `onMsg` (the channel is stalled while any remain). */
  #pending: Msg[] = [];
  #pendingHead = 0;
  /** Stall time counted so far (see {@link STREAM_STALL_MS}), and when it was last counted; undefined while not stalled. */
  #stalled: { ms: number; at: number } | undefined;
  #waiter: { resolve: (m: Msg) => void; reject: (e: Error) => void } | undefined;
  #closeHandlers: ((err: Error) => void)[] = [];
  #view: ChannelView | undefined;
  /** The encoded `Yield` heads of this channel's recent dialogs, by cid. */
  readonly #yieldHeads = new Map<string, Uint8Array>();
  #byPeer = false;
  /** Bytes from the peer held undecoded until {@link trust} (then undefined). */
  #untrusted: Buffer | undefined = EMPTY;
  /**
   * The largest frame the peer accepts, known from its `Aid` (see
   * {@link Aid.maxFrame}) or set by the parent that chose a child's limit
   * ({@link setPeerMaxFrame}); a bigger one is refused here, at the sender.
   */
  #peerMax: number | undefined;
  #badInput: Error | undefined;
  /** This actor's uid, as its `Aid` on this channel gave it (for the error told to a peer dropped for bad input). */
  #selfUid: [string, string] | undefined;

  constructor(socket: net.Socket, opts: ChannelOptions = {}) {
    this.#socket = socket;
    this.#reader = new FrameReader(opts.maxFrameBytes ?? localMaxFrame);
    if (socket.remoteFamily !== undefined) socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => this.#closedByPeer(tlsFailure(err, this.#peer()) ?? new TransportClosed(`connection to ${this.#peer()} failed: ${err.message}`, { cause: err })));
    socket.on('close', () => this.#closedByPeer(new TransportClosed(`connection to ${this.#peer()} closed`, { reason: 'peer-closed' })));
  }

  /** Connect to `addr` (`tcp://…` or `uds://…`). */
  static connect(addr: Address | ParsedAddress, opts: ChannelOptions & { timeoutMs?: number } = {}): Promise<Channel> {
    const a = typeof addr === 'string' ? parseAddress(addr) : addr;
    return new Promise((resolve, reject) => {
      const { socket, ready } = connectSocket(a);
      const timer = opts.timeoutMs
        ? setTimeout(() => {
          socket.removeListener('error', onError);
          socket.destroy();
          reject(new ConnectTimeout(`cannot connect to ${formatAddress(a)}: timed out after ${opts.timeoutMs} ms`));
        }, opts.timeoutMs)
        : undefined;
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.removeListener('error', onError);
        resolve(new Channel(socket, opts));
      });
      const onError = (err: Error) => {
        clearTimeout(timer);
        reject(tlsFailure(err, formatAddress(a), true) ?? new TransportClosed(`cannot connect to ${formatAddress(a)}: ${err.message}`, { cause: err }));
      };
      socket.once('error', onError);
    });
  }

  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  /** The read-only face of this channel that user code gets (see {@link ChannelView}). */
  get view(): ChannelView {
    const chan = this;
    return (this.#view ??= Object.freeze({
      get aid() { return chan.aid; },
      get closed() { return chan.closed; },
      get raddr() { return chan.raddr; },
    }));
  }

  /** True when the connection ended from the peer's side (closed or reset), not by this channel. */
  get closedByPeer(): boolean {
    return this.#byPeer;
  }

  /** Local and remote addresses, for logs and introspection. */
  get raddr(): string {
    return this.#peer();
  }

  /**
   * Queue `msg` for sending. Throws synchronously if the channel is closed or
   * the message cannot be encoded. Returns true when a sender in a loop should
   * `await chan.drained()` before sending more: the socket is backed up, or a
   * full batch was just written and the event loop deserves a turn.
   */
  send(msg: Msg): boolean {
    if (this.closeReason) throw this.closeReason;
    if (msg.msg_type === 'Aid') this.#selfUid = [msg.name, msg.uuid];
    return this.#queueFrame(EMPTY, encodeShared(msg));
  }

  /**
   * Send the stream message `{msg_type: 'Yield', cid, pld}` (see {@link send}
   * for the result). All but its payload is the same for the whole dialog:
   * that head is encoded once per dialog and kept here, for the most recent
   * dialogs of this channel, so a stream message costs the encoding of its
   * payload only. (An undefined payload is left out of the message, so it
   * takes the generic path.)
   */
  sendYield(cid: string, pld: unknown): boolean {
    if (pld === undefined) return this.send({ msg_type: 'Yield', cid, pld });
    if (this.closeReason) throw this.closeReason;
    let head = this.#yieldHeads.get(cid);
    if (head === undefined) {
      // Bounded: a long-lived channel serves many dialogs; one re-encoding after a clear is cheap.
      if (this.#yieldHeads.size >= YIELD_HEADS_KEPT) this.#yieldHeads.clear();
      this.#yieldHeads.set(cid, (head = yieldHead(cid)));
    }
    return this.#queueFrame(head, encodePldShared(pld));
  }

  /** The largest frame this channel accepts from its peer. */
  get maxFrame(): number {
    return this.#reader.maxFrame;
  }

  /** A child learns its limit from its `SpawnSpec`, after it connected to its parent: its reader takes it then. */
  setMaxFrame(n: number): void {
    this.#reader.maxFrame = n;
  }

  /** The largest frame the peer accepts, when this side knows better than the peer's `Aid` (a parent that chose its child's limit). */
  setPeerMaxFrame(n: number): void {
    this.#peerMax = n;
  }

  /** Append one frame (`head` then `body`) to the arena; see {@link send} for the result. */
  #queueFrame(head: Uint8Array, body: Uint8Array): boolean {
    const len = head.length + body.length;
    const limit = this.#peerMax ?? this.aid?.maxFrame ?? DEFAULT_MAX_FRAME;
    if (len > limit) throw this.#tooLarge(len, limit);
    const need = len + 4;
    if (this.#arena.length - this.#used < need) {
      this.#write(true);
      this.#newArena(need);
    }
    const at = this.#used;
    this.#arena.writeUInt32LE(len, at);
    if (head.length) this.#arena.set(head, at + 4);
    this.#arena.set(body, at + 4 + head.length);
    this.#used += need;
    if (this.#used >= FLUSH_AT) {
      this.flush();
      this.#flushedInline = true;
    } else if (!this.#flushQueued) {
      this.#flushQueued = true;
      process.nextTick(() => this.flush());
    }
    return this.#flushedInline || this.#socket.writableNeedDrain;
  }

  #tooLarge(len: number, limit: number): FrameTooLarge {
    const raise = limit < PREFIX_MAX ? ` that actor accepts frames up to ${limit} bytes: raise its limit with the maxFrameBytes option ` +
      '(RootOptions.maxFrameBytes of its root, SpawnOptions.maxFrameBytes of its spawn), or send the data in parts (a stream)' : ' send the data in parts (a stream)';
    return new FrameTooLarge(`a message of ${len} bytes is too large for ${this.#peer()}:${raise}. Nothing was sent; the connection is unharmed.`, len, limit);
  }

  /** Write everything queued now. */
  flush(): void {
    this.#flushQueued = false;
    this.#write(false);
  }

  /**
   * Write the queued frames. The written region now belongs to the socket:
   * carry on in the rest of the arena, unless `retire` or too little room is
   * left; then the next frame starts a new arena, and this one becomes the
   * spare once the socket has written it (writes complete in order, so its
   * earlier regions are written by then too).
   */
  #write(retire: boolean): void {
    if (this.#used === 0 || this.#socket.destroyed) {
      // Frames queued on a destroyed socket go nowhere: drop them so the arena stays consistent.
      this.#used = 0;
      if (retire || this.#socket.destroyed) this.#arena = EMPTY;
      return;
    }
    const region = this.#arena.subarray(0, this.#used);
    if (retire || this.#arena.length - this.#used < MIN_ROOM) {
      const whole = this.#arenaBuf;
      this.#socket.write(region, () => {
        if (whole.length <= SPARE_MAX) this.#spare = whole;
      });
      this.#arena = EMPTY;
    } else {
      this.#socket.write(region);
      this.#arena = this.#arena.subarray(this.#used);
    }
    this.#used = 0;
  }

  /** Start a new arena with room for `need` bytes: the spare if it is big enough, else a fresh buffer. */
  #newArena(need: number): void {
    const spare = this.#spare;
    this.#spare = undefined;
    this.#arenaBuf = spare && spare.length >= need ? spare : Buffer.allocUnsafe(Math.max(ARENA, need));
    this.#arena = this.#arenaBuf;
  }

  /** Resolves when the socket can take more data (or the channel closed), after at least one event-loop turn. */
  drained(): Promise<void> {
    this.#flushedInline = false;
    if (!this.#socket.writableNeedDrain || this.closed) return new Promise((resolve) => setImmediate(resolve));
    // One promise for every sender waiting on this socket, not a listener pair each.
    return (this.#drain ??= new Promise<void>((resolve) => {
      const done = () => {
        this.#socket.off('drain', done);
        this.#socket.off('close', done);
        this.#drain = undefined;
        resolve();
      };
      this.#socket.on('drain', done);
      this.#socket.on('close', done);
    }));
  }


  /** Next message, for the handshake phase (before `onMsg` is replaced). */
  recv(): Promise<Msg> {
    if (this.#untrusted) {
      try {
        const m = this.#nextUntrusted();
        if (m) return Promise.resolve(m);
      } catch (err) {
        return Promise.reject(err as Error);
      }
      if (this.closeReason) return Promise.reject(this.closeReason);
      return new Promise((resolve, reject) => {
        this.#waiter = { resolve, reject };
      });
    }
    const m = this.#inbox.shift();
    if (m) return Promise.resolve(m);
    if (this.closeReason) return Promise.reject(this.closeReason);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /**
   * Wait, bounded, for the peer's `Aid` (the first message on every
   * connection) and record it in {@link aid}. On failure the channel is
   * aborted and the error (by default a `HandshakeTimeout`) is thrown.
   */
  async recvAid(timeoutMs: number, onTimeout: () => Error = () => new HandshakeTimeout(`no Aid handshake within ${timeoutMs} ms`)): Promise<AidMsg> {
    try {
      const first = await withTimeout(this.recv(), timeoutMs, () => {
        throw onTimeout();
      });
      if (first.msg_type === 'Error') throw refused(first, this.#peer());
      if (first.msg_type !== 'Aid') throw new TransportClosed(`expected an Aid handshake first, got ${first.msg_type}`, { reason: 'protocol' });
      this.aid = peerAid(first);
      return first;
    } catch (err) {
      this.abort(err as Error);
      throw err;
    }
  }

  /**
   * The handshake is done and the peer trusted: decode what it sent since, and
   * everything from now on (with the full frame limit).
   */
  trust(): void {
    const held = this.#untrusted;
    if (!held) return;
    this.#untrusted = undefined;
    if (held.length) this.#onData(held);
    if (this.#socket.isPaused() && !this.closeReason) this.#socket.resume();
  }

  /**
   * A TLS connection's keying material for this tree's cookie proofs (RFC 5705
   * exporter), so a proof made on one TLS session is worthless on another;
   * empty on a plain connection.
   */
  channelBinding(): Buffer {
    const s = this.#socket as net.Socket & { encrypted?: boolean; exportKeyingMaterial?: (n: number, label: string) => Buffer };
    return typeof s.exportKeyingMaterial === 'function' && s.encrypted ? s.exportKeyingMaterial(32, 'EXPORTER-tractor-ts-cookie') : EMPTY;
  }

  /** Start handing messages to `handler`, after any received during the handshake. */
  serve(handler: MsgHandler): void {
    this.trust();
    this.onMsg = handler;
    const early = this.#inbox;
    this.#inbox = [];
    this.#pending.push(...early);
    this.#deliverPending();
  }

  /** Register a callback for when the channel closes (called at once if it already has). */
  onClose(handler: (err: Error) => void): void {
    if (this.closeReason) handler(this.closeReason);
    else this.#closeHandlers.push(handler);
  }

  /** Flush what is queued, then close. */
  close(reason?: Error): void {
    if (this.closeReason) return;
    this.flush();
    this.#closed(reason ?? new TransportClosed(`channel to ${this.#peer()} closed locally`, { reason: 'local' }));
    this.#socket.end();
    // A peer that never reads must not hold the socket open forever.
    setTimeout(() => this.#socket.destroy(), CLOSE_FLUSH_GRACE_MS).unref();
  }

  /** Why this side dropped the connection: bad input from the peer (an oversized frame, an invalid message); undefined otherwise. */
  get badInput(): Error | undefined {
    return this.#badInput;
  }

  /**
   * Drop a handshaken peer for its bad input, telling it why first: an
   * `Error` of no dialog (a tractor peer records it as this actor's own
   * failure, e.g. a parent as its child's), the last bytes written. Nothing
   * more is read or decoded; the socket is destroyed after a short grace.
   */
  #dropForBadInput(bad: Error): void {
    this.#badInput = bad;
    this.#closed(bad);
    const socket = this.#socket;
    if (socket.destroyed) return;
    socket.pause();
    let last: Buffer | undefined;
    try {
      const body = encodeShared(boxError(bad, this.#selfUid ?? ['unknown', ''], null));
      last = Buffer.alloc(4 + body.length);
      last.writeUInt32LE(body.length);
      last.set(body, 4);
    } catch {
      // Telling is a courtesy: the drop goes ahead regardless.
    }
    if (last) socket.end(last);
    else socket.end();
    setTimeout(() => socket.destroy(), CLOSE_FLUSH_GRACE_MS).unref();
  }

  /** Close at once without flushing (bad input from the peer). */
  abort(reason: Error): void {
    this.#closed(reason);
    this.#socket.destroy();
  }

  #queue(msg: Msg): void {
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w.resolve(msg);
    } else this.#inbox.push(msg);
  }

  #onData(chunk: Buffer): void {
    if (this.closeReason) return;
    if (this.#untrusted) {
      this.#holdUntrusted(chunk);
      return;
    }
    let bad: Error | undefined;
    try {
      this.#reader.push(chunk, (buf, start, end) => {
        checkShape(buf, start, end);
        // Stream messages skip decoding (and checking) their constant head;
        // anything else, or anything odd, takes the generic path below.
        const y = decodeYield(buf, start, end);
        if (y) {
          this.#pending.push(y);
          return;
        }
        const body = buf.subarray(start, end);
        let value: unknown;
        try {
          value = decodeBody(body);
        } catch (err) {
          throw new MsgTypeError(`invalid msgpack in a ${body.length}-byte frame: ${(err as Error).message}`);
        }
        this.#pending.push(validateMsg(value));
      });
    } catch (err) {
      bad = err instanceof Error ? err : new Error(String(err));
    }
    if (this.#reader.declared >= 0) watchPartialFrame(this, this.#reader);
    // Messages that arrived intact before a bad frame are still delivered.
    if (this.#stalled === undefined) this.#deliverPending();
    if (bad) {
      log.warning('dropping connection from %s: %s: %s', this.#peer(), bad.name, bad.message);
      this.#dropForBadInput(bad);
    }
  }

  /** Hold bytes of a peer not trusted yet; hand a waiting `recv` its frame. */
  #holdUntrusted(chunk: Buffer): void {
    this.#untrusted = this.#untrusted!.length ? Buffer.concat([this.#untrusted!, chunk]) : chunk;
    if (this.#untrusted.length >= HANDSHAKE_MAX_FRAME) this.#socket.pause();
    const w = this.#waiter;
    if (!w) return;
    try {
      const m = this.#nextUntrusted();
      if (!m) return;
      this.#waiter = undefined;
      w.resolve(m);
    } catch (err) {
      this.#waiter = undefined;
      w.reject(err as Error);
    }
  }

  /** Decode the next whole frame held from an untrusted peer, if there is one; bad input aborts the channel. */
  #nextUntrusted(): Msg | undefined {
    const held = this.#untrusted!;
    if (held.length < 4) return undefined;
    const len = held.readUInt32LE(0);
    try {
      if (len > HANDSHAKE_MAX_FRAME) {
        throw new TransportClosed(`a handshake frame of ${len} bytes exceeds the limit of ${HANDSHAKE_MAX_FRAME} bytes (not a tractor peer?)`, { reason: 'protocol' });
      }
      if (held.length < 4 + len) return undefined;
      this.#untrusted = held.subarray(4 + len);
      if (this.#untrusted.length < HANDSHAKE_MAX_FRAME && this.#socket.isPaused()) this.#socket.resume();
      checkShape(held, 4, 4 + len);
      let value: unknown;
      try {
        value = decodeBody(held.subarray(4, 4 + len));
      } catch (err) {
        throw new MsgTypeError(`invalid msgpack in a ${len}-byte handshake frame: ${(err as Error).message}`);
      }
      return validateMsg(value);
    } catch (err) {
      this.abort(err as Error);
      throw err;
    }
  }

  #deliverPending(): void {
    const pending = this.#pending;
    while (this.#pendingHead < pending.length && !this.closeReason) {
      const st = this.#stalled;
      if (st) {
        const now = performance.now();
        st.ms += Math.min(now - st.at, STALL_STEP_MS);
        st.at = now;
      }
      if (this.onMsg(pending[this.#pendingHead]!, (st?.ms ?? 0) >= STREAM_STALL_MS) === false) {
        this.#stall();
        return;
      }
      this.#pendingHead++;
      this.#stalled = undefined;
    }
    this.#pending = [];
    this.#pendingHead = 0;
    if (this.#socket.isPaused()) this.#socket.resume();
  }

  /** A receiver is full: stop reading (TCP pushes back on the sender) and retry soon. */
  #stall(): void {
    if (this.#stalled === undefined) {
      this.#stalled = { ms: 0, at: performance.now() };
      this.#socket.pause();
      setImmediate(() => this.#deliverPending());
    } else {
      setTimeout(() => this.#deliverPending(), 1);
    }
  }

  #closedByPeer(reason: Error): void {
    if (!this.closeReason) this.#byPeer = true;
    this.#closed(reason);
  }

  #closed(reason: Error): void {
    if (this.closeReason) return;
    if (this.#reader.pending > 0) {
      reason = new TransportClosed(`${reason.message} in the middle of a frame (${this.#reader.pending} bytes of a truncated frame dropped)`,
        { reason: reason instanceof TransportClosed ? reason.reason : 'failed' });
      log.warning('%s', reason.message);
    }
    this.closeReason = reason;
    if (this.#waiter) {
      this.#waiter.reject(reason);
      this.#waiter = undefined;
    }
    const handlers = this.#closeHandlers;
    this.#closeHandlers = [];
    for (const h of handlers) h(reason);
  }

  #peer(): string {
    const s = this.#socket;
    const who = this.aid ? `${this.aid.name}[${this.aid.pid}]` : 'peer';
    return s.remoteAddress ? `${who} at tcp://${s.remoteAddress}:${s.remotePort}` : `${who} over uds`;
  }
}

/** The peer answered the handshake with an `Error`: it refused this connection (e.g. failed authentication). */
function refused(msg: ErrorMsg, peer: string): Error {
  const text = `${peer} refused this connection: ${msg.message}`;
  return msg.src_type_str === 'AuthenticationError' ? new AuthenticationError(text) : new TransportClosed(text, { reason: 'protocol' });
}

/**
 * Build our `Aid` message: Python tractor's fields in its order (so a Python
 * peer decodes it as its own), then the tractor-ts announcement.
 */
export function aidMsg(aid: { name: string; uuid: string; pid: number; isRegistrar?: boolean | null }, opts: { probe?: boolean } = {}): AidMsg {
  return {
    msg_type: 'Aid', name: aid.name, uuid: aid.uuid, pid: aid.pid,
    is_registrar: aid.isRegistrar ?? false, is_probe: opts.probe ?? false, tractor_ts: announce,
  };
}

/** The identity an `Aid` message gives, with what it announced. */
export function peerAid(first: AidMsg): Aid {
  return {
    name: first.name, uuid: first.uuid, pid: first.pid ?? 0, isRegistrar: first.is_registrar, isProbe: first.is_probe === true,
    tractorTs: isAnnounce(first.tractor_ts) ? first.tractor_ts : undefined,
    credit: STREAM_CREDIT > 0 && isAnnounce(first.tractor_ts) && first.tractor_ts.stream_credit === STREAM_CREDIT,
    maxFrame: announcedMaxFrame(first.tractor_ts),
  };
}

/** The frame limit a peer announced (`tractor_ts.max_frame`): the default for a tractor-ts peer that said nothing (or nonsense), the prefix's bound for any other. */
function announcedMaxFrame(t: unknown): number {
  if (!isAnnounce(t)) return PREFIX_MAX;
  const n = t.max_frame;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? Math.min(n, PREFIX_MAX) : DEFAULT_MAX_FRAME;
}

function isAnnounce(v: unknown): v is TractorTsAnnounce {
  return typeof v === 'object' && v !== null && typeof (v as TractorTsAnnounce).proto === 'number';
}

/** True when the peer of `chan` announced itself as tractor-ts (never guessed from message shapes). */
export function speaksTractorTs(chan: { aid?: Aid | undefined }): boolean {
  return chan.aid?.tractorTs !== undefined;
}
