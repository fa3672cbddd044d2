// Test helpers of the discovery specs (not endpoints): private registry
// addresses, running separate programs with an environment, reading a registry,
// and the stream step the client programs share.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { TS_LOADER } from './helpers.ts';
import * as tractor from 'tractor-ts';
import { doubler } from './fixtures/discovery.ts';

/** A TCP port nobody listens on right now (bind port 0, read it, close). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** A registry address of this test's own: tests running concurrently never see each other's actors. */
export async function privateRegistry(): Promise<string> {
  return `tcp://127.0.0.1:${await freePort()}`;
}

/** The names in the registry at `addr`, in registration order. */
export async function registryNames(addr: string): Promise<string[]> {
  return (await registryEntries(addr)).map((e) => e.name);
}

export async function registryEntries(addr: string): Promise<tractor.RegistryEntry[]> {
  await using reg = await tractor.getRegistry(addr);
  return (await reg.runFromNs('self', 'get_registry')) as tractor.RegistryEntry[];
}

/** Poll the registry at `addr` until `cond(names)` holds (registration runs in the background). */
export async function untilRegistry(addr: string, cond: (names: string[]) => boolean, what: string, ms = 5000): Promise<string[]> {
  const end = Date.now() + ms;
  for (;;) {
    const names = await registryNames(addr);
    if (cond(names)) return names;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; registry: ${JSON.stringify(names)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Program {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stdout line matching `re` (rejects if the program exits first). */
  line: (re: RegExp, ms?: number) => Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL it if it still runs (cleanup in a finally). */
  kill: () => Promise<void>;
}

/** Run a program: `[prefix...] node [--import tsx] <script> ...args` with extra `env` (see `TS_LOADER`). */
export function runProgram(script: string | URL, args: string[] = [], opts: { env?: Record<string, string>; prefix?: string[]; cwd?: string } = {}): Program {
  const file = script instanceof URL ? fileURLToPath(script) : script;
  const argv = [process.execPath, ...TS_LOADER, file, ...args];
  const cmd = [...(opts.prefix ?? []), ...argv];
  const proc = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env }, cwd: opts.cwd });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
    out += c;
    for (const w of waiters) w();
  });
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('close', (code, signal) => resolve({ code, signal }));
  });
  const line = (re: RegExp, ms = 15_000) => new Promise<string>((resolve, reject) => {
    const check = () => {
      const found = out.split('\n').find((l) => re.test(l));
      if (found === undefined) return;
      cleanup();
      resolve(found);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no stdout line matching ${re} within ${ms} ms\n--- stdout\n${out}\n--- stderr\n${err}`));
    }, ms);
    const cleanup = () => {
      clearTimeout(timer);
      waiters.delete(check);
    };
    waiters.add(check);
    void exited.then((e) => {
      if (!waiters.has(check)) return;
      check();
      if (!waiters.has(check)) return;
      cleanup();
      reject(new Error(`program exited (${JSON.stringify(e)}) before printing a line matching ${re}\n--- stdout\n${out}\n--- stderr\n${err}`));
    });
    check();
  });
  const kill = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  };
  return { proc, stdout: () => out, stderr: () => err, line, exited, kill };
}

/**
 * The stream step of a client program (fixtures/programs/discovery-client.ts,
 * tls-client.ts): over a `doubler` context with `portal`'s actor, send 1, 2,
 * 3 and read each one back doubled; the step's JSON line.
 */
export async function doublerStep(portal: tractor.Portal): Promise<string> {
  await using ctx = await portal.openContext(doubler, { greeting: 'hi' });
  const echoed: number[] = [];
  {
    await using stream = await ctx.openStream();
    for (const v of [1, 2, 3]) {
      await stream.send(v);
      echoed.push((await stream.receive()) as number);
    }
  }
  return JSON.stringify({ step: 'stream', first: ctx.first, echoed, result: await ctx.waitForResult() });
}
