// Soak cycles (used by spec/runtime/soak.test.ts and scripts/chaos.ts): spawn
// an actor, call it, then cancel it with a call still in flight, over and
// over, one at a time or in batches, in this process's root; and what the
// process holds after each stretch: open fds, live child processes, and the
// heap after a full GC.
import { readdirSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as tractor from 'tractor-ts';
import { add, CORE, sleepForever } from './fixtures/core.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** What this process holds now. */
export interface Holdings { fds: number; children: number; heapMiB: number }

export async function holdings(): Promise<Holdings> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return { fds: readdirSync('/proc/self/fd').length, children: liveChildren(), heapMiB: process.memoryUsage().heapUsed / 2 ** 20 };
}

/** Processes whose parent is this one (from /proc: the OS's view, not the library's). */
function liveChildren(): number {
  let n = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid && fields[0] !== 'Z') n++;
    } catch { /* gone meanwhile */ }
  }
  return n;
}

/**
 * `count` cycles in `an`, `batch` at a time: spawn, call `add` (checked),
 * start a call that never ends, cancel the actor (the call rejects), reap.
 */
export async function soakCycles(an: tractor.ActorNursery, count: number, batch: number, tag: string): Promise<void> {
  for (let done = 0; done < count; done += batch) {
    const n = Math.min(batch, count - done);
    await Promise.all(Array.from({ length: n }, (_, i) => oneCycle(an, `${tag}-${done + i}`, done + i)));
  }
}

async function oneCycle(an: tractor.ActorNursery, name: string, i: number): Promise<void> {
  const portal = await an.startActor(name, { enableModules: [CORE] });
  const sum = await portal.run(add, { a: i, b: 1 });
  if (sum !== i + 1) throw new Error(`cycle ${i}: add gave ${sum}`);
  const pending = portal.run(sleepForever);
  pending.catch(() => {});
  await portal.cancelActor();
  const outcome = await pending.then(() => 'returned', (e: Error) => e.name);
  if (outcome === 'returned') throw new Error(`cycle ${i}: a call in flight returned from a cancelled actor`);
}

/** One figure of a soak run: what the process holds after `cycles` cycles of `mode`, against the start. */
export interface SoakFigure extends Holdings { mode: string; cycles: number; dFds: number; dChildren: number; dHeapMiB: number }

/**
 * Run `total` cycles `batch` at a time after `warmup` cycles (caches and
 * compiled code are not growth), reporting what is held every `every`
 * cycles. Children are counted once they are reaped: the figure waits (bounded) for the
 * count to come back down.
 */
export async function soak(an: tractor.ActorNursery, opts: { mode: string; total: number; batch: number; warmup: number; every: number }, report: (f: SoakFigure) => void): Promise<SoakFigure[]> {
  const before = await holdings();
  await soakCycles(an, opts.warmup, opts.batch, `${opts.mode}-warm`);
  // The base too counts children once reaped: a cancelled actor acknowledges before it exits.
  let base = await holdings();
  for (let i = 0; i < 50 && base.children > before.children; i++) {
    await new Promise((r) => setTimeout(r, 100));
    base = await holdings();
  }
  const figures: SoakFigure[] = [];
  for (let done = 0; done < opts.total;) {
    const n = Math.min(opts.every, opts.total - done);
    await soakCycles(an, n, opts.batch, `${opts.mode}-${done}`);
    done += n;
    let now = await holdings();
    for (let i = 0; i < 50 && now.children > base.children; i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = await holdings();
    }
    const f = { mode: opts.mode, cycles: done, ...now, dFds: now.fds - base.fds, dChildren: now.children - base.children, dHeapMiB: +(now.heapMiB - base.heapMiB).toFixed(2) };
    figures.push(f);
    report(f);
  }
  return figures;
}
