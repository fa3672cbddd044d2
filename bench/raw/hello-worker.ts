/**
 * Bare Worker of the worker baselines: post one message saying who it is,
 * then exit (mode `exit`, default) or stay idle until terminated (`idle`).
 *
 * workerData: { mode?: 'exit' | 'idle' }
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';

const mode = (workerData as { mode?: string } | null)?.mode ?? 'exit';
parentPort!.postMessage({ threadId });
if (mode === 'idle') setInterval(() => {}, 1 << 30);
else parentPort!.close();
