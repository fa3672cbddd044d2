// `npm run chaos [rounds] [seed] [soakCycles]`: the long fault runs.
//
// Chaos: each round opens the
// 10-actor streaming tree of spec/fixtures/chaos-tree.ts, SIGKILLs one of its
// actors (chosen by the seed) at a moment chosen by the seed, and prints one
// JSON line: what the root got, how long the cause took, and what survived.
// A round that gets no error, a SuppressedError, a bare EndOfStream, takes
// 10 s or more, or leaves a process alive is a failure (exit code 1).
//
// Soak: then `soakCycles` (default 1,000) spawn-call-cancel cycles one at a
// time, and as many in batches of 10 (spec/soak-cycles.ts), one JSON line
// every 100 cycles: fds, child processes and heap against the start. Growth
// beyond a constant (a child left, 4+ fds, 8+ MiB of heap) is a failure.
import * as tractor from 'tractor-ts';
import { chaosRound } from '../spec/chaos-round.ts';
import { soak } from '../spec/soak-cycles.ts';

const rounds = Number(process.argv[2] ?? 20);
const seed = Number(process.argv[3] ?? 9);
let failed = 0;
for (let round = 0; round < rounds; round++) {
  const s = seed * 1000 + round;
  const hung = setTimeout(() => {
    console.log(JSON.stringify({ bench: 'chaos.round', seed: s, hung: true }));
    process.exit(1);
  }, 60_000);
  const r = await chaosRound(s);
  clearTimeout(hung);
  const ok = r.error && r.errorName !== 'SuppressedError' && !r.endOfStream && r.causeMs < 10_000 && r.survivors.length === 0;
  if (!ok) failed++;
  console.log(JSON.stringify({ bench: 'chaos.round', ok, ...r }));
}
console.log(JSON.stringify({ bench: 'chaos', rounds, failed, seed }));

const soakCycles = Number(process.argv[4] ?? 1000);

/** One soak mode in a root of its own; true if what the process holds grew beyond the bounds. */
async function soakGrew(mode: string, batch: number): Promise<boolean> {
  await using an = await tractor.openNursery();
  const figures = await soak(an, { mode, total: soakCycles, batch, warmup: 10, every: 100 }, (f) => console.log(JSON.stringify({ bench: 'soak', ...f })));
  const last = figures.at(-1);
  return !!last && (last.dChildren > 0 || last.dFds > 4 || last.dHeapMiB >= 8);
}

const grew = (await soakGrew('one at a time', 1)) || (await soakGrew('batched', 10));
console.log(JSON.stringify({ bench: 'soak', cycles: soakCycles, grew }));
process.exitCode = failed || grew ? 1 : 0;
