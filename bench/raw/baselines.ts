/**
 * The raw baselines, parent side: bare `node` children started with exactly
 * this process's `execArgv` (so with tsx's loader, like an actor), talking
 * the same framing as tractor-ts (4-byte LE length + msgpack) over TCP on
 * 127.0.0.1, with no runtime on top. Every bench measures the library next to
 * one of these.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { rate } from '../lib.ts';
import { frame, FrameDecoder } from './frames.ts';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

const script = (name: string) => fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
const SCRIPTS = { hello: script('hello'), echo: script('echo'), oneway: script('oneway') };

/** Every bare child still running, so a failed bench can still reap them. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** A raw connection from a bare child: frames in, frames out. */
export class RawConn {
  #inbox: unknown[] = [];
  #waiter: { resolve: (msg: unknown) => void; reject: (err: Error) => void } | undefined;
  #handler: ((msg: unknown) => void) | undefined;
  #closed = false;

  readonly socket: net.Socket;

  constructor(socket: net.Socket, first: unknown) {
    this.socket = socket;
    this.#inbox.push(first);
    socket.once('close', () => {
      this.#closed = true;
      this.#waiter?.reject(new Error('raw connection closed'));
      this.#waiter = undefined;
    });
  }

  send(value: unknown): void {
    this.socket.write(frame(value));
  }

