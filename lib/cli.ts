#!/usr/bin/env node
/**
 * The `tractor-ts` command: run a registrar or a daemon actor, list what a
 * registrar knows, or print the live actor tree, without writing a program.
 * Bad flags, addresses and modules are one-line errors (exit 2, or 1 for a
 * failure at run time), never stack traces. `list` and `tree` only ever
 * read: with nobody at the registry address they say so and exit 1, they
 * never become the registrar themselves.
 *
 * Every command takes `--cookie-file PATH`: the tree's cookie, read from a
 * file only its owner can read (as Erlang's `.erlang.cookie`); the
 * environment variable TRACTOR_TS_COOKIE works too.
 *
 * MODULE is an absolute path, a file URL or a package name. TypeScript modules
 * need the tsx loader: `node --import tsx node_modules/.bin/tractor-ts ...`.
 */
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultRegistryAddrs } from './discovery/api.ts';
import { connectActor } from './discovery/connections.ts';
import type { RegistryEntry } from './discovery/registry.ts';
import { entriesOf } from './discovery/python.ts';
import { getRegistry, runDaemon, run, sleep } from './index.ts';
import { serveDaemon } from './root.ts';
import { parseAddress } from './ipc/addr.ts';
import { speaksTractorTs } from './ipc/channel.ts';
import { callSelf } from './runtime/call.ts';
import { getRuntime } from './runtime/current.ts';
import { dynamicImport } from './runtime/import-module.ts';
import type { ActorState } from './runtime/serve.ts';

const HELP = `usage: tractor-ts <command> [options]

commands:
  registrar            serve the actor registry at --registry
  daemon MODULE...     serve RPC on the exported functions of MODULE(s), registered at --registry
                       (each module is imported first: one that does not load is an error at once)
  list                 list the actors registered at --registry
  tree                 print the live actor tree of every root registered at --registry

options:
  --registry ADDR      registrar address (default ${defaultRegistryAddrs().join(',')};
                       the default comes from TRACTOR_TS_REGISTRY_ADDRS, else tcp://127.0.0.1:1616)
  --name NAME          actor name (default: 'registrar' for registrar, 'daemon' for daemon)
  --bind ADDR          daemon: listen on ADDR instead of 127.0.0.1 (repeatable)
  --cookie-file PATH   the tree's cookie, from a file only you can read (default: TRACTOR_TS_COOKIE, else none)
  --json               list, tree: print JSON
  --watch              tree: refresh every 2 s until Ctrl-C
  -v, --version        print the version
  -h, --help           this help

addresses: tcp://HOST:PORT or uds:///path/to.sock

examples:
  tractor-ts registrar
  node --import tsx node_modules/.bin/tractor-ts daemon ./services/math.ts --name math
  tractor-ts list --registry tcp://127.0.0.1:1616
  tractor-ts tree --watch`;

class UsageError extends Error {}

