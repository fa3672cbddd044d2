/**
 * Context streams against their raw baselines, one daemon actor for all three:
 *
 * - stream.pingpong: sequential round trips over one open context stream
 *   (parent `send` then `receive`, the child echoes every message with a
 *   `for await` loop), round trips/s over a fixed time per sample; baseline:
 *   framed msgpack ping-pong with a bare echo child.
 * - stream.oneway.small: one context per sample whose child sends `n` small
 *   numbers as fast as `await stream.send(i)` goes and returns; the parent
 *   counts them with `for await` and waits for the result. msgs/s from
 *   `openContext` to the result. Baseline: a bare child writing `n` small
 *   frames batched ~64 KiB per socket write.
 * - stream.oneway.64k: the same with a 64 KiB Uint8Array per message, in MB/s
 *   of payload (10^6 bytes); baseline: the bare child's 64 KiB frames.
 *
 * Streams are opened with the default `msgBufferSize` (64): the figures are
 * what a user gets without tuning.
 */
import * as tractor from 'tractor-ts';
import { streamEcho, streamSource } from './endpoints.ts';
import { interleave, log, median, now, rate, type Result, result, type Target } from './lib.ts';
import { FrameServer, RawPeer, rawOnewayRate, rawPingPongRate } from './raw/baselines.ts';

export const figures = ['stream.pingpong', 'stream.oneway.small', 'stream.oneway.64k'];
export const targets: Record<string, Target> = {
  'stream.pingpong': { text: 'ratio >= 0.6', met: (r) => r.ratio >= 0.6 },
  'stream.oneway.small': { text: 'ratio >= 0.3', met: (r) => r.ratio >= 0.3 },
  'stream.oneway.64k': { text: 'ratio >= 0.7', met: (r) => r.ratio >= 0.7 },
};
const ENDPOINTS = new URL('./endpoints.ts', import.meta.url).href;
const env = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
/** Per-sample sizes: a sample takes ~0.3-1 s (env overrides are for tuning only). */
const PINGPONG_MS = env('BENCH_STREAM_PINGPONG_MS', 1000);
const SMALL_N = env('BENCH_STREAM_SMALL_N', 200_000);
const BIG_N = env('BENCH_STREAM_BIG_N', 10_000);
const BIG = 64 * 1024;
const PINGPONG_MSG = { x: 1 };

/** One context of `streamSource`: from `openContext` to the child's result, every message counted; msgs/s. */
async function libOnewayRate(portal: tractor.Portal, n: number, size: number): Promise<number> {
  const t0 = now();
  await using ctx = await portal.openContext(streamSource, { n, size });
  await using stream = await ctx.openStream();
  let seen = 0;
  for await (const _ of stream) seen++;
  const sent = await ctx.waitForResult();
  const ms = now() - t0;
  if (seen !== n || sent !== n) throw new Error(`stream.oneway: expected ${n} messages, received ${seen} (child sent ${String(sent)})`);
  return (n / ms) * 1000;
}

export async function bench(want: (figure: string) => boolean): Promise<Result[]> {
  const out: Result[] = [];
  const server = await FrameServer.open();
  try {
    await using an = await tractor.openNursery({ enableModules: [ENDPOINTS] });
    const portal = await an.startActor('streamer', { enableModules: [ENDPOINTS] });

    if (want('stream.pingpong')) {
      const raw = await RawPeer.start(server, 'echo');
      try {
        await using ctx = await portal.openContext(streamEcho, {});
        await using stream = await ctx.openStream();
        const roundtrip = async () => {
          await stream.send(PINGPONG_MSG);
          await stream.receive();
        };
        // Warm both paths up (JIT) before the measured samples.
        await rate(1000, roundtrip);
        await rawPingPongRate(raw, PINGPONG_MSG, 1000);
        // Many short samples rather than a few long ones: the median then shrugs off a burst of load on a shared machine.
        const s = await interleave('stream.pingpong roundtrips/s', { pairs: 11, warmup: 0, budgetMs: 24_000, minPairs: 5 },
          () => rate(PINGPONG_MS, roundtrip),
          () => rawPingPongRate(raw, PINGPONG_MSG, PINGPONG_MS));
        out.push(result('stream.pingpong', 'roundtrips/s', median(s.lib), median(s.raw)));
      } finally {
        await raw.close();
      }
    }

    const oneway = async (figure: string, n: number, size: number, unit: string, scale: number) => {
      if (!want(figure)) return;
      const raw = await RawPeer.start(server, 'oneway');
      try {
        const s = await interleave(`${figure} ${unit}`, { pairs: 9, warmup: 1, budgetMs: 22_000, minPairs: 5 },
          async () => (await libOnewayRate(portal, n, size)) * scale,
          async () => (await rawOnewayRate(raw, n, size)) * scale);
        out.push(result(figure, unit, median(s.lib), median(s.raw)));
      } finally {
        await raw.close();
      }
    };
    await oneway('stream.oneway.small', SMALL_N, 0, 'msgs/s', 1);
    await oneway('stream.oneway.64k', BIG_N, BIG, 'MB/s', BIG / 1e6);
  } finally {
    await server.close();
  }
  if (out.length) log(`stream: samples of ${SMALL_N} small / ${BIG_N} x 64 KiB messages, ping-pong ${PINGPONG_MS} ms`);
  return out;
}
