/**
 * spawn.runInActor: one one-shot actor, from nursery open to nursery exit
 * (process reaped), with the root already booted; baseline: one bare child
 * that connects back, sends one frame and exits, until it has exited.
 *
 * spawn.concurrent8: 8 of those at once, in one nursery, vs 8 bare children.
 *
 * spawn.prewarm.runInActor: spawn.runInActor with startMethod 'prewarm', a
 * spare ready (each sample waits, untimed, for the replacement to boot);
 * baseline: the same bare child.
 *
 * spawn.worker.runInActor: spawn.runInActor with startMethod 'worker';
 * baseline: a bare Worker (same Node, same loader in its thread) posting one
 * message, until it has exited.
 *
 * spawn.compileCache: spawn.runInActor with the children's compile cache on
 * (the default, spawn/start.ts) vs off (NODE_DISABLE_COMPILE_CACHE=1 in the
 * children's environment): a ratio under 1 is what the cache saves. Only on
 * a Node that has module.enableCompileCache (>= 22.1).
 */
import module from 'node:module';
import * as tractor from 'tractor-ts';
import { trivial } from './endpoints.ts';
import { interleave, median, type Result, result, sleep, type Target, timed } from './lib.ts';
import { FrameServer, rawSpawnConcurrent, rawSpawnOnce, rawWorkerOnce } from './raw/baselines.ts';

export const figures = ['spawn.runInActor', 'spawn.prewarm.runInActor', 'spawn.worker.runInActor', 'spawn.concurrent8', 'spawn.compileCache'];
export const targets: Record<string, Target> = {
  'spawn.runInActor': { text: 'ratio <= 1.3', met: (r) => r.ratio <= 1.3 },
  'spawn.concurrent8': { text: 'ratio <= 1.3', met: (r) => r.ratio <= 1.3 },
  'spawn.prewarm.runInActor': { text: 'value <= 30 ms (Node 24)', met: (r) => r.value <= 30 },
  'spawn.worker.runInActor': { text: 'ratio <= 1.3', met: (r) => r.ratio <= 1.3 },
};
/** Untimed pause before a prewarm sample: the spare taken by the last one is replaced by then. */
const SPARE_BOOT_MS = 600;
const ENDPOINTS = new URL('./endpoints.ts', import.meta.url).href;

async function libSpawnOnce(startMethod: tractor.StartMethod = 'subprocess'): Promise<void> {
  await using an = await tractor.openNursery({ enableModules: [ENDPOINTS], startMethod });
  const p = await an.runInActor(trivial, {});
  await p.waitForResult();
}

/** `fn` with children started with the compile cache off. */
async function withoutCompileCache<T>(fn: () => Promise<T>): Promise<T> {
  process.env.NODE_DISABLE_COMPILE_CACHE = '1';
  try {
    return await fn();
  } finally {
    delete process.env.NODE_DISABLE_COMPILE_CACHE;
  }
}

async function libSpawnConcurrent(n: number): Promise<void> {
  await using an = await tractor.openNursery({ enableModules: [ENDPOINTS] });
  const portals = await Promise.all(Array.from({ length: n }, (_, i) => an.runInActor(trivial, {}, { name: `trivial${i}` })));
  await Promise.all(portals.map((p) => p.waitForResult()));
}

export async function bench(want: (figure: string) => boolean): Promise<Result[]> {
  const server = await FrameServer.open();
  const out: Result[] = [];
  try {
    if (want('spawn.runInActor')) {
      const s = await interleave('spawn.runInActor ms', { pairs: 12, warmup: 2, budgetMs: 25_000 },
        () => timed(libSpawnOnce), () => timed(() => rawSpawnOnce(server)));
      out.push(result('spawn.runInActor', 'ms', median(s.lib), median(s.raw)));
    }
    if (want('spawn.prewarm.runInActor')) {
      const s = await interleave('spawn.prewarm.runInActor ms', { pairs: 12, warmup: 2, budgetMs: 30_000 },
        async () => (await sleep(SPARE_BOOT_MS), timed(() => libSpawnOnce('prewarm'))), () => timed(() => rawSpawnOnce(server)));
      out.push(result('spawn.prewarm.runInActor', 'ms', median(s.lib), median(s.raw)));
    }
    if (want('spawn.worker.runInActor')) {
      const s = await interleave('spawn.worker.runInActor ms', { pairs: 12, warmup: 2, budgetMs: 25_000 },
        () => timed(() => libSpawnOnce('worker')), () => timed(rawWorkerOnce));
      out.push(result('spawn.worker.runInActor', 'ms', median(s.lib), median(s.raw)));
    }
    if (want('spawn.compileCache') && typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function') {
      const s = await interleave('spawn.compileCache ms', { pairs: 12, warmup: 2, budgetMs: 25_000 },
        () => timed(() => libSpawnOnce()), () => withoutCompileCache(() => timed(() => libSpawnOnce())));
      out.push(result('spawn.compileCache', 'ms', median(s.lib), median(s.raw)));
    }
    if (want('spawn.concurrent8')) {
      const s = await interleave('spawn.concurrent8 ms', { pairs: 7, warmup: 1, budgetMs: 40_000 },
        () => timed(() => libSpawnConcurrent(8)), () => timed(() => rawSpawnConcurrent(server, 8)));
      out.push(result('spawn.concurrent8', 'ms', median(s.lib), median(s.raw)));
    }
  } finally {
    await server.close();
  }
  return out;
}
