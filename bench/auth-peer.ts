/**
 * A root of its own for the auth.overhead and tls.overhead benches (one root
 * per process, so "with a cookie" and "without" are two processes, sampled
 * in turn by bench/auth.ts). argv[2]: 'plain' | 'cookie' | 'tls' (TLS
 * identity from the directory BENCH_TLS_DIR). It runs a daemon child and
 * answers one stdin command per line with one stdout number:
 *   rpc MS     sequential portal.run(echo) calls/s over MS ms
 *   spawn      ms of one runInActor actor, nursery open to exit
 *   connect N  median ms of a new connection to the child and its handshake, over N
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import * as tractor from 'tractor-ts';
// The handshake itself, from the same module instance the runtime uses (dist).
import { Channel, greet } from '../dist/internal.js';
import { echo, listenAddrs, trivial } from './endpoints.ts';
import { median, rate, timed } from './lib.ts';

const ENDPOINTS = new URL('./endpoints.ts', import.meta.url).href;
const mode = process.argv[2];
const dir = process.env.BENCH_TLS_DIR;
const tls = mode === 'tls' && dir
  ? { cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'), key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), ca: readFileSync(path.join(dir, 'ca.pem'), 'utf8') }
  : undefined;

async function main(): Promise<void> {
  await using an = await tractor.openNursery({ enableModules: [ENDPOINTS] });
  const portal = await an.startActor('echo', { enableModules: [ENDPOINTS] });
  const childAddr = (await portal.run(listenAddrs)).find((a) => a.startsWith('tcp://'))!;
  const self = { name: 'bench-connect', uuid: tractor.currentActor().uid[1], pid: process.pid };
  const msg = { x: 1 };
  const connectOnce = async () => {
    const chan = await Channel.connect(childAddr);
    await greet(chan, self, { timeoutMs: 5000 });
    chan.close();
  };
  console.log('ready');
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, arg] = line.split(' ');
    let v: number;
    if (cmd === 'rpc') v = await rate(Number(arg), () => portal.run(echo, msg));
    else if (cmd === 'spawn') {
      v = await timed(async () => {
        await using inner = await tractor.openNursery({ enableModules: [ENDPOINTS] });
        await (await inner.runInActor(trivial, {})).waitForResult();
      });
    } else if (cmd === 'connect') {
      const xs: number[] = [];
      for (let i = 0; i < Number(arg); i++) xs.push(await timed(connectOnce));
      v = median(xs);
    } else break;
    console.log(String(v));
  }
}

if (tractor.isMain(import.meta)) {
  tractor.run(main, {
    name: `bench-${mode}`, enableModules: [ENDPOINTS], registryAddrs: [process.env.BENCH_REGISTRY!],
    cookie: mode === 'cookie' ? 'bench-cookie-0123456789abcdef' : undefined, tls,
  });
}
