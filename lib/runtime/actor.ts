/**
 * `ActorRuntime`: the runtime of this process. It owns its listeners (an
 * `ipc/server.ts` `Server`), every channel to a peer, the routing of messages
 * to dialogs, the table of remote tasks being served, the runtime methods it
 * was given (`selfMethods`) and the actor-wide cancel scope.
 */
import { crypto } from '../builtins.ts';
import { Cancelled, MsgTypeError, TransportClosed } from '../errors.ts';
import type { Address, ParsedAddress, TransportName } from '../ipc/addr.ts';
import type { Channel } from '../ipc/channel.ts';
import { Server } from '../ipc/server.ts';
import { getLogger } from '../log.ts';
import { boxError, unboxError } from '../msg/box.ts';
import { EXT_PROBLEM } from '../msg/ext.ts';
import type { DialogMsg, Msg, StartMsg } from '../msg/types.ts';
import { fmtUid, type Uid } from '../uid.ts';
import { Dialog } from './dialog.ts';
import { type ModuleSpec, moduleAliases, moduleIds } from './resolve.ts';
import { Scope } from './scope.ts';
import { ACTOR_CLOSE_GRACE_MS, HANDSHAKE_TIMEOUT_MS, TASK_CANCEL_GRACE_MS, withTimeout } from './timing.ts';

const log = getLogger('runtime');

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
  /** A message of this task's dialog could not be decoded here: fail its side of the dialog and tell the peer. */
  fail?(err: unknown): void;
}

/** Anything that receives the messages of one dialog: a `Dialog` inbox or a `Context`. */
export interface DialogSink {
  /** Take `msg`; `false` means "full, retry later" (refused only while `mustAccept` is false). */
  deliver(msg: DialogMsg, mustAccept: boolean): boolean | void;
  fail(err: unknown): void;
  /** A message of the dialog could not be decoded here: fail in order and tell the peer (a `Context` does). */
  undecodable?(err: Error): void;
}

/**
 * A runtime method of the `self` namespace given to the runtime from above
 * (the registrar's registry methods): called with the call's arguments, the
 * channel it came over (none for a local call) and its cancellation signal.
 */
export type SelfMethod = (args: Record<string, unknown>, call: { chan: Channel | undefined; signal: AbortSignal }) => Promise<unknown>;

export interface ActorInit {
  name: string;
  uuid?: string;
  enableModules?: Iterable<ModuleSpec>;
}

export class ActorRuntime {
  readonly name: string;
  readonly uuid: string;
  readonly pid = process.pid;
  /** Dotted names this actor serves modules under too (`enableModules: { 'svc.math': url }`). */
  readonly moduleAliases: Map<string, string>;
  readonly enableModules: Set<string>;
  readonly scope = new Scope();
  /**
   * Runtime methods served under `self` besides the built-in ones, as a
   * table: the registry's methods once this actor is the registrar.
   */
  selfMethods: Readonly<Record<string, SelfMethod>> | undefined;
  /** The channel to the parent, in a spawned actor. */
  parentChan: Channel | undefined;
  /** Called once after a `cancel` request was served: a child exits, a root closes. */
  onShutdown: (() => void) | undefined;
  /** Handles a `Start` message; installed at boot (`runtime/serve.ts`). */
  serveStart: ((chan: Channel, msg: StartMsg) => void) | undefined;

  /** When this actor booted (`Date.now()`), for its uptime. */
  readonly startedAt = Date.now();
  readonly #dialogs = new Map<Channel, Map<string, DialogSink>>();
  readonly #tasks = new Map<string, ServedTask>();
  /** Channels of the children this actor spawned, while they are open. */
  readonly #children = new Set<Channel>();
  readonly #expected = new Map<string, { resolve: (chan: Channel) => void; token: Buffer | undefined }>();
  readonly #server: Server;
  readonly #cidPrefix: string;
  #cidSeq = 0;
  #cancelling: Promise<void> | undefined;

