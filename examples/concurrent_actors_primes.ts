// A worker pool of actors: the prime number detector of Python's
// concurrent.futures docs (ProcessPoolExecutor example), with daemon actors
// as the workers. The TS twin of tractor's
// examples/parallelism/concurrent_actors_primes.py.
//
//   npx tsx examples/concurrent_actors_primes.ts
//
// No thread pool, semaphore or future type needed: a nursery of daemon
// actors, their portals, and plain promises.
import os from 'node:os';
import * as tractor from 'tractor-ts';

const PRIMES = [
  112272535095293,
  112582705942171,
  112272535095293,
  115280095190773,
  115797848077099,
  1099726899285419,
];

// Runs in a worker: a CPU-bound check, one worker process per core. (All of
// PRIMES are below Number.MAX_SAFE_INTEGER, so plain numbers are exact.)
export async function isPrime(args: { n: number }): Promise<boolean> {
  const { n } = args;
  if (n < 2) return false;
  if (n === 2) return true;
  if (n % 2 === 0) return false;
  const sqrtN = Math.floor(Math.sqrt(n));
  for (let i = 3; i <= sqrtN; i += 2) {
    if (n % i === 0) return false;
  }
  return true;
}

interface WorkerPool extends AsyncDisposable {
  /** Run `fn` once per item of `argsList`, spread over the workers; yields `[args, result, worker]` as results arrive. */
  map<F extends tractor.RemoteFn>(fn: F, argsList: tractor.ArgsOf<F>[]): AsyncGenerator<[tractor.ArgsOf<F>, tractor.ResultOf<F>, string]>;
}

/**
 * Though it's a trivial special case for tractor-ts, the well known "worker
 * pool" seems to be the de facto "but, I want this process pattern!" for most
 * parallelism pilgrims. The workers stay alive (and ready for work) until the
 * pool is disposed, which cancels them all and reaps their processes.
 */
async function openWorkerPool(workers = os.availableParallelism()): Promise<WorkerPool> {
  const an = await tractor.openNursery();
  let portals: tractor.Portal[];
  try {
    // Each startActor() spawns a new actor (process + runtime) serving this
    // module's exports; its portal is how we "submit jobs" (ugh) to it.
    portals = await Promise.all(
      Array.from({ length: workers }, (_, i) => an.startActor(`worker_${i}`, { enableModules: [import.meta.url] })),
    );
  } catch (err) {
    await an[Symbol.asyncDispose]();
    throw err;
  }

  return {
    async *map(fn, argsList) {
      type Done = [number, tractor.ArgsOf<typeof fn>, tractor.ResultOf<typeof fn>, string];
      const pending = new Map<number, Promise<Done>>();
      argsList.forEach((args, i) => {
        const portal = portals[i % portals.length]!;
        const job = portal.run(fn, args).then((result): Done => [i, args, result, portal.chan.aid?.name ?? '?']);
        job.catch(() => {}); // a failure is raised by the race below, or ignored if the consumer already left
        pending.set(i, job);
      });
      // deliver results as they arrive
      while (pending.size) {
        const [i, args, result, worker] = await Promise.race(pending.values());
        pending.delete(i);
        yield [args, result, worker];
      }
    },
    // tear down all workers on pool close
    [Symbol.asyncDispose]: () => an[Symbol.asyncDispose](),
  };
}

async function main(): Promise<void> {
  await using pool = await openWorkerPool();
  const start = performance.now();
  for await (const [{ n }, prime, worker] of pool.map(isPrime, PRIMES.map((n) => ({ n })))) {
    console.log(`${n} is prime: ${prime} (checked by ${worker})`);
  }
  console.log(`processing took ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
}

if (tractor.isMain(import.meta)) {
  const start = performance.now();
  tractor.run(main).then(
    () => console.log(`script took ${((performance.now() - start) / 1000).toFixed(3)} seconds`),
    () => {}, // run() already printed the error and set a non-zero exit code
  );
}
