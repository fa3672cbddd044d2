/**
 * auth.overhead and tls.overhead: what cookie authentication and TLS cost,
 * each against the same tree without, in the same run. A process has one
 * root, so each side is a root process of its own (bench/auth-peer.ts),
 * sampled in turn (interleaved, medians):
 *   auth.overhead.rpc.roundtrip    calls/s with a cookie vs without (target: ratio >= 0.97, nothing per call)
 *   auth.overhead.spawn.runInActor ms with a cookie vs without (target: ratio <= 1.03)
 *   auth.overhead.connect          ms per new connection + handshake with vs without (target: < 5 ms more)
 *   tls.overhead.rpc.roundtrip     calls/s over TLS vs plain TCP
 * TLS needs the openssl command (certificates made for the run); without it
 * tls.overhead is skipped, saying so.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { makeCerts, opensslUnavailable } from '../spec/tls-helpers.ts';
import { freePort } from '../spec/discovery-helpers.ts';
import { interleave, log, median, type Result, result, type Target } from './lib.ts';

export const figures = ['auth.overhead.rpc.roundtrip', 'auth.overhead.spawn.runInActor', 'auth.overhead.connect', 'tls.overhead.rpc.roundtrip'];
export const targets: Record<string, Target> = {
  'auth.overhead.rpc.roundtrip': { text: 'ratio >= 0.97', met: (r) => r.ratio >= 0.97 },
  'auth.overhead.spawn.runInActor': { text: 'ratio <= 1.03', met: (r) => r.ratio <= 1.03 },
  'auth.overhead.connect': { text: 'under 5 ms more per connection', met: (r) => r.value - r.baseline < 5 },
};
const PEER = new URL('./auth-peer.ts', import.meta.url).pathname;
const SAMPLE_MS = 2000;

interface Peer { ask(cmd: string): Promise<number>; close(): Promise<void> }

async function startPeer(mode: string, env: Record<string, string> = {}): Promise<Peer> {
  const proc: ChildProcess = spawn(process.execPath, [...process.execArgv, PEER, mode], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_REGISTRY: `tcp://127.0.0.1:${await freePort()}`, ...env },
  });
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error(`auth peer '${mode}' exited`);
    return r.value;
  };
  if ((await next()) !== 'ready') throw new Error(`auth peer '${mode}' did not start`);
  const exited = new Promise((r) => proc.once('exit', r));
  return {
    ask: async (cmd) => {
      proc.stdin!.write(`${cmd}\n`);
      return Number(await next());
    },
    close: async () => {
      proc.stdin!.end();
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export async function bench(want: (figure: string) => boolean): Promise<Result[]> {
  const out: Result[] = [];
  const plain = await startPeer('plain');
  try {
    if (figures.slice(0, 3).some(want)) {
      const cookie = await startPeer('cookie');
      try {
        if (want('auth.overhead.rpc.roundtrip')) {
          const s = await interleave('auth.overhead.rpc.roundtrip calls/s', { pairs: 8, warmup: 1 },
            () => cookie.ask(`rpc ${SAMPLE_MS}`), () => plain.ask(`rpc ${SAMPLE_MS}`));
          out.push(result('auth.overhead.rpc.roundtrip', 'calls/s', median(s.lib), median(s.raw)));
        }
        if (want('auth.overhead.spawn.runInActor')) {
          const s = await interleave('auth.overhead.spawn.runInActor ms', { pairs: 12, warmup: 2, budgetMs: 30_000 },
            () => cookie.ask('spawn'), () => plain.ask('spawn'));
          out.push(result('auth.overhead.spawn.runInActor', 'ms', median(s.lib), median(s.raw)));
        }
        if (want('auth.overhead.connect')) {
          const s = await interleave('auth.overhead.connect ms', { pairs: 6, warmup: 1 },
            () => cookie.ask('connect 50'), () => plain.ask('connect 50'));
          out.push(result('auth.overhead.connect', 'ms', median(s.lib), median(s.raw)));
        }
      } finally {
        await cookie.close();
      }
    }
    if (want('tls.overhead.rpc.roundtrip')) {
      const why = opensslUnavailable();
      if (why) log(`tls.overhead skipped: ${why}`);
      else {
        const certs = makeCerts(['127.0.0.1']);
        const secure = await startPeer('tls', { BENCH_TLS_DIR: certs.member });
        try {
          const s = await interleave('tls.overhead.rpc.roundtrip calls/s', { pairs: 6, warmup: 1 },
            () => secure.ask(`rpc ${SAMPLE_MS}`), () => plain.ask(`rpc ${SAMPLE_MS}`));
          out.push(result('tls.overhead.rpc.roundtrip', 'calls/s', median(s.lib), median(s.raw)));
        } finally {
          await secure.close();
          certs.close();
        }
      }
    }
  } finally {
    await plain.close();
  }
  return out;
}
