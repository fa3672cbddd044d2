/**
 * discovery.findActor: in a child actor ("seeker"), `findActor(name)` (a
 * lookup RPC to the registrar, the root) + connecting to the found actor (a
 * grandchild of the root the seeker has no connection to) + one `run(echo)` +
 * disposing the portal (the connection closes), in ms; baseline: the same
 * `run(echo)` on a portal whose connection already exists.
 */
import * as tractor from 'tractor-ts';
import { echo, hostService, seekAndCall } from './endpoints.ts';
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
  const seeker = await an.startActor('bench_seeker', { enableModules: [ENDPOINTS] });
  const msg = { x: 1 };
  const found = () => seeker.run(seekAndCall, { name: 'bench_found', n: CALLS_PER_SAMPLE });
  const direct = () => meanMs(() => host.run(echo, msg));
  const s = await interleave('discovery.findActor ms', { pairs: 5, warmup: 1 }, found, direct);
  return [result('discovery.findActor', 'ms', median(s.lib), median(s.raw))];
}
