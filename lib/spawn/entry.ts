/**
 * Entry point of a spawned actor (spawn/start.ts loads it; it also runs on
 * its own as `node entry.js <parent address> <uuid> <name>`): run this
 * process, or this worker thread, as the actor its command line describes
 * (see spawn/child.ts).
 *
 * argv: <parent address> <uuid> <name> [--tractor-secrets-fd=3] (a
 * worker-thread actor gets the first three, and its spawn secrets, in its
 * `workerData`, see spawn/worker.ts; signals never reach a thread).
 */
import { workerData } from 'node:worker_threads';
import '../index.ts'; // the library as the modules an actor serves import it (built: one shared chunk, not two)
import { runChild } from './child.ts';
import { WORKER_ARGV, WORKER_SECRETS } from './worker.ts';

const fromParent = workerData as { [WORKER_ARGV]?: string[]; [WORKER_SECRETS]?: string } | null;
await runChild({ argv: fromParent?.[WORKER_ARGV] ?? process.argv.slice(2), secrets: fromParent?.[WORKER_SECRETS] });
