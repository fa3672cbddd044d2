/**
 * debug.off.overhead: sequential `portal.run(echo, { x: 1 })` on a daemon
 * actor of a tree NOT in debug mode, calls/s; baseline: framed msgpack
 * ping-pong with a bare child (as rpc.roundtrip). Debug mode off installs
 * nothing (no hook, no inspector session, no lock thread), so this is the
 * cost of a build without the debugger: its ratio is rpc.roundtrip's.
 *
 * debug.idle.overhead: the same calls on a daemon spawned with `debugMode:
 * true` and idle (nobody at a REPL: the tree's TTY lock thread runs in both
 * processes, the child's output goes through the root's gate), vs the same
 * baseline. Both figures are sampled in the same rounds, in rotating order,
 * so their ratios compare: what debug mode costs while nobody debugs.
 */
import * as tractor from 'tractor-ts';
import { echo } from './endpoints.ts';
import { log, median, rate, type Result, result } from './lib.ts';
import { FrameServer, RawPeer, rawPingPongRate } from './raw/baselines.ts';

export const figures = ['debug.off.overhead', 'debug.idle.overhead'];
const ENDPOINTS = new URL('./endpoints.ts', import.meta.url).href;
const SAMPLE_MS = 2000;
const ROUNDS = 4;

export async function bench(want: (figure: string) => boolean): Promise<Result[]> {
  if (!figures.some(want)) return [];
  const server = await FrameServer.open();
  const raw = await RawPeer.start(server, 'echo');
  try {
    await using an = await tractor.openNursery({ enableModules: [ENDPOINTS] });
    const off = await an.startActor('echo_off', { enableModules: [ENDPOINTS] });
    const idle = await an.startActor('echo_idle', { enableModules: [ENDPOINTS], debugMode: true });
    const msg = { x: 1 };
    const sides: Record<'off' | 'idle' | 'raw', () => Promise<number>> = {
      off: () => rate(SAMPLE_MS, () => off.run(echo, msg)),
      idle: () => rate(SAMPLE_MS, () => idle.run(echo, msg)),
      raw: () => rawPingPongRate(raw, msg, SAMPLE_MS),
    };
    const order = ['off', 'raw', 'idle'] as const;
    for (const k of order) await sides[k](); // warm every path up (JIT, resolve cache), unmeasured
    const s: Record<string, number[]> = { off: [], idle: [], raw: [] };
    for (let i = 0; i < ROUNDS; i++) {
      for (let j = 0; j < order.length; j++) {
        const k = order[(i + j) % order.length]!;
        s[k]!.push(await sides[k]());
      }
    }
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
    log(`debug.*.overhead calls/s: off [${fmt(s.off!)}] idle [${fmt(s.idle!)}] raw [${fmt(s.raw!)}]`);
    await off.cancelActor();
    await idle.cancelActor();
    const base = median(s.raw!);
    return [
      result('debug.off.overhead', 'calls/s', median(s.off!), base),
      result('debug.idle.overhead', 'calls/s', median(s.idle!), base),
    ].filter((r) => want(r.bench));
  } finally {
    await raw.close();
    await server.close();
  }
}
