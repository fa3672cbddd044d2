/**
 * rpc.roundtrip: sequential `portal.run(echo, { x: 1 })` on a daemon actor,
 * calls/s over a fixed time per sample; baseline: framed msgpack ping-pong
 * with a bare child that echoes every frame.
 */
import * as tractor from 'tractor-ts';
import { echo } from './endpoints.ts';
import { interleave, median, rate, type Result, result, type Target } from './lib.ts';
import { FrameServer, RawPeer, rawPingPongRate } from './raw/baselines.ts';

export const figures = ['rpc.roundtrip'];
export const targets: Record<string, Target> = {
  'rpc.roundtrip': { text: 'ratio >= 0.6', met: (r) => r.ratio >= 0.6 },
};
const ENDPOINTS = new URL('./endpoints.ts', import.meta.url).href;
const SAMPLE_MS = 2000;

export async function bench(want: (figure: string) => boolean): Promise<Result[]> {
  if (!want('rpc.roundtrip')) return [];
  const server = await FrameServer.open();
  const raw = await RawPeer.start(server, 'echo');
  try {
    await using an = await tractor.openNursery({ enableModules: [ENDPOINTS] });
    const portal = await an.startActor('echo', { enableModules: [ENDPOINTS] });
    const msg = { x: 1 };
    // Warm both paths up (JIT, resolve cache) before the measured samples.
    await rate(1000, () => portal.run(echo, msg));
    await rawPingPongRate(raw, msg, 1000);
    const s = await interleave('rpc.roundtrip calls/s', { pairs: 4, warmup: 0 },
      () => rate(SAMPLE_MS, () => portal.run(echo, msg)),
      () => rawPingPongRate(raw, msg, SAMPLE_MS));
    return [result('rpc.roundtrip', 'calls/s', median(s.lib), median(s.raw))];
  } finally {
    await raw.close();
    await server.close();
  }
}
