/**
 * memory.idleActor: RSS of a daemon actor idle for a while, vs RSS of an idle
 * bare child (same execArgv, connected back).
 */
import * as tractor from 'tractor-ts';
import { interleave, median, type Result, result, rssMiB, sleep, type Target } from './lib.ts';
import { FrameServer, RawPeer } from './raw/baselines.ts';

export const figures = ['memory.idleActor'];
export const targets: Record<string, Target> = {
  'memory.idleActor': { text: 'value <= baseline + 10 MiB', met: (r) => r.value <= r.baseline + 10 },
};
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
  if (!want('memory.idleActor')) return [];
  const server = await FrameServer.open();
  try {
    const s = await interleave('memory.idleActor MiB', { pairs: 4, warmup: 0 }, libIdleRss, () => rawIdleRss(server));
    return [result('memory.idleActor', 'MiB', median(s.lib), median(s.raw))];
  } finally {
    await server.close();
  }
}