  /** The next frame, decoded. */
  recv(): Promise<unknown> {
    if (this.#inbox.length) return Promise.resolve(this.#inbox.shift());
    if (this.#closed) return Promise.reject(new Error('raw connection closed'));
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  /** Hand every frame to `handler` from now on instead of queueing it (throughput runs); undefined to stop. */
  set onMsg(handler: ((msg: unknown) => void) | undefined) {
    this.#handler = handler;
  }

  /** @internal Called by the server for every decoded frame. */
  route(msg: unknown): void {
    if (this.#handler) return this.#handler(msg);
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w.resolve(msg);
    } else this.#inbox.push(msg);
  }

  close(): void {
    this.socket.end();
  }
}

/**
 * TCP server on 127.0.0.1 the bare children connect back to. The first frame
 * of a connection is `{ id, pid }`; `expect(id)` resolves with that child's
 * connection (the twin of the library's `expectChild`).
 */
export class FrameServer {
  readonly #server: net.Server;
  readonly #expected = new Map<string, (c: RawConn) => void>();
  readonly #sockets = new Set<net.Socket>();
  #seq = 0;
  port = 0;

  private constructor() {
    this.#server = net.createServer((socket) => this.#accept(socket));
  }

  static async open(): Promise<FrameServer> {
    const s = new FrameServer();
    await new Promise<void>((resolve) => s.#server.listen(0, '127.0.0.1', resolve));
    s.port = (s.#server.address() as net.AddressInfo).port;
    return s;
  }

  nextId(): string {
    return `raw-${process.pid}-${++this.#seq}`;
  }

  expect(id: string): Promise<RawConn> {
    return new Promise((resolve) => this.#expected.set(id, resolve));
  }

  #accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => {});
    let conn: RawConn | undefined;
    const decoder = new FrameDecoder((msg) => {
      if (conn) return conn.route(msg);
      const id = (msg as { id?: string }).id ?? '';
      const waiter = this.#expected.get(id);
      this.#expected.delete(id);
      conn = new RawConn(socket, msg);
      waiter?.(conn);
    });
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A bare child process and the promise of its exit. */
export interface RawChild {
  proc: ChildProcess;
  id: string;
  exited: Promise<void>;
}

/** Start a bare `node` child with this process's execArgv running one of the raw scripts. */
export function spawnRaw(server: FrameServer, kind: keyof typeof SCRIPTS, extra: string[] = []): RawChild {
  const id = server.nextId();
  const proc = spawn(process.execPath, [...process.execArgv, SCRIPTS[kind], String(server.port), id, ...extra], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  live.add(proc);
  const exited = new Promise<void>((resolve) => {
    proc.once('exit', () => {
      live.delete(proc);
      resolve();
    });
    proc.once('error', () => resolve());
  });
  return { proc, id, exited };
}

/** Spawn one bare child that connects back, sends one frame and exits; resolves once it has exited. */
export async function rawSpawnOnce(server: FrameServer): Promise<void> {
  const child = spawnRaw(server, 'hello');
  let connected = false;
  const hello = server.expect(child.id).then((c) => c.recv()).then(() => (connected = true));
  await child.exited;
  // The frame was flushed before the child exited: it is here, or about to be read.
  await Promise.race([hello, sleep(1000)]);
  if (!connected) throw new Error(`bare child ${child.id} exited (${child.proc.exitCode}) without sending its frame`);
}

/** Like {@link rawSpawnOnce}, `n` children at once. */
export async function rawSpawnConcurrent(server: FrameServer, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => rawSpawnOnce(server)));
}

/** A long-lived bare child: echo (ping-pong), oneway (throughput) or idle (memory). */
export class RawPeer {
  readonly child: RawChild;
  readonly conn: RawConn;
  readonly pid: number;

  private constructor(child: RawChild, conn: RawConn, pid: number) {
    this.child = child;
    this.conn = conn;
    this.pid = pid;
  }

  static async start(server: FrameServer, kind: 'echo' | 'oneway' | 'idle'): Promise<RawPeer> {
    const child = kind === 'idle' ? spawnRaw(server, 'hello', ['idle']) : spawnRaw(server, kind);
    const conn = await server.expect(child.id);
    const hello = (await conn.recv()) as { pid: number };
    return new RawPeer(child, conn, hello.pid);
  }

  /** One ping-pong round trip (echo peer): send `value`, await its echo. */
  async roundtrip(value: unknown): Promise<unknown> {
    this.conn.send(value);
    return this.conn.recv();
  }

  /**
   * One-way burst (oneway peer): ask for `n` frames of a `size`-byte payload
   * (0: a tiny string) and decode them all; resolves with the elapsed ms,
   * from the request to the last frame decoded.
   */
  burst(n: number, size: number): Promise<number> {
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      this.child.exited.then(() => reject(new Error('the oneway child exited during a burst')));
      let seen = 0;
      this.conn.onMsg = () => {
        if (++seen === n) {
          this.conn.onMsg = undefined;
          resolve(performance.now() - t0);
        }
      };
      this.conn.send({ n, size });
    });
  }

  /** Close the connection and wait for the child to exit (SIGKILL after 2 s). */
  async close(): Promise<void> {
    this.conn.close();
    const timer = setTimeout(() => this.child.proc.kill('SIGKILL'), 2000);
    await this.child.exited;
    clearTimeout(timer);
  }
}

/** Ping-pong rate with an echo peer: sequential round trips of `value` for `durationMs`; round trips per second. */
export function rawPingPongRate(peer: RawPeer, value: unknown, durationMs: number): Promise<number> {
  return rate(durationMs, () => peer.roundtrip(value));
}

/** One-way throughput with a oneway peer: one burst of `n` frames of a `size`-byte payload (0: tiny); messages per second. */
export async function rawOnewayRate(peer: RawPeer, n: number, size: number): Promise<number> {
  return (n / (await peer.burst(n, size))) * 1000;
}

const HELLO_WORKER = fileURLToPath(new URL('./hello-worker.ts', import.meta.url));

/**
 * A bare Worker of `HELLO_WORKER` with the loader a worker actor registers in
 * its thread: none on a Node that strips types, tsx's ESM API on Node 20
 * (tsx's own loader registers in the main thread only).
 */
function startBareThread(workerData: unknown): Worker {
  const opts = { workerData, execArgv: [] as string[] };
  if ((process.features as { typescript?: unknown }).typescript) return new Worker(HELLO_WORKER, opts);
  const loader = pathToFileURL(createRequire(path.join(process.cwd(), 'noop.js')).resolve('tsx')).href;
  const api = new URL('./esm/api/index.mjs', loader).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(HELLO_WORKER).href)}); })`;
  return new Worker(boot, { ...opts, eval: true });
}

/** A bare Worker (same Node, same loader in its thread as a worker actor) that posts one message. */
export function rawWorker(mode: 'exit' | 'idle'): { hello: Promise<unknown>; exited: Promise<void>; terminate: () => Promise<void> } {
  const w = startBareThread({ mode });
  const hello = new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
  return { hello, exited, terminate: async () => void (await w.terminate()) };
}

/** One bare Worker from start to its message and its exit. */
export async function rawWorkerOnce(): Promise<void> {
  const w = rawWorker('exit');
  await w.hello;
  await w.exited;
}
