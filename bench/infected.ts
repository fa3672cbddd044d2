/**
 * infected.runTask: sequential `portal.run(legacyEcho)` on an infected actor
 * (each call goes through `toPromise.runTask`), calls/s; baseline: plain
 * `portal.run(echo)` on a non-infected actor. Target: ratio >= 0.9.
 *
 * cluster.map: items/s of `cluster.map(crunch, items)` over 4 actors;
 * baseline: the same items crunched in this one process. The ratio is the
 * speed-up (bounded by the cores the machine really gives us).
 */
import * as tractor from 'tractor-ts';
import { crunch, crunchSync, legacyEcho } from './endpoints-infected.ts';
import { echo } from './endpoints.ts';
import { interleave, median, now, rate, type Result, result, type Target } from './lib.ts';

export const figures = ['infected.runTask', 'cluster.map'];
export const targets: Record<string, Target> = {
  'infected.runTask': { text: 'ratio >= 0.9', met: (r) => r.ratio >= 0.9 },
};
const ENDPOINTS = new URL('./endpoints.ts', import.meta.url).href;
const INFECTED = new URL('./endpoints-infected.ts', import.meta.url).href;
const SAMPLE_MS = 2000;
const ITEMS = 160;
const ROUNDS = 400;

export async function bench(want: (figure: string) => boolean): Promise<Result[]> {
  const out: Result[] = [];
  if (want('infected.runTask')) out.push(await runTaskFigure());
  if (want('cluster.map')) out.push(await clusterMapFigure());
  return out;
}

async function runTaskFigure(): Promise<Result> {
  await using an = await tractor.openNursery();
  const infected = await an.startActor('infected', { enableModules: [INFECTED], infectPromises: true });
  const plain = await an.startActor('plain', { enableModules: [ENDPOINTS] });
  const msg = { x: 1 };
  await rate(1000, () => infected.run(legacyEcho, msg));
  await rate(1000, () => plain.run(echo, msg));
  const s = await interleave('infected.runTask calls/s', { pairs: 4, warmup: 0 },
    () => rate(SAMPLE_MS, () => infected.run(legacyEcho, msg)),
    () => rate(SAMPLE_MS, () => plain.run(echo, msg)));
  return result('infected.runTask', 'calls/s', median(s.lib), median(s.raw));
}

async function clusterMapFigure(): Promise<Result> {
  await using cluster = await tractor.openActorCluster({ modules: [INFECTED], count: 4 });
  const items = Array.from({ length: ITEMS }, (_, i) => ({ i, rounds: ROUNDS }));
  const viaCluster = async () => {
    const t0 = now();
    for await (const _ of cluster.map(crunch, items));
    return (ITEMS / (now() - t0)) * 1000;
  };
  const inProcess = async () => {
    const t0 = now();
    for (const it of items) crunchSync(it);
    return (ITEMS / (now() - t0)) * 1000;
  };
  const s = await interleave('cluster.map items/s', { pairs: 4, warmup: 1 }, viaCluster, inProcess);
  return result('cluster.map', 'items/s', median(s.lib), median(s.raw));
}
