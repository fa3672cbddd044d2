// Test helper (not endpoints): runs the Python-dialect peer (python-peer.ts)
// as its own process and drives it with JSON commands over stdin.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PEER = fileURLToPath(new URL('./python-peer.ts', import.meta.url));

export interface PeerError { type: string; message: string; src_type_str?: string; boxed_type_str?: string; canceller?: unknown; tb_str?: string }

/** A failed peer command, carrying what the Python side saw. */
export class PeerCommandError extends Error {
  constructor(readonly op: string, readonly remote: PeerError) {
    super(`python peer: ${op} failed: ${remote.type}: ${remote.message} (${remote.src_type_str ?? ''})`);
  }
}

export interface PythonPeer {
  proc: ChildProcess;
  ready: { uid: [string, string]; addr: [string, number]; registrar: boolean };
  call<T = unknown>(op: string, args?: Record<string, unknown>): Promise<T>;
  /** Resolves with the exit of the process. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  stdout(): string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Start a peer named `name` whose registry is at `registry` (`tcp://h:p`); resolves once it booted. */
export async function startPythonPeer(name: string, registry: string, opts: { neverRegistrar?: boolean } = {}): Promise<PythonPeer> {
  const hostPort = registry.replace(/^tcp:\/\//, '');
  const argv = ['--import', 'tsx', PEER, '--name', name, '--registry', hostPort, ...(opts.neverRegistrar ? ['--never-registrar'] : [])];
  const proc = spawn(process.execPath, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let seq = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; op: string }>();
  let readyLine: ((v: unknown) => void) | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('close', (code, signal) => resolve({ code, signal })));
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  let partial = '';
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
    out += c;
    partial += c;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      let m: { id?: number; ok?: boolean; value?: unknown; error?: PeerError; ready?: boolean };
      try {
        m = JSON.parse(line);
      } catch {
        continue;
      }
      if (m.id === undefined) {
        readyLine?.(m);
        continue;
      }
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.value);
      else p?.reject(new PeerCommandError(p.op, m.error!));
    }
  });
  void exited.then((e) => {
    for (const p of pending.values()) p.reject(new Error(`python peer exited (${JSON.stringify(e)}) during ${p.op}\n${err}`));
    pending.clear();
  });
  const ready = await new Promise<PythonPeer['ready']>((resolve, reject) => {
    readyLine = (m) => ((m as { ready: boolean }).ready ? resolve(m as PythonPeer['ready']) : reject(new Error(`python peer did not boot: ${JSON.stringify(m)}\n${err}`)));
    void exited.then((e) => reject(new Error(`python peer exited (${JSON.stringify(e)}) before booting\n${err}`)));
  });
  const call = <T>(op: string, args: Record<string, unknown> = {}) => new Promise<T>((resolve, reject) => {
    const id = ++seq;
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject, op });
    proc.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
  });
  return {
    proc, ready, call, exited, stderr: () => err, stdout: () => out,
    async [Symbol.asyncDispose]() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.stdin!.end(); // the peer unregisters and exits when its input closes
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** `tcp://h:p` as Python's `(host, port)`. */
export function pyAddr(addr: string): [string, number] {
  const m = /^tcp:\/\/(.+):(\d+)$/.exec(addr);
  if (!m) throw new Error(`not a tcp address: ${addr}`);
  return [m[1]!, Number(m[2])];
}
