// Helper of the spec/by-method/ files (not a test file): run one suite with
// every actor started by one start method (TRACTOR_TS_START_METHOD; each test
// file runs in its own process). They run in the Node 24 run (`npm run
// test:node24`), where a spawn costs a third of Node 20's, to keep both runs
// together well under 10 minutes; on Node 20 the worker backend's own path
// (the loader registered in the thread) is covered by spec/runtime/spawn-worker.test.ts
// and the spawn_backends example.
import { test } from 'node:test';

/** `suite`: the suite's path under spec/ without `.test.ts` (e.g. `runtime/nursery`). */
export async function runSuiteWith(suite: string, method: 'prewarm' | 'worker'): Promise<void> {
  if (!(process.features as { typescript?: unknown }).typescript) {
    // Skipped on Node 20 only, to keep the CI run's time: the by-method re-runs of the
    // spawning suites run in the Node 24 pass (`npm run test:node24`), which CI always runs.
    test(`the ${suite} suite with startMethod '${method}'`, { skip: 'runs on Node 24 (npm run test:node24)' }, () => {});
    return;
  }
  process.env.TRACTOR_TS_START_METHOD = method;
  await import(`../${suite}.test.ts`);
}
