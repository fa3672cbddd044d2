/**
 * `Actor`: the runtime of this process. It owns the listeners, every channel
 * to a peer, the routing of messages to dialogs, the table of remote tasks
 * being served, and the actor-wide cancel scope.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Cancelled, fmtUid, TransportClosed, unboxError } from '../errors.ts';
import { type Address, formatAddress, type ParsedAddress, parseAddress, type TransportName } from '../ipc/addr.ts';
import { aidMsg, Channel } from '../ipc/channel.ts';
import { getLogger } from '../log.ts';
import type { DialogMsg, Msg, Uid } from '../msg/types.ts';
import { Dialog } from './dialog.ts';
import type { Registry } from '../discovery/registrar.ts';
import { Scope } from './scope.ts';
import { TASK_CANCEL_GRACE_MS } from './timing.ts';

const log = getLogger('runtime');
const HANDSHAKE_TIMEOUT_MS = 5000;

/** A remote task this actor serves. */
export interface ServedTask {
  readonly cid: string;
  readonly chan: Channel;
  readonly scope: Scope;
  /** Settles when the task has ended (or was abandoned). */
  readonly done: Promise<void>;
  /** Cancel it on behalf of `canceller`; resolves once it ended or was abandoned. */
  cancel(canceller: Uid): Promise<void>;
  /** Route a message of this task's dialog (stream traffic). */
  deliver?(msg: DialogMsg, mustAccept: boolean): boolean | void;
}

/** Anything that receives the messages of one dialog: a `Dialog` inbox or a `Context`. */
export interface DialogSink {
  /** Take `msg`; `false` means "full, retry later" (refused only while `mustAccept` is false). */
  deliver(msg: DialogMsg, mustAccept: boolean): boolean | void;
  fail(err: unknown): void;
}

export interface ActorInit {
  name: string;
  uuid?: string;
  enableModules?: Iterable<string>;
}

export class Actor {
  readonly name: string;
  readonly uuid: string;
  readonly pid = process.pid;
  readonly enableModules: Set<string>;
  readonly scope = new Scope();
  /** The registry, when this actor is the registrar. */
  registry: Registry | undefined;
  addrs: Address[] = [];
  /** The channel to the parent, in a spawned actor. */
  parentChan: Channel | undefined;
  /** Called once after a `cancel` request was served: a child exits, a root closes. */
  onShutdown: (() => void) | undefined;
  /** Handles a `Start` message; installed by the RPC layer. */
  serveStart: ((chan: Channel, msg: Msg & { msg_type: 'Start' }) => void) | undefined;

  readonly #dialogs = new Map<Channel, Map<string, DialogSink>>();
  readonly #tasks = new Map<string, ServedTask>();
  readonly #expected = new Map<string, (chan: Channel) => void>();
  readonly #servers: net.Server[] = [];
  readonly #socketFiles: string[] = [];
  readonly #cidPrefix: string;
  #cidSeq = 0;
  #cancelling: Promise<void> | undefined;

  constructor(init: ActorInit) {
    this.name = init.name;
    this.uuid = init.uuid ?? randomUUID();
    this.enableModules = new Set(init.enableModules ?? []);
    this.#cidPrefix = this.uuid.slice(0, 12);
  }

  get isRegistrar(): boolean {
    return this.registry !== undefined;
  }

  get uid(): Uid {
    return [this.name, this.uuid];
  }

  get cancelCalled(): boolean {
    return this.#cancelling !== undefined;
  }

  /** A dialog id unique across the tree (prefixed by this actor's uuid). */
  newCid(): string {
    return `${this.#cidPrefix}:${++this.#cidSeq}`;
  }