function fail(err: unknown): never {
  const usage = err instanceof UsageError || (err as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS');
  const code = usage || (err as { code?: string })?.code === 'ERR_TRACTOR_INVALID_ADDRESS' ? 2 : 1;
  console.error(`tractor-ts: ${(err as Error)?.message ?? String(err)}${usage ? ' (see tractor-ts --help)' : ''}`);
  process.exit(code);
}

/** The cookie in `file` (its first line); a file others may read, or an empty one, is refused with one line. */
function readCookieFile(file: string): string {
  try {
    const mode = statSync(file).mode;
    if (mode & 0o077) throw new Error(`${file} may be read by other users (mode ${(mode & 0o777).toString(8)}): run chmod 600 ${file}`);
    const text = readFileSync(file, 'utf8').split('\n')[0]!.trim();
    if (!text) throw new Error(`${file} is empty: put the tree's cookie in it (e.g. openssl rand -hex 32 > ${file})`);
    return text;
  } catch (err) {
    console.error(`tractor-ts: bad --cookie-file: ${(err as Error).message}`);
    process.exit(2);
  }
}

function version(): string {
  const pkg = new URL(import.meta.url.includes('/dist/') || import.meta.url.includes('/lib/') ? '../package.json' : './package.json', import.meta.url);
  return (JSON.parse(readFileSync(fileURLToPath(pkg), 'utf8')) as { version: string }).version;
}

function moduleId(spec: string): string {
  // A path starts with '.' or '/' (or is a bare file name); anything else (`pkg`, `@scope/pkg`) is a package.
  if (spec.startsWith('file:') || !(/^[./]/.test(spec) || /\.[cm]?[jt]s$/.test(spec))) return spec;
  return pathToFileURL(path.resolve(spec)).href;
}

/** True when something accepts connections at `addr` (without talking to it). */
function listening(addr: string): Promise<boolean> {
  const a = parseAddress(addr);
  return new Promise((resolve) => {
    const sock = a.proto === 'tcp' ? net.connect(a.port, a.host) : net.connect(a.path);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

async function requireRegistrar(addr: string): Promise<void> {
  if (!(await listening(addr))) {
    console.error(`tractor-ts: no registrar at ${addr} (start one with \`tractor-ts registrar --registry ${addr}\`)`);
    process.exit(1);
  }
}

/**
 * The registrar command booted, but another program holds the registry
 * address (it registered with that one instead): say who, and exit 1,
 * rather than run as an ordinary actor named 'registrar'.
 */
async function mustBeRegistrar(addr: string): Promise<void> {
  if (getRuntime()!.isRegistrar) return;
  const holder = (await readRegistry(addr).catch(() => [])).find((e) => e.addrs.includes(addr));
  const who = holder ? `${holder.name} (pid ${holder.pid})` : 'another program';
  throw new Error(`a registrar already runs at ${addr}: ${who}. Stop it first, or give this one another address (--registry ADDR)`);
}

async function readRegistry(addr: string): Promise<RegistryEntry[]> {
  await using registrar = await getRegistry(addr);
  const reply = await registrar.runFromNs('self', 'get_registry');
  // A Python tractor registrar answers in its own shape: {'name.uuid': [[host, port]]}.
  return Array.isArray(reply) ? (reply as RegistryEntry[]) : entriesOf(reply);
}

type Node = { entry: RegistryEntry; state: ActorState | null; kids: Node[] };

async function stateOf(entry: RegistryEntry): Promise<ActorState | null> {
  const actor = getRuntime()!;
  try {
    const chan = await connectActor(actor, entry.addrs[0]!, 3000);
    try {
      // A Python peer has no actor_state (and dies of an unknown self method): ask tractor-ts peers only.
      if (!speaksTractorTs(chan)) return null;
      return (await callSelf(actor, chan, 'actor_state', {}, 3000)) as ActorState;
    } finally {
      chan.close();
    }
  } catch {
    return null; // gone, or not a tractor-ts actor
  }
}

async function liveTree(addr: string): Promise<Node[]> {
  const me = getRuntime()!.uuid;
  const entries = (await readRegistry(addr)).filter((e) => e.uuid !== me);
  const nodes = await Promise.all(entries.map(async (entry) => ({ entry, state: await stateOf(entry), kids: [] as Node[] })));
  const byUuid = new Map(nodes.map((n) => [n.entry.uuid, n]));
  const roots: Node[] = [];
  for (const n of nodes) {
    const parent = n.state?.parent ? byUuid.get(n.state.parent) : undefined;
    if (parent) parent.kids.push(n);
    else roots.push(n);
  }
  return roots;
}

function secs(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

function formatTree(roots: Node[]): string {
  const lines: string[] = [];
  const walk = (n: Node, lead: string, branch: string) => {
    const s = n.state;
    const head = s
      ? `${n.entry.name}[${n.entry.uuid.slice(0, 8)}] pid ${s.pid} ${s.startMethod} up ${secs(s.uptimeMs)}${s.isRegistrar ? ' registrar' : ''}${s.debugMode ? ' debug' : ''}  ${s.addrs.join(' ')}`
      : `${n.entry.name}[${n.entry.uuid.slice(0, 8)}] pid ${n.entry.pid} (unreachable)  ${n.entry.addrs.join(' ')}`;
    lines.push(`${lead}${branch}${head}`);
    const inner = lead + (branch === '' ? '' : branch === '└─ ' ? '   ' : '│  ');
    const items: ((last: boolean) => void)[] = [
      ...(s?.tasks ?? []).map((t) => (last: boolean) => void lines.push(`${inner}${last ? '└─ ' : '├─ '}task ${t.func} (${secs(t.ageMs)}, for ${t.caller})`)),
      ...n.kids.map((k) => (last: boolean) => walk(k, inner, last ? '└─ ' : '├─ ')),
    ];
    items.forEach((f, i) => f(i === items.length - 1));
  };
  for (const r of roots) walk(r, '', '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        registry: { type: 'string', multiple: true },
        bind: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        watch: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        'cookie-file': { type: 'string' },
      },
    });
  } catch (err) {
    fail(err);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) return void console.log(version());
  if (values.help || !command) return void console.log(HELP);
  const registryAddrs = values.registry;
  for (const a of [...(registryAddrs ?? []), ...(values.bind ?? [])]) parseAddress(a); // a bad address: one line, exit 2
  const addr = registryAddrs?.[0] ?? defaultRegistryAddrs()[0]!;
  const cookie = values['cookie-file'] === undefined ? undefined : readCookieFile(values['cookie-file']);
  switch (command) {
    case 'registrar':
      return serveDaemon({ name: values.name ?? 'registrar', registryAddrs, cookie }, () => mustBeRegistrar(addr));
    case 'daemon': {
      if (!rest.length) throw new UsageError('daemon needs at least one MODULE to serve');
      const modules = rest.map(moduleId);
      for (const m of modules) {
        await dynamicImport(m).catch((err: Error) => {
          throw new Error(`cannot load module ${m}: ${err.message.split('\n')[0]}`);
        });
      }
      return runDaemon(modules, { name: values.name ?? 'daemon', registryAddrs, bindAddrs: values.bind, cookie });
    }
    case 'list':
      await requireRegistrar(addr);
      await run(async () => {
        const entries = (await readRegistry(addr)).filter((e) => e.uuid !== getRuntime()!.uuid);
        if (values.json) console.log(JSON.stringify(entries));
        else for (const e of entries) console.log(`${e.name}\t${e.uuid}\tpid ${e.pid}\t${e.addrs.join(' ')}`);
      }, { name: 'tractor-ts-list', registryAddrs: [addr], cookie });
      return;
    case 'tree':
      await requireRegistrar(addr);
      await run(async () => {
        for (;;) {
          const roots = await liveTree(addr);
          const text = values.json ? JSON.stringify(roots, (k, v) => (k === 'kids' && !v.length ? undefined : v)) : formatTree(roots) || '(no actors registered)';
          console.log(values.watch && !values.json ? `\x1b[2J\x1b[H${text}` : text);
          if (!values.watch) return;
          await sleep(2000);
        }
      }, { name: 'tractor-ts-tree', registryAddrs: [addr], cookie }).catch(() => {});
      if (values.watch && process.exitCode === 130) process.exitCode = 0;
      return;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

main().catch(fail);
