/**
 * The bench suite: `npm run bench` (builds first; Node 20 through tsx, then
 * the pinned Node 24 natively, see scripts/bench.mjs), or `npx tsx bench/run.ts
 * [filter]` to run only the figures whose name contains `filter`.
 *
 * Each figure prints one JSON line on stdout:
 *   {"bench": NAME, "unit": U, "value": V, "baseline": B, "ratio": V/B, "node": VERSION}
 * measured next to its raw baseline in the same run (interleaved samples,
 * medians). Progress goes to stderr. The root actor is booted once here, so
 * no figure counts root boot.
 *
 * To add a bench: write a module exporting `figures` and `bench(want)` (see
 * `BenchModule` in lib.ts) and list it in MODULES. Endpoints go in
 * endpoints.ts (children import it; never bench code). Raw baselines live in
 * raw/baselines.ts: `rawSpawnOnce`/`rawSpawnConcurrent` (spawn), and long-lived
 * bare peers from `RawPeer.start(server, 'echo' | 'oneway' | 'idle')` with
 * `rawPingPongRate` (rpc, stream.pingpong) and `rawOnewayRate` / `peer.burst`
 * (stream.oneway.small with size 0, stream.oneway.64k with size 65536; the
 * bare child batches many frames per socket write).
 */
import * as tractor from 'tractor-ts';
import { type BenchModule, childrenOf, emit, log, now, sleep } from './lib.ts';
import * as auth from './auth.ts';
import * as codecExt from './codec-ext.ts';
import * as debug from './debug.ts';
import * as discovery from './discovery.ts';
import * as infected from './infected.ts';
import * as memory from './memory.ts';
import * as rpc from './rpc.ts';
import * as spawn from './spawn.ts';
import * as stream from './stream.ts';

const MODULES: BenchModule[] = [spawn, rpc, stream, memory, discovery, codecExt, auth, infected, debug];

async function main(): Promise<void> {
  const filter = process.argv[2];
  const want = (figure: string) => !filter || figure.includes(filter);
  const selected = MODULES.filter((m) => m.figures.some(want));
  if (selected.length === 0) {
    log(`no figure matches ${JSON.stringify(filter)}; figures: ${MODULES.flatMap((m) => m.figures).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const t0 = now();
  {
    await using _root = await tractor.openRoot({ name: 'bench' });
    for (const m of selected) {
      const t = now();
      for (const r of await m.bench(want)) {
        emit(r);
        const target = m.targets?.[r.bench];
        if (target) log(`${r.bench}: target ${target.text}: ${target.met(r) ? 'met' : 'MISSED'} (ratio ${r.ratio})`);
      }
      log(`${m.figures.filter(want).join(', ')} done in ${((now() - t) / 1000).toFixed(1)} s`);
    }
  }
  // Every process a bench started must be gone by now. tsx's own esbuild service is not ours, nor
  // the exited ones that tsx's loader thread in a Node 20 worker started (with a cold tsx cache) and
  // left unreaped when the worker ended: a thread's loop that ends does not wait for its children.
  const ours = () => childrenOf().filter((c) => !/[\\/]esbuild(\.exe)? --service|^\[esbuild\]$/.test(c.cmd));
  let left = ours();
  for (let i = 0; i < 20 && left.length; i++) {
    await sleep(100);
    left = ours();
  }
  if (left.length) {
    log(`FAIL: ${left.length} child process(es) still running after the benches:`);
    for (const c of left) {
      log(`  pid ${c.pid}: ${c.cmd}`);
      try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    process.exitCode = 1;
  }
  log(`total ${((now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((err) => {
  log(tractor.formatError(err));
  process.exitCode = 1;
});
