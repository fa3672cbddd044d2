/**
 * Function addressing: an RPC target is named on the wire by its module
 * (`ns`: a file URL or package specifier) and export name (`func`). A caller
 * holding a function reference finds that pair by identity among the exports
 * of the modules it knows; a callee imports the module and looks the export up.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FunctionNotFound, InvalidArgument, RuntimeUsageError } from '../errors.ts';
import type { FuncType } from '../msg/types.ts';
import { dynamicImport } from './import-module.ts';
import { mainModuleUrl } from './state.ts';
import { MAIN_IMPORT_WAIT_MS, withTimeout } from './timing.ts';

type ModuleNs = Record<string, unknown>;

/** Marks an endpoint made by `context()`; carries its options. */
export const CONTEXT_MARK = Symbol.for('tractor-ts.context');

/** Canonical module id: absolute paths become file URLs; URLs and package specifiers stay. */
export function normalizeModule(spec: string): string {
  if (typeof spec !== 'string' || spec === '') {
    throw new InvalidArgument(`enableModules entries must be module specifiers (import.meta.url, an absolute path or a package name), got ${JSON.stringify(spec)}`);
  }
  if (isAbsolute(spec)) return pathToFileURL(spec).href;
  if (spec.startsWith('.')) {
    throw new InvalidArgument(`relative module specifier ${JSON.stringify(spec)} is ambiguous across processes; pass import.meta.url or an absolute path`);
  }
  return spec;
}

/**
 * An `enableModules` entry: a module specifier, or `{ 'dotted.name': specifier }`
 * serving modules under plain names too (the form Python tractor callers
 * address: they split `ns:func` at the first `:`, which a file URL cannot survive).
 */
export type ModuleSpec = string | Readonly<Record<string, string>>;

/** The module ids of `specs` (an alias's module included), normalized. */
export function moduleIds(specs: Iterable<ModuleSpec>): string[] {
  return [...specs].flatMap((s) => (typeof s === 'string' ? [normalizeModule(s)] : [...moduleAliases([s]).values()]));
}

/** The aliases of `specs`: dotted name -> module id. */
export function moduleAliases(specs: Iterable<ModuleSpec>): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of specs) {
    if (typeof s === 'string') continue;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) {
      throw new InvalidArgument(`enableModules entries are module specifiers or { 'dotted.name': specifier } objects, got ${JSON.stringify(s)}`);
    }
    for (const [name, spec] of Object.entries(s)) {
      if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(name) || name === 'self') {
        throw new InvalidArgument(`module alias ${JSON.stringify(name)} must be a dotted name such as 'svc.math' (no ':', not 'self'), as Python callers address it`);
      }
      out.set(name, normalizeModule(spec));
    }
  }
  return out;
}

/** `specs` as they travel to a child: the plain modules, then one object of every alias. */
export function moduleSpecs(ids: Iterable<string>, aliases: Map<string, string>): ModuleSpec[] {
  return aliases.size ? [...ids, Object.fromEntries(aliases)] : [...ids];
}

const loaded = new Map<string, Promise<ModuleNs>>();
const settled = new Map<string, ModuleNs>();

/** Import (once) the module `ns`. */
export function importModule(ns: string): Promise<ModuleNs> {
  let p = loaded.get(ns);
  if (!p) {
    p = dynamicImport<ModuleNs>(ns).then((m) => {
      settled.set(ns, m);
      return m;
    });
    loaded.set(ns, p);
    p.catch(() => loaded.delete(ns));
  }
  return p;
}

/** The module namespace if it is already imported (no await on the hot path). */
export function loadedModule(ns: string): ModuleNs | undefined {
  return settled.get(ns);
}

export interface FuncRef { ns: string; func: string }
const refs = new WeakMap<Function, FuncRef>();

/** Name `fn` on the wire as `ns:func` without searching any module (a stand-in made by `remoteFunction`). */
export function nameFunction(fn: Function, ref: FuncRef): void {
  refs.set(fn, ref);
}

/** What kind of RPC target `fn` is. */
export function functypeOf(fn: unknown): FuncType {
  if (typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[CONTEXT_MARK]) return 'context';
  if (Object.prototype.toString.call(fn) === '[object AsyncGeneratorFunction]') return 'asyncgen';
  return 'asyncfunc';
}

function importMain(url: string): Promise<ModuleNs> {
  return withTimeout(importModule(url), MAIN_IMPORT_WAIT_MS, () => {
    throw new RuntimeUsageError(
      `the main module ${url} is still being evaluated, so the function cannot be resolved by identity ` +
      '(importing a module suspended in top-level await deadlocks). Use the entry idiom ' +
      '`if (tractor.isMain(import.meta)) tractor.run(main)` and do not `await` it at top level.');
  });
}

/** The module and export name of `fn` if it was resolved before (no await on the hot path). */
export function resolvedFunction(fn: unknown): FuncRef | undefined {
  return typeof fn === 'function' ? refs.get(fn) : undefined;
}

/**
 * Find `fn`'s module and export name among `candidates` (module ids) and the
 * main module. Throws a `FunctionNotFound` saying what to export and enable.
 */
export async function resolveFunction(fn: unknown, candidates: Iterable<string>): Promise<FuncRef> {
  if (typeof fn !== 'function') {
    throw new InvalidArgument(`expected an exported async function to call, got ${fn === null ? 'null' : typeof fn}`);
  }
  const known = refs.get(fn);
  if (known) return known;
  const tried: string[] = [];
  const search = (ns: string, mod: ModuleNs): FuncRef | undefined => {
    for (const key of Object.keys(mod)) {
      if (mod[key] === fn) {
        const ref = { ns, func: key };
        refs.set(fn, ref);
        return ref;
      }
    }
    return undefined;
  };
  const main = mainModuleUrl();
  for (const ns of new Set(candidates)) {
    tried.push(ns);
    const found = search(ns, await (ns === main ? importMain(ns) : importModule(ns)));
    if (found) return found;
  }
  if (main && !tried.includes(main)) {
    tried.push(main);
    const found = search(main, await importMain(main));
    if (found) return found;
  }
  const name = fn.name || '<anonymous>';
  throw new FunctionNotFound(
    `function '${name}' is not an export of any module this call can see (${tried.join(', ') || 'none'}). ` +
    `Export it (\`export async function ${name}(...)\`) from its module and list that module in ` +
    'enableModules (e.g. `enableModules: [import.meta.url]`) of the actor that should run it.');
}
