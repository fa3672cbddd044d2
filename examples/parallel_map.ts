// cluster.map over a directory of files: every file is hashed (some CPU
// work per file) on a cluster of 4 actors with bounded concurrency, results
// in input order, with a progress line; then the same work in this one
// process, and both wall times.
//
//   npx tsx examples/parallel_map.ts [directory]
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tractor from 'tractor-ts';

const ROUNDS = 800; // hash rounds per file: the CPU work a real job would do

/** Hash one file ROUNDS times and count its words. */
export async function digestFile(args: { file: string }): Promise<{ file: string; words: number; digest: string }> {
  const data = readFileSync(args.file);
  let digest = createHash('sha256').update(data).digest();
  for (let i = 1; i < ROUNDS; i++) digest = createHash('sha256').update(digest).update(data).digest();
  const words = data.toString('utf8').split(/\s+/).filter(Boolean).length;
  return { file: path.basename(args.file), words, digest: digest.toString('hex').slice(0, 12) };
}

/** A directory of `count` generated text files (when none is given). */
function sampleDirectory(count: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parallel-map-'));
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    writeFileSync(path.join(dir, `doc-${String(i).padStart(3, '0')}.txt`), `file ${i} `.repeat(2000 + i * 50));
  }
  return dir;
}

async function main(): Promise<void> {
  const given = process.argv[2];
  const dir = given ?? sampleDirectory(40);
  try {
    const files = readdirSync(dir).sort().map((f) => ({ file: path.join(dir, f) }));
    console.log(`files: ${files.length} in ${given ? dir : 'a sample directory'}`);

    await using cluster = await tractor.openActorCluster({ modules: [import.meta.url], count: 4 });
    // warm each actor up (its first call imports and compiles this module), as the local run below is warm
    await Promise.all([...cluster.portals.values()].map((p) => p.run(digestFile, files[0]!)));
    const t0 = performance.now();
    const results: Awaited<ReturnType<typeof digestFile>>[] = [];
    for await (const r of cluster.map(digestFile, files)) {
      results.push(r);
      if (results.length % 10 === 0 || results.length === files.length) console.log(`progress: ${results.length}/${files.length}`);
    }
    const clusterMs = performance.now() - t0;

    const t1 = performance.now();
    const local: typeof results = [];
    for (const f of files) local.push(await digestFile(f));
    const localMs = performance.now() - t1;

    const words = results.reduce((n, r) => n + r.words, 0);
    console.log(`words: ${words}; first: ${results[0]?.file} ${results[0]?.digest}`);
    console.log(`same results as one process: ${JSON.stringify(results) === JSON.stringify(local)}`);
    console.log(`cluster.map over 4 actors: ${clusterMs.toFixed(0)} ms; one process: ${localMs.toFixed(0)} ms; speed-up ${(localMs / clusterMs).toFixed(2)}x on ${os.availableParallelism()} cores`);
  } finally {
    if (!given) rmSync(dir, { recursive: true, force: true });
  }
}

if (tractor.isMain(import.meta)) tractor.run(main);
