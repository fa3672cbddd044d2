// One chaos round (used by spec/chaos.test.ts and scripts/chaos.ts): open the
// 10-actor streaming tree, read from it, SIGKILL one of its actors chosen by
// the seed after a delay chosen by the seed, and record what the root got.
import * as tractor from 'tractor-ts';
import { treeNode } from './fixtures/chaos-tree.ts';
import { isAlive, waitDead } from './helpers.ts';
import { prng } from './raw-peer.ts';

const FIX = new URL('./fixtures/chaos-tree.ts', import.meta.url).href;

export interface ChaosResult {
  seed: number; pids: number; victim: number; victimIndex: number; killAfterMs: number;
  error: boolean; errorName: string; errorText: string; endOfStream: boolean; causeMs: number; survivors: number[];
}

export async function chaosRound(seed: number): Promise<ChaosResult> {
  const rand = prng(seed);
  const killAfterMs = 100 + Math.floor(rand() * 600);
  let pids: number[] = [];
  let victimIndex = -1;
  let killedAt = 0;
  let received = 0;
  let err: unknown;
  try {
    await using an = await tractor.openNursery({ enableModules: [FIX] });
    const top = await an.startActor('top');
    await using ctx = await top.openContext(treeNode, { level: 0, fanouts: [3, 2] });
    pids = ctx.first as number[];
    victimIndex = Math.floor(rand() * pids.length);
    await using stream = await ctx.openStream();
    const timer = setTimeout(() => {
      killedAt = performance.now();
      process.kill(pids[victimIndex]!, 'SIGKILL');
    }, killAfterMs);
    try {
      for await (const _ of stream) received++;
    } finally {
      clearTimeout(timer);
    }
  } catch (e) {
    err = e;
  }
  const causeMs = killedAt ? Math.round(performance.now() - killedAt) : -1;
  const survivors = await waitDead(pids, 5000);
  const e = err as Error | undefined;
  return {
    seed, pids: pids.length, victim: pids[victimIndex] ?? -1, victimIndex, killAfterMs,
    error: e instanceof Error, errorName: e?.name ?? '', errorText: e ? String(e.message).slice(0, 300) : `no error after ${received} messages`,
    endOfStream: e instanceof tractor.EndOfStream, causeMs, survivors: survivors.filter(isAlive),
  };
}
