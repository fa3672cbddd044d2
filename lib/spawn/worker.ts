/**
 * The `'worker'` spawn backend: an actor in a `worker_threads` Worker of this
 * process. It runs the same actor entry as a process actor and connects back
 * over the same kind of channel, so the wire, supervision and streams are the
 * same; only its fate is shared with this process. Ending it is
 * `worker.terminate()`, which stops even a synchronous loop.
 *
 * On Node 20 tsx's hooks do not reach Worker threads (module hooks are per
 * thread), so there a worker imports the program's `--import` loaders (tsx's
 * among them) inside its thread: after the library, which is plain
 * JavaScript and loads faster without them, and before any module the actor
 * serves. A Node that strips types itself needs nothing.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { childEnv } from '../ipc/auth.ts';
import { getLogger } from '../log.ts';
import { dynamicImport } from '../runtime/import-module.ts';
import { CHILD_EXEC_ARGV, NATIVE_TYPESCRIPT } from './flags.ts';
import type { ExitInfo, Launched } from './launch.ts';

const log = getLogger('spawn');

/** The key of a worker actor's `workerData`: its argv, as a process actor's command line. */
export const WORKER_ARGV = 'tractorActorArgv';
/** The key of its spawn secrets in `workerData` (memory of this process: never argv, the environment or a pipe). */
export const WORKER_SECRETS = 'tractorSpawnSecrets';
/** The key of the loaders a worker actor imports itself, once the library has loaded (see `startThread`). */
export const WORKER_LOADERS = 'tractorThreadLoaders';

let preloads: [url: string, register: boolean][] | undefined;
/**
 * The `--import` loaders of this program as URLs a thread can import, each
 * resolved as Node resolves them (a bare specifier from the working
 * directory). tsx's loader registers its hooks in the main thread only, so a
 * thread imports its public `tsx/esm/api` and calls `register()` instead.
 */
function threadPreloads(): [string, boolean][] {
  if (preloads) return preloads;
  const req = createRequire(path.join(process.cwd(), 'noop.js'));
  preloads = [];
  for (let i = 0; i < CHILD_EXEC_ARGV.length; i++) {
    const [flag, inline] = CHILD_EXEC_ARGV[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    if (flag !== '--import') continue;
    const spec = inline ?? CHILD_EXEC_ARGV[++i]!;
    let url: string;
    if (/^[a-z][a-z0-9+.-]*:/i.test(spec)) url = spec;
    else if (spec.startsWith('.') || path.isAbsolute(spec)) url = pathToFileURL(path.resolve(spec)).href;
    else url = pathToFileURL(req.resolve(spec)).href;
    const tsx = /\/tsx\/dist\/loader\.mjs$/.test(url);
    preloads.push(tsx ? [new URL('./esm/api/index.mjs', url).href, true] : [url, false]);
  }
  return preloads;
}

/**
 * A Worker running `entry` (a file path) with `workerData`, the program's
 * loaders registered in its thread where Node does not: by the entry itself
 * (`registerThreadLoaders`), or first for an entry that needs them to load
 * (lib/'s own .ts, run from source).
 */
function startThread(entry: string, workerData: Record<string, unknown>): Worker {
  // The loader flags, as a process actor gets them: Node 20 ignores them in a
  // thread, but the thread's own children (and worker grandchildren) read them.
  // Its environment is a child's (no TRACTOR_TS_COOKIE), as a process actor's.
  const opts = { workerData, execArgv: [...CHILD_EXEC_ARGV], env: childEnv() };
  const loaders = NATIVE_TYPESCRIPT ? [] : threadPreloads();
  if (!loaders.length) return new Worker(entry, opts);
  // The built entry loads the library natively, then registers the loaders while it connects to its
  // parent (spawn/entry.ts): through tsx's hooks the library took ~40 ms more to load.
  const fromSource = entry.endsWith('.ts'); // lib/'s own .ts needs the loaders to load at all
  // Eval'd, not a file: Node 20 runs a file Worker's `--import` flags in its thread (tsx's: ~50 ms,
  // for hooks that still do not apply there), an eval'd one's not. `import (`, spaced: tsx rewrites,
  // at a cost that grows with the file, every file in which `import(` appears.
  const boot = `(async () => {
    for (const [url, register] of ${JSON.stringify(fromSource ? loaders : [])}) { const m = await import (url); if (register) m.register(); }
    await import (${JSON.stringify(pathToFileURL(entry).href)});
  })()`;
  return new Worker(boot, { ...opts, eval: true, workerData: { ...workerData, [WORKER_LOADERS]: fromSource ? [] : loaders } });
}

/** Import, in order, the loaders `startThread` left to the thread, registering tsx's. */
export async function registerThreadLoaders(loaders: readonly [url: string, register: boolean][]): Promise<void> {
  for (const [url, register] of loaders) {
    const m = await dynamicImport<{ register(): void }>(url);
    if (register) m.register();
  }
}

/** Start a worker-thread actor that connects back to `argv[0]`, handed `secrets` in its `workerData` (see `Launcher`). */
export function launchWorker(entry: string, argv: [string, string, string], secrets?: string): Launched {
  const worker = startThread(entry, { [WORKER_ARGV]: argv, ...(secrets !== undefined && { [WORKER_SECRETS]: secrets }) });
  let terminated = false;
  // An error that escapes the actor entry itself (it reports its own to its parent first).
  worker.on('error', (err) => log.error('worker actor %s failed: %s', argv[2], err.stack ?? err.message));
  const exited = new Promise<ExitInfo>((resolve) => {
    worker.once('exit', (code) => resolve(terminated ? { code: null, signal: 'SIGKILL' } : { code, signal: null }));
  });
  return {
    pid: process.pid,
    isWorker: true,
    kill: () => {
      terminated = true;
      void worker.terminate();
    },
    exited,
  };
}
