/**
 * discovery.findActor: `findActor(name)` + one `run(echo)` on the portal it
 * returns + disposing it (the connection closes), in ms, for an actor this
 * process has no connection to yet (a grandchild); baseline: the same
 * `run(echo)` on a portal whose connection already exists.
 */
import * as tractor from 'tractor-ts';
import { echo, hostService } from './endpoints.ts';
import { interleave, median, type Result, result, timed } from './lib.ts';

export const figures = ['discovery.findActor'];
const ENDPOINTS = new URL('./endpoints.ts', import.meta.url).href;
const CALLS_PER_SAMPLE = 20;

async function meanMs(fn: () => Promise<unknown>): Promise<number> {
  let total = 0;
  for (let i = 0; i < CALLS_PER_SAMPLE; i++) total += await timed(fn);
  return total / CALLS_PER_SAMPLE;
}

export async function bench(want: (figure: string) => boolean): Promise<Result[]> {
  if (!want('discovery.findActor')) return [];
  await using an = await tractor.openNursery({ enableModules: [ENDPOINTS] });
  const host = await an.startActor('bench_host', { enableModules: [ENDPOINTS] });
  await using _hosting = await host.openContext(hostService, { name: 'bench_found', modules: [ENDPOINTS] });
  const msg = { x: 1 };
  const found = async () => {
    await using portal = await tractor.findActor('bench_found');
    if (!portal) throw new Error('bench_found is not registered');
    await portal.run(echo, msg);
  };
  const direct = () => host.run(echo, msg);
  const s = await interleave('discovery.findActor ms', { pairs: 5, warmup: 1 }, () => meanMs(found), () => meanMs(direct));
  return [result('discovery.findActor', 'ms', median(s.lib), median(s.raw))];
}
