/**
 * A prewarmed spare's rehearsal (spawn/spare.ts): before it is taken, it
 * runs the code of a spawn's first exchange once, over a loopback connection
 * to itself (connect, `Aid` handshake, a `SpawnSpec`, a call and its result),
 * served by a throwaway runtime (never this process's actor), so that V8
 * has compiled those functions before a spawn needs them. Node's
 * compile cache keeps only what a module compiles as it loads; every
 * function first called later is compiled on that first call, and in a spare
 * taken by a spawn that was most of the spawn's own work. Nothing of it
 * outlives the rehearsal: no actor, no runtime state, no listener.
 */
import net from 'node:net';
import { answer, greet } from '../ipc/auth.ts';
import { Channel } from '../ipc/channel.ts';
import type { Msg } from '../msg/types.ts';
import { PLD_SPEC_ANY } from '../msg/types.ts';
import { ActorRuntime } from '../runtime/actor.ts';
import { serveStart } from '../runtime/serve.ts';
import { parseRuntimeVars } from '../runtime/state.ts';
import { withTimeout } from '../runtime/timing.ts';

const ROLE = { name: 'rehearsal', uuid: '00000000-0000-4000-8000-000000000000', pid: process.pid };
const TIMEOUT_MS = 2000;
/**
 * The module of the function the rehearsal calls (spawn/rehearsal.ts), beside
 * this file in lib/ and beside the spare's entry (which holds this code) in dist/.
 */
const REHEARSAL_MODULE = new URL(import.meta.url.endsWith('.ts') ? './rehearsal.ts' : './rehearsal.js', import.meta.url).href;

/** Rehearse a spawn's first exchange; a failure only means a slower spawn, so it is never raised. */
export async function rehearse(): Promise<void> {
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const accepted = new Promise<Channel>((resolve) => server.once('connection', (s) => resolve(new Channel(s))));
    const { port } = server.address() as net.AddressInfo;
    const [child, parent] = await Promise.all([Channel.connect(`tcp://127.0.0.1:${port}`), accepted]);
    try {
      await Promise.all([greet(child, ROLE, { timeoutMs: TIMEOUT_MS }), answer(parent, ROLE, TIMEOUT_MS, () => undefined)]);
      await exchange(parent, child);
    } finally {
      child.close();
      parent.close();
    }
  } catch { /* only speed is lost */ } finally {
    server.close();
  }
}

/** The messages of one spawn, one call and the cancel that ends the actor, served by a runtime of its own. */
async function exchange(parent: Channel, child: Channel): Promise<void> {
  const vars = { isRoot: false, debugMode: false, registryAddrs: ['tcp://127.0.0.1:1'], loglevel: 'warning', startMethod: 'prewarm', enableTransports: ['tcp'], depth: 1 };
  parent.send({
    msg_type: 'SpawnSpec', name: ROLE.name, uuid: ROLE.uuid, enable_modules: [REHEARSAL_MODULE], reg_addrs: [], bind_addrs: [],
    _runtime_vars: vars, _parent_main_data: { main_url: null },
  });
  const spec = await child.recv();
  if (spec.msg_type !== 'SpawnSpec') return;
  parseRuntimeVars(spec._runtime_vars);
  const actor = new ActorRuntime({ name: ROLE.name, uuid: ROLE.uuid, enableModules: spec.enable_modules });
  actor.serveStart = (chan, msg) => void serveStart(actor, chan, msg);
  actor.serveChannel(child);
  try {
    const ns = [...actor.enableModules][0]!;
    const uid: [string, string] = [ROLE.name, ROLE.uuid];
    parent.send({ msg_type: 'Start', cid: 'rehearsal:1', ns, func: 'rehearsal', kwargs: { a: 1 }, uid, pld_spec: PLD_SPEC_ANY });
    await replies(parent, 2); // StartAck, Return
    parent.send({ msg_type: 'Start', cid: 'rehearsal:2', ns: 'self', func: 'cancel', kwargs: {}, uid, pld_spec: PLD_SPEC_ANY });
    await replies(parent, 2); // StartAck, CancelAck
  } finally {
    await actor.close();
  }
}

async function replies(chan: Channel, n: number): Promise<Msg[]> {
  const out: Msg[] = [];
  while (out.length < n) {
    out.push(await withTimeout(chan.recv(), TIMEOUT_MS, () => {
      throw new Error('the rehearsal got no reply');
    }));
  }
  return out;
}
