/**
 * The thread behind the tree-wide TTY lock (see tty-lock.ts). It runs its own
 * event loop, so it keeps serving (root) or waiting (child) while its actor's
 * main thread is stopped in a REPL or blocked waiting for its turn.
 *
 * - role 'server' (in the root): a FIFO queue of holders. Actors connect over
 *   a Unix socket and send one line `acquire <who>`; the turn is granted with
 *   `granted`; a holder releases by closing the connection, so a holder that
 *   dies releases the lock. The root's own main thread queues through
 *   `postMessage` and learns of its turn through shared memory.
 * - role 'client' (in a child): one connection per acquisition, granted
 *   through shared memory to the main thread blocked in `Atomics.wait`.
 *
 * Shared memory (Int32): [0] holders + waiters in the tree, [1] 1 once the
 * turn is granted (or -1: the lock is unreachable), [2] (root) how many turns
 * were granted so far.
 *
 * The thread runs this one function from source (`eval`), without the
 * parent's loader flags: it must boot in milliseconds even while the main
 * thread is blocked (a tsx loader in the thread takes far longer), and so it
 * uses nothing but Node built-ins.
 */
import type net from 'node:net';

interface Waiter { who: string; grant(): void; sock?: net.Socket }

/**
 * esbuild (the build's `keepNames`, and tsx's) names functions with a
 * `__name(fn, name)` helper of their module, which the thread's source
 * would lack.
 */
const NAME_HELPER = 'var __name = (fn, name) => Object.defineProperty(fn, "name", { value: name, configurable: true });';

/** The source of the lock thread, for `new Worker(src, { eval: true })`. */
export function lockWorkerSource(): string {
  return `${NAME_HELPER}\n(${lockWorkerMain.toString()})(require);`;
}

function lockWorkerMain(load: (id: string) => unknown): void {
const net = load('node:net') as typeof import('node:net');
const { parentPort, workerData } = load('node:worker_threads') as typeof import('node:worker_threads');
const { role, shared, addr } = workerData as { role: 'server' | 'client'; shared: SharedArrayBuffer; addr: string };
const state = new Int32Array(shared);
const port = parentPort!;

function signalMain(value: number): void {
  Atomics.store(state, 1, value);
  Atomics.notify(state, 1);
}

if (role === 'server') serve();
else client();

function serve(): void {
  const queue: Waiter[] = [];
  const watchers = new Set<net.Socket>();
  let holder: Waiter | undefined;
  const update = () => {
    if (!holder && queue.length) {
      holder = queue.shift()!;
      Atomics.add(state, 2, 1);
      holder.grant();
    }
    const busy = queue.length + (holder ? 1 : 0);
    Atomics.store(state, 0, busy);
    for (const w of watchers) w.write(`busy ${busy}\n`);
    port.postMessage({ op: busy ? 'busy' : 'idle', holder: holder?.who });
  };
  const release = (w: Waiter) => {
    if (holder === w) holder = undefined;
    else {
      const i = queue.indexOf(w);
      if (i >= 0) queue.splice(i, 1);
    }
    update();
  };
  const local: Waiter = { who: 'root', grant: () => signalMain(1) };
  port.on('message', (m: { op: string }) => {
    if (m.op === 'acquire') {
      queue.push(local);
      update();
    } else if (m.op === 'release') release(local);
  });
  const server = net.createServer((sock) => {
    let line = '';
    let waiter: Waiter | undefined;
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      if (waiter) return;
      line += chunk;
      const nl = line.indexOf('\n');
      if (nl < 0) return;
      if (line.startsWith('watch')) {
        watchers.add(sock);
        sock.write(`busy ${Atomics.load(state, 0)}\n`);
        sock.on('close', () => watchers.delete(sock));
        waiter = { who: 'watcher', grant() {} };
        return;
      }
      waiter = { who: line.slice(0, nl).replace(/^acquire /, ''), sock, grant: () => void sock.write('granted\n') };
      queue.push(waiter);
      update();
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      if (waiter && waiter.who !== 'watcher') release(waiter);
    });
  });
  server.listen(addr, () => port.postMessage({ op: 'listening' }));
  server.unref();
}

function client(): void {
  let sock: net.Socket | undefined;
  // Keep state[0] (is anyone in the tree at a REPL?) current, for this actor's grace periods.
  const watch = net.connect(addr);
  watch.setEncoding('utf8');
  watch.on('connect', () => watch.write('watch\n'));
  watch.on('data', (d: string) => {
    const last = d.trim().split('\n').pop()?.match(/^busy (\d+)/);
    if (last) Atomics.store(state, 0, Number(last[1]));
  });
  watch.on('error', () => {});
  watch.unref();
  port.on('message', (m: { op: string; who?: string }) => {
    if (m.op === 'acquire') {
      const s = (sock = net.connect(addr));
      s.setEncoding('utf8');
      s.on('connect', () => s.write(`acquire ${m.who}\n`));
      s.on('data', (d: string) => {
        if (d.includes('granted')) signalMain(1);
      });
      // The root is gone (or never listened): nobody to share the terminal with.
      s.on('error', () => signalMain(-1));
      s.on('close', () => {
        if (Atomics.load(state, 1) === 0) signalMain(-1);
      });
    } else if (m.op === 'release') {
      sock?.destroy();
      sock = undefined;
    }
  });
}
}