  /** Bind a listener per transport (TCP on 127.0.0.1:0 and/or a UDS file by default), or on `bindAddrs`. */
  async listen(transports: TransportName[], bindAddrs: Address[] = []): Promise<void> {
    const targets = bindAddrs.length ? bindAddrs.map(parseAddress) : transports.map((t) => this.#defaultBind(t));
    for (const target of targets) await this.listenOn(target);
  }

  /** Bind one more listener (e.g. the registrar address); rejects with the listen error (EADDRINUSE...). */
  async listenOn(target: ParsedAddress): Promise<Address> {
    if (target.proto === 'uds') await removeStaleSocket(target.path);
    const server = net.createServer((socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (target.proto === 'tcp') server.listen(target.port, target.host, resolve);
      else server.listen(target.path, resolve);
    });
    if (target.proto === 'uds') this.#socketFiles.push(target.path);
    server.on('error', (err) => log.error('listener error: %s', err.message));
    const a = server.address();
    const addr = typeof a === 'string' ? `uds://${a}` : formatAddress({ proto: 'tcp', host: a!.address, port: a!.port });
    this.addrs.push(addr);
    this.#servers.push(server);
    return addr;
  }

  #defaultBind(t: TransportName) {
    if (t === 'tcp') return { proto: 'tcp' as const, host: '127.0.0.1', port: 0 };
    const dir = path.join(process.env.XDG_RUNTIME_DIR ?? os.tmpdir(), `tractor-ts-${os.userInfo().uid}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return { proto: 'uds' as const, path: path.join(dir, `${this.name}@${this.uuid.slice(0, 8)}.sock`) };
  }

  /** Resolves with the channel of the child spawned with `uuid` once it connected and said who it is. */
  expectChild(uuid: string): { channel: Promise<Channel>; cancel: () => void } {
    let cancel = () => {};
    const channel = new Promise<Channel>((resolve) => {
      this.#expected.set(uuid, resolve);
      cancel = () => this.#expected.delete(uuid);
    });
    return { channel, cancel };
  }

  async #accept(socket: net.Socket): Promise<void> {
    const chan = new Channel(socket);
    try {
      const peer = await chan.recvAid(HANDSHAKE_TIMEOUT_MS);
      chan.send(aidMsg(this));
      const child = this.#expected.get(peer.uuid);
      if (child) {
        this.#expected.delete(peer.uuid);
        child(chan);
      } else {
        this.serveChannel(chan);
      }
    } catch (err) {
      // A peer that closes before saying who it is (an actor exiting mid-boot) is routine; garbage is worth a warning.
      if (err instanceof TransportClosed && /closed/.test((err as Error).message)) log.info('connection closed before its handshake: %s', (err as Error).message);
      else log.warning('rejected a connection: %s', (err as Error).message);
    }
  }

  /** Route every message of `chan` from now on. */
  serveChannel(chan: Channel): void {
    const dialogs = new Map<string, DialogSink>();
    this.#dialogs.set(chan, dialogs);
    chan.onClose((err) => this.#channelClosed(chan, dialogs, err));
    chan.serve((msg, mustAccept) => this.#dispatch(chan, dialogs, msg, mustAccept));
  }

  #dispatch(chan: Channel, dialogs: Map<string, DialogSink>, msg: Msg, mustAccept: boolean): boolean | void {
    switch (msg.msg_type) {
      case 'Start':
        this.serveStart!(chan, msg);
        return;
      case 'Aid': case 'SpawnSpec':
        log.warning('ignoring a %s message from %s after the handshake', msg.msg_type, chan.raddr);
        return;
      case 'Error':
        if (msg.cid == null) {
          // An error of the peer as a whole (e.g. it failed to boot): every dialog with it fails.
          // The first is the peer's failure; later ones are its consequences.
          const err = (chan.peerError ??= unboxError(msg));
          for (const d of dialogs.values()) d.fail(err);
          return;
        }
    }
    const cid = msg.cid as string;
    const d = dialogs.get(cid);
    if (d) return d.deliver(msg, mustAccept);
    else {
      const task = this.#tasks.get(cid);
      if (task?.deliver) return task.deliver(msg, mustAccept);
      else log.transport('dropping %s for finished dialog %s', msg.msg_type, msg.cid);
    }
  }

  #channelClosed(chan: Channel, dialogs: Map<string, DialogSink>, err: Error): void {
    this.#dialogs.delete(chan);
    const failure = chan.peerError ?? err;
    for (const d of dialogs.values()) d.fail(failure);
    // The peer that asked for these tasks is gone: nobody can receive their results.
    for (const task of this.#tasks.values()) {
      if (task.chan === chan) void task.cancel(chan.aid ? [chan.aid.name, chan.aid.uuid] : this.uid);
    }
    if (chan === this.parentChan && !this.#cancelling) {
      log.cancel('parent channel closed (%s): cancelling this actor', err.message);
      void this.cancel(null).then(() => this.onShutdown?.());
    }
  }

  /** Route messages of `cid` on `chan` to a new `Dialog` inbox. */
  openDialog(chan: Channel, cid: string): Dialog {
    const d = new Dialog(cid);
    this.registerDialog(chan, cid, d);
    return d;
  }

  /** Route messages of `cid` on `chan` to `sink`; a channel already closed fails it at once. */
  registerDialog(chan: Channel, cid: string, sink: DialogSink): void {
    const dialogs = this.#dialogs.get(chan);
    if (!dialogs) sink.fail(chan.peerError ?? chan.closeReason ?? new TransportClosed('channel is not being served'));
    else dialogs.set(cid, sink);
  }

  closeDialog(chan: Channel, cid: string): void {
    this.#dialogs.get(chan)?.delete(cid);
  }

  addTask(task: ServedTask): void {
    this.#tasks.set(task.cid, task);
  }

  removeTask(cid: string): void {
    this.#tasks.delete(cid);
  }

  getTask(cid: string): ServedTask | undefined {
    return this.#tasks.get(cid);
  }

  /**
   * Cancel everything this actor runs: abort its scope (every task, nursery
   * and call below it) and wait, bounded, for the remote tasks to end.
   */
  cancel(canceller: Uid | null): Promise<void> {
    this.#cancelling ??= (async () => {
      log.cancel('actor %s cancelled by %s', this.name, fmtUid(canceller));
      this.scope.abort(new Cancelled(`actor ${fmtUid(this.uid)} was cancelled by ${fmtUid(canceller ?? this.uid)}`, canceller ?? this.uid));
      const tasks = [...this.#tasks.values()].map((t) => t.cancel(canceller ?? this.uid));
      await Promise.race([Promise.allSettled(tasks), new Promise((r) => setTimeout(r, TASK_CANCEL_GRACE_MS + 100).unref())]);
    })();
    return this.#cancelling;
  }

  /** Close listeners and channels; remove socket files. */
  async close(): Promise<void> {
    for (const s of this.#servers) s.close();
    for (const f of this.#socketFiles) rmSync(f, { force: true });
    const closing = [...this.#dialogs.keys()].map((chan) => new Promise<void>((resolve) => {
      chan.onClose(() => resolve());
      chan.close();
    }));
    await Promise.race([Promise.all(closing), new Promise((r) => setTimeout(r, 300).unref())]);
  }
}

/**
 * A socket file left by a process that died is removed; one something still
 * listens on is an EADDRINUSE, as for TCP (two roots racing for one `uds://`
 * registry address must not both win).
 */
async function removeStaleSocket(file: string): Promise<void> {
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect(file);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) throw Object.assign(new Error(`listen EADDRINUSE: ${file} is in use`), { code: 'EADDRINUSE' });
  rmSync(file, { force: true });
}
