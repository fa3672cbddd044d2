// The smallest tree: run one function in a one-shot actor and print its result.
import * as tractor from 'tractor-ts';

export async function burnCpu(args: { n: number }): Promise<number> {
  let total = 0;
  for (let i = 0; i < args.n; i++) total += i % 7;
  return total;
}

async function main(): Promise<void> {
  await using an = await tractor.openNursery();
  const portal = await an.runInActor(burnCpu, { n: 10_000_000 });
  const result = await portal.waitForResult();
  console.log(`burnCpu ran in actor '${portal.chan.aid?.name}' (pid ${portal.chan.aid?.pid}) and returned ${result}`);
}

if (tractor.isMain(import.meta)) tractor.run(main);
