// A quick cluster: one daemon actor per core, spawned concurrently with
// `openActorCluster`, the same function run on every portal at once, and the
// whole cluster reaped when the block ends. The TS twin of tractor's
// examples/quick_cluster.py.
//
//   npx tsx examples/quick_cluster.ts
import * as tractor from 'tractor-ts';

/** Sum the integers below `n` (some CPU work), and say who did it. */
export async function sumBelow(args: { n: number }): Promise<{ name: string; pid: number; sum: number }> {
  let sum = 0;
  for (let i = 0; i < args.n; i++) sum += i;
  const { name, pid } = tractor.currentActor();
  return { name, pid, sum };
}

/** Sleep until cancelled: what every worker is doing when the cluster goes away. */
export async function sleepyJane(): Promise<void> {
  await tractor.sleepForever();
}

async function main(): Promise<void> {
  const pids: number[] = [];
  {
    // count defaults to os.availableParallelism(); names default to worker_0 ... worker_{count-1}
    await using cluster = await tractor.openActorCluster({ modules: [import.meta.url], count: 4 });
    const results = await Promise.all([...cluster.portals.values()].map((p) => p.run(sumBelow, { n: 1_000_000 })));
    for (const r of results) {
      console.log(`${r.name} (pid ${r.pid}) summed to ${r.sum}`);
      pids.push(r.pid);
    }
    // leave every worker busy: leaving the block cancels all of them and reaps their processes
    for (const p of cluster.portals.values()) void p.run(sleepyJane).catch(() => {});
    await tractor.sleep(200);
  }
  const alive = pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  console.log(`cluster reaped: ${alive.length} of ${pids.length} workers still running`);
}

if (tractor.isMain(import.meta)) tractor.run(main);
