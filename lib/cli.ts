#!/usr/bin/env node
/**
 * The `tractor-ts` command: run a registrar or a daemon actor, or list what a
 * registrar knows, without writing a program.
 *
 *   tractor-ts registrar [--registry ADDR]
 *   tractor-ts daemon MODULE... [--name NAME] [--registry ADDR] [--bind ADDR]
 *   tractor-ts list [--registry ADDR]
 *
 * Every command takes `--cookie-file PATH`: the tree's cookie, read from a
 * file only its owner can read (as Erlang's `.erlang.cookie`); the
 * environment variable TRACTOR_TS_COOKIE works too.
 *
 * MODULE is an absolute path, a file URL or a package name. TypeScript modules
 * need the tsx loader: `node --import tsx node_modules/.bin/tractor-ts ...`.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { getRegistry, runDaemon, run } from './index.ts';
import type { RegistryEntry } from './discovery/registry.ts';

const USAGE = `usage:
  tractor-ts registrar [--registry ADDR]
  tractor-ts daemon MODULE... [--name NAME] [--registry ADDR] [--bind ADDR]
  tractor-ts list [--registry ADDR]
every command: --cookie-file PATH (the tree's cookie; or the environment variable TRACTOR_TS_COOKIE)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    registry: { type: 'string', multiple: true },
    bind: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
    'cookie-file': { type: 'string' },
  },
});
const [command, ...rest] = positionals;
const registryAddrs = values.registry;
const cookie = values['cookie-file'] === undefined ? undefined : readCookieFile(values['cookie-file']);

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

function moduleId(spec: string): string {
  // A path starts with '.' or '/' (or is a bare file name); anything else (`pkg`, `@scope/pkg`) is a package.
  if (spec.startsWith('file:') || !(/^[./]/.test(spec) || /\.[cm]?[jt]s$/.test(spec))) return spec;
  return pathToFileURL(path.resolve(spec)).href;
}

if (values.help || !command) {
  console.log(USAGE);
} else if (command === 'registrar') {
  await runDaemon([], { name: values.name ?? 'registrar', registryAddrs, cookie });
} else if (command === 'daemon') {
  if (!rest.length) throw new TypeError(`daemon needs at least one module to serve\n${USAGE}`);
  await runDaemon(rest.map(moduleId), { name: values.name ?? 'daemon', registryAddrs, bindAddrs: values.bind, cookie });
} else if (command === 'list') {
  await run(async () => {
    await using registrar = await getRegistry(registryAddrs?.[0]);
    const entries = (await registrar.runFromNs('self', 'get_registry')) as RegistryEntry[];
    for (const e of entries) console.log(`${e.name}\t${e.uuid}\tpid ${e.pid}\t${e.addrs.join(' ')}`);
  }, { name: 'tractor-ts-list', registryAddrs, cookie });
} else {
  console.error(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
  process.exitCode = 2;
}
