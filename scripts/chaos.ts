// `npm run chaos [rounds] [seed]`: the long chaos run. Each round opens the
// 10-actor streaming tree of spec/fixtures/chaos-tree.ts, SIGKILLs one of its
// actors (chosen by the seed) at a moment chosen by the seed, and prints one
// JSON line: what the root got, how long the cause took, and what survived.
// A round that gets no error, a SuppressedError, a bare EndOfStream, takes
// 10 s or more, or leaves a process alive is a failure (exit code 1).
import { chaosRound } from '../spec/chaos-round.ts';

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
process.exitCode = failed ? 1 : 0;
