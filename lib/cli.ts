#!/usr/bin/env node
/**
 * The `tractor-ts` command: run a registrar or a daemon actor, or list what a
 * registrar knows, without writing a program.
 *
 *   tractor-ts registrar [--registry ADDR]
 *   tractor-ts daemon MODULE... [--name NAME] [--registry ADDR] [--bind ADDR]
 *   tractor-ts list [--registry ADDR]
 *
 * MODULE is an absolute path, a file URL or a package name. TypeScript modules
 * need the tsx loader: `node --import tsx node_modules/.bin/tractor-ts ...`.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { getRegistry, runDaemon, run } from './index.ts';
import type { RegistryEntry } from './discovery/registry.ts';

const USAGE = `usage:
  tractor-ts registrar [--registry ADDR]
  tractor-ts daemon MODULE... [--name NAME] [--registry ADDR] [--bind ADDR]
  tractor-ts list [--registry ADDR]`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    registry: { type: 'string', multiple: true },
    bind: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  },
});
const [command, ...rest] = positionals;
const registryAddrs = values.registry;

function moduleId(spec: string): string {
  // A path starts with '.' or '/' (or is a bare file name); anything else (`pkg`, `@scope/pkg`) is a package.
  if (spec.startsWith('file:') || !(/^[./]/.test(spec) || /\.[cm]?[jt]s$/.test(spec))) return spec;
  return pathToFileURL(path.resolve(spec)).href;
}

if (values.help || !command) {
  console.log(USAGE);
} else if (command === 'registrar') {
  await runDaemon([], { name: values.name ?? 'registrar', registryAddrs });
} else if (command === 'daemon') {
  if (!rest.length) throw new TypeError(`daemon needs at least one module to serve\n${USAGE}`);
  await runDaemon(rest.map(moduleId), { name: values.name ?? 'daemon', registryAddrs, bindAddrs: values.bind });
} else if (command === 'list') {
  await run(async () => {
    await using registrar = await getRegistry(registryAddrs?.[0]);
    const entries = (await registrar.runFromNs('self', 'get_registry')) as RegistryEntry[];
    for (const e of entries) console.log(`${e.name}\t${e.uuid}\tpid ${e.pid}\t${e.addrs.join(' ')}`);
  }, { name: 'tractor-ts-list', registryAddrs });
} else {
  console.error(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
  process.exitCode = 2;
}
