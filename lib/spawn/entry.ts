/**
 * Entry point of a spawned actor (spawn/start.ts loads it; it also runs on
 * its own as `node entry.js <parent address> <uuid> <name>`): run this
 * process, or this worker thread, as the actor its command line describes
 * (see spawn/child.ts).
 *
 * argv: <parent address> <uuid> <name> [--tractor-secrets-fd=3] (a
 * worker-thread actor gets the first three, its spawn secrets and, on Node
 * 20, the loaders to register in its thread, in its `workerData`, see
 * spawn/worker.ts; signals never reach a thread).
 */
import { workerData } from 'node:worker_threads';
import '../index.ts'; // the library as the modules an actor serves import it (built: one shared chunk, not two)
import { runChild } from './child.ts';
import { registerThreadLoaders, WORKER_ARGV, WORKER_LOADERS, WORKER_SECRETS } from './worker.ts';

type FromParent = { [WORKER_ARGV]?: string[]; [WORKER_SECRETS]?: string; [WORKER_LOADERS]?: [string, boolean][] };
const fromParent = workerData as FromParent | null;
await runChild({
  argv: fromParent?.[WORKER_ARGV] ?? process.argv.slice(2),
  secrets: fromParent?.[WORKER_SECRETS],
  loaders: registerThreadLoaders(fromParent?.[WORKER_LOADERS] ?? []), // a Node 20 worker's, registered meanwhile
});
