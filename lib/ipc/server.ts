/**
 * `Server`: the listeners of one actor (TCP and/or UDS), the UDS socket files
 * it owns, and the accept side of the `Aid` handshake. Every connection that
 * says who it is within the handshake timeout is handed on, identified
 * (`chan.aid`); anything else is closed and logged.
 */
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fs } from '../builtins.ts';
import { TransportClosed } from '../errors.ts';
import { getLogger } from '../log.ts';
import { type Address, formatAddress, type ParsedAddress, parseAddress, type TransportName } from './addr.ts';
import { answer } from './auth.ts';
import { type Aid, Channel } from './channel.ts';
import { createListener } from './tls.ts';

const log = getLogger('ipc');

export interface ServerOptions {
  /** This actor's identity: sent back in the handshake, and the stem of its default socket file. */
  self: Aid;
  /** How long an accepted peer may take to say who it is. */
  handshakeTimeoutMs: number;
  /** The spawn token made for the child `uuid`, while one is expected (see `auth.ts`). */
  tokenFor: (uuid: string) => Buffer | undefined;
  /** Called with every accepted connection once its peer said who it is (and, with a cookie, proved it); `viaSpawnToken`: it proved a spawn token. */
  onChannel: (chan: Channel, viaSpawnToken: boolean) => void;
}

export class Server {
  readonly #opts: ServerOptions;
  readonly #servers: net.Server[] = [];
  readonly #socketFiles: string[] = [];
  readonly #addrs: Address[] = [];
  #closed = false;

  constructor(opts: ServerOptions) {
    this.#opts = opts;
  }

  /** Every address listened on, in the order bound. */
  get addrs(): readonly Address[] {
    return this.#addrs;
  }

  /** Bind a listener per transport (TCP on 127.0.0.1:0 and/or a UDS file by default), or on `bindAddrs`. */
  async listen(transports: TransportName[], bindAddrs: Address[] = []): Promise<void> {
    const targets = bindAddrs.length ? bindAddrs.map(parseAddress) : transports.map((t) => this.#defaultBind(t));
    try {
      for (const target of targets) await this.listenOn(target, !bindAddrs.length && target.proto === 'tcp' ? await takeBoundAhead() : undefined);
    } finally {
      await releaseBoundAhead();
    }
  }

  /**
   * Bind one more listener (e.g. the registrar address); rejects with the
   * listen error (EADDRINUSE...). With `ahead`, a TCP socket already bound
   * to `target`, listen on that one instead of binding.
   */
  async listenOn(target: ParsedAddress, ahead?: net.Server): Promise<Address> {
    if (this.#closed) throw new TransportClosed(`the actor stopped listening; it cannot listen on ${formatAddress(target)}`, { reason: 'local' });
    if (target.proto === 'uds') await removeStaleSocket(target.path);
    const { name, uuid } = this.#opts.self;
    const server = createListener(target, (socket) => void this.#accept(socket), [name, uuid], this.#opts.handshakeTimeoutMs);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (ahead) server.listen(ahead, resolve); // takes over its socket
      else if (target.proto === 'tcp') server.listen(target.port, target.host, resolve);
      else server.listen(target.path, resolve);
    });
    if (this.#closed) {
      // Closed while this one was binding (a root re-elected as registrar
      // during its own teardown): a listener nobody closes would keep the
      // process alive after its root is gone.
      server.close();
      throw new TransportClosed(`the actor stopped listening before ${formatAddress(target)} was bound`, { reason: 'local' });
    }
    if (target.proto === 'uds') this.#socketFiles.push(target.path);
    server.on('error', (err) => log.error('listener error: %s', err.message));
    const a = server.address();
    const addr = typeof a === 'string' ? `uds://${a}` : formatAddress({ proto: 'tcp', host: a!.address, port: a!.port });
    this.#addrs.push(addr);
    this.#servers.push(server);
    return addr;
  }

  /** Stop listening and remove the socket files. */
  close(): void {
    this.#closed = true;
    for (const s of this.#servers) s.close();
    for (const f of this.#socketFiles) fs().rmSync(f, { force: true });
  }

  #defaultBind(t: TransportName): ParsedAddress {
    if (t === 'tcp') return { proto: 'tcp', host: '127.0.0.1', port: 0 };
    const dir = path.join(process.env.XDG_RUNTIME_DIR ?? os.tmpdir(), `tractor-ts-${os.userInfo().uid}`);
    fs().mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { name, uuid } = this.#opts.self;
    return { proto: 'uds', path: path.join(dir, `${name}@${uuid.slice(0, 8)}.sock`) };
  }

  async #accept(socket: net.Socket): Promise<void> {
    const chan = new Channel(socket);
    let viaSpawnToken: boolean;
    try {
      let peer: { is_probe?: boolean };
      ({ viaSpawnToken, aid: peer } = await answer(chan, this.#opts.self, this.#opts.handshakeTimeoutMs, this.#opts.tokenFor));
      if (peer.is_probe === true) {
        // A probe only asks who listens here (Python tractor's registry probe, ipc/_server.py:368).
        chan.close();
        return;
      }
    } catch (err) {
      // A peer that closes before saying who it is (an actor exiting mid-boot) is routine; garbage is worth a warning.
      if (err instanceof TransportClosed && (err.reason === 'peer-closed' || err.reason === 'local')) log.info('connection closed before its handshake: %s', (err as Error).message);
      else log.warning('rejected a connection from %s: %s: %s', chan.raddr, (err as Error).name, (err as Error).message);
      return;
    }
    this.#opts.onChannel(chan, viaSpawnToken);
  }
}

/**
 * A TCP listener on 127.0.0.1:0 bound (or binding) before this actor knew its
 * bind addresses: a prewarmed spare's, or a child's bound while its parent
 * answers the handshake. Undefined once taken, or if the bind failed.
 */
let boundAhead: Promise<net.Server | undefined> | undefined;

/**
 * Bind a TCP listener on 127.0.0.1:0 now (once per thread), for the first
 * default TCP bind of this actor to take over. The bind, and Node's address
 * lookup and cluster setup behind it (a few ms of CPU), then run while the
 * actor waits for its parent (a spare before it is taken, a child during its
 * handshake), not after. No connection can reach it before its address is
 * announced. A failure only means the actor binds later, as usual.
 */
export function bindAhead(): Promise<void> {
  boundAhead ??= new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
  return boundAhead.then(() => undefined);
}

function takeBoundAhead(): Promise<net.Server | undefined> | undefined {
  const s = boundAhead;
  boundAhead = undefined;
  return s;
}

/**
 * Close a listener bound ahead that no default TCP bind took (an actor given
 * other transports or addresses), once its bind is done: the actor's boot
 * ends with no listener it did not announce.
 */
async function releaseBoundAhead(): Promise<void> {
  const server = await takeBoundAhead();
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
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
  fs().rmSync(file, { force: true });
}
