/**
 * memory.idleActor: RSS of a daemon actor idle for a while, vs RSS of an idle
 * bare child (same execArgv, connected back).
 *
 * memory.worker.idleActor: growth of this process's RSS per idle worker actor
 * (10 daemons, one call each), vs per idle bare Worker (same loader).
 */
import * as tractor from 'tractor-ts';
import { interleave, median, type Result, result, rssMiB, sleep, type Target } from './lib.ts';
import { trivial } from './endpoints.ts';
import { FrameServer, RawPeer, rawWorker } from './raw/baselines.ts';

export const figures = ['memory.idleActor', 'memory.worker.idleActor'];
export const targets: Record<string, Target> = {
  'memory.idleActor': { text: 'value <= baseline + 10 MiB', met: (r) => r.value <= r.baseline + 10 },
  'memory.worker.idleActor': { text: 'value <= baseline + 5 MiB and < 37 MiB', met: (r) => r.value <= r.baseline + 5 && r.value < 37 },
};
const WORKERS = 10;

/** RSS of this process, MiB, after a GC where exposed. */
function selfRssMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage.rss() / 2 ** 20;
}

async function libWorkerGrowth(): Promise<number> {
  await sleep(IDLE_MS);
  const before = selfRssMiB();
  await using an = await tractor.openNursery({ enableModules: [ENDPOINTS], startMethod: 'worker' });
  const portals = await Promise.all(Array.from({ length: WORKERS }, (_, i) => an.startActor(`idle${i}`)));
  await Promise.all(portals.map((p) => p.run(trivial, {})));
  await sleep(IDLE_MS);
  return (selfRssMiB() - before) / WORKERS;
}

async function rawWorkerGrowth(): Promise<number> {
  await sleep(IDLE_MS);
  const before = selfRssMiB();
  const ws = Array.from({ length: WORKERS }, () => rawWorker('idle'));
  try {
    await Promise.all(ws.map((w) => w.hello));
    await sleep(IDLE_MS);
    return (selfRssMiB() - before) / WORKERS;
  } finally {
    await Promise.all(ws.map((w) => w.terminate()));
  }
}
const ENDPOINTS = new URL('./endpoints.ts', import.meta.url).href;
const IDLE_MS = 500;

async function libIdleRss(): Promise<number> {
  await using an = await tractor.openNursery();
  const portal = await an.startActor('idle', { enableModules: [ENDPOINTS] });
  await sleep(IDLE_MS);
  return rssMiB(portal.chan.aid!.pid);
}

async function rawIdleRss(server: FrameServer): Promise<number> {
  const peer = await RawPeer.start(server, 'idle');
  try {
    await sleep(IDLE_MS);
    return rssMiB(peer.pid);
  } finally {
    await peer.close();
  }
}

export async function bench(want: (figure: string) => boolean): Promise<Result[]> {
  const out: Result[] = [];
  if (want('memory.idleActor')) {
    const server = await FrameServer.open();
    try {
      const s = await interleave('memory.idleActor MiB', { pairs: 4, warmup: 0 }, libIdleRss, () => rawIdleRss(server));
      out.push(result('memory.idleActor', 'MiB', median(s.lib), median(s.raw)));
    } finally {
      await server.close();
    }
  }
  if (want('memory.worker.idleActor')) {
    const s = await interleave('memory.worker.idleActor MiB', { pairs: 4, warmup: 1 }, libWorkerGrowth, rawWorkerGrowth);
    out.push(result('memory.worker.idleActor', 'MiB', median(s.lib), median(s.raw)));
  }
  return out;
}