  constructor(init: ActorInit) {
    this.name = init.name;
    // node:crypto only where a uuid is made here (a root's): a spawned actor is given its own.
    this.uuid = init.uuid ?? crypto().randomUUID();
    const specs = [...(init.enableModules ?? [])];
    this.enableModules = new Set(moduleIds(specs));
    this.moduleAliases = moduleAliases(specs);
    this.#cidPrefix = this.uuid.slice(0, 12);
    this.#server = new Server({
      // Itself, so each Aid says whether it is the registrar at the time of the handshake.
      self: this,
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
      tokenFor: (uuid) => this.#expected.get(uuid)?.token,
      onChannel: (chan, viaSpawnToken) => this.#accepted(chan, viaSpawnToken),
    });
  }

  /** True once this actor serves the registry (it was given the registry's methods). */
  get isRegistrar(): boolean {
    return this.selfMethods !== undefined;
  }

  /** Every address this actor listens on. */
  get addrs(): readonly Address[] {
    return this.#server.addrs;
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
  listen(transports: TransportName[], bindAddrs: Address[] = []): Promise<void> {
    return this.#server.listen(transports, bindAddrs);
  }

  /** Bind one more listener (e.g. the registrar address); rejects with the listen error (EADDRINUSE...). */
  listenOn(target: ParsedAddress): Promise<Address> {
    return this.#server.listenOn(target);
  }

  /**
   * Resolves with the channel of the child spawned with `uuid` once it
   * connected and said who it is; with a `token` (a tree with a cookie), only
   * a connection that proved that spawn token is that child.
   */
  expectChild(uuid: string, token?: Buffer): { channel: Promise<Channel>; cancel: () => void } {
    let cancel = () => {};
    const channel = new Promise<Channel>((resolve) => {
      this.#expected.set(uuid, { resolve, token });
      cancel = () => this.#expected.delete(uuid);
    });
    return { channel, cancel };
  }

  /** A handshaken connection: the child we are waiting for, or any peer to serve. */
  #accepted(chan: Channel, viaSpawnToken: boolean): void {
    const uuid = chan.aid!.uuid;
    const child = this.#expected.get(uuid);
    if (child && (viaSpawnToken || !child.token)) {
      this.#expected.delete(uuid); // its token with it: good for one connection
      this.#children.add(chan);
      chan.onClose(() => this.#children.delete(chan));
      child.resolve(chan);
    } else {
      this.serveChannel(chan);
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
    const extProblem = (msg as { [EXT_PROBLEM]?: string })[EXT_PROBLEM];
    if (extProblem !== undefined && msg.msg_type !== 'Start' && msg.msg_type !== 'Error') {
      return this.#undecodable(chan, dialogs, msg as DialogMsg, extProblem);
    }
    switch (msg.msg_type) {
      case 'Start':
        this.serveStart!(chan, msg);
        return;
      case 'Aid': case 'SpawnSpec': case 'Auth':
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

  /**
   * A dialog message whose payload holds a value this actor cannot decode
   * (an unknown extension code): that dialog fails with a `MsgTypeError`
   * here, the sender is told (as tractor nacks a bad payload), and the
   * channel goes on serving every other dialog.
   */
  #undecodable(chan: Channel, dialogs: Map<string, DialogSink>, msg: DialogMsg, problem: string): void {
    const cid = msg.cid as string;
    const from = chan.aid ? fmtUid([chan.aid.name, chan.aid.uuid]) : 'the peer';
    const err = new MsgTypeError(`${msg.msg_type} from ${from} (dialog ${cid}) in actor ${fmtUid(this.uid)}: ${problem}`);
    const sink = dialogs.get(cid);
    if (sink?.undecodable) return sink.undecodable(err); // a context: it logs and tells the peer
    const task = sink ? undefined : this.#tasks.get(cid);
    if (task?.fail) return task.fail(err);
    log.warning('%s', err.message);
    if (!chan.closed) chan.send(boxError(err, this.uid, cid));
    if (sink) sink.fail(err);
    else log.transport('dropping an undecodable %s for finished dialog %s', msg.msg_type, cid);
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

  /** Calls this actor makes to its own runtime methods (a registrar's own lookups): no dialog, but work under way. */
  localCalls = 0;

  /** Whether any dialog is open (a call, context or stream, either way), any remote task is being served, or a local call runs. */
  busy(): boolean {
    return this.localCalls > 0 || this.#tasks.size > 0 || [...this.#dialogs.values()].some((d) => d.size > 0);
  }

  /** How many channels this actor serves. */
  channelCount(): number {
    return this.#dialogs.size;
  }

  /** The remote tasks being served now. */
  tasks(): IterableIterator<ServedTask> {
    return this.#tasks.values();
  }

  /** The channels of the children this actor spawned that are still connected. */
  children(): IterableIterator<Channel> {
    return this.#children.values();
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
      // A task abandoned after its grace period has ended as far as we are concerned: wait a little longer than that, no more.
      await withTimeout(Promise.allSettled(tasks), TASK_CANCEL_GRACE_MS + 100, undefined, true);
    })();
    return this.#cancelling;
  }

  /** Close listeners and channels; remove socket files. */
  async close(): Promise<void> {
    this.#server.close();
    const closing = [...this.#dialogs.keys()].map((chan) => new Promise<void>((resolve) => {
      chan.onClose(() => resolve());
      chan.close();
    }));
    await withTimeout(Promise.all(closing), ACTOR_CLOSE_GRACE_MS, undefined, true);
  }
}
