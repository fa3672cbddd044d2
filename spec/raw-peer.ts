// A raw TCP peer for specs that feed hostile bytes to a live actor: frames
// what it is given, collects (and decodes) what the actor sends back; and the
// live actor itself (liveTarget), with the check that it still serves.
import { decode, encode } from '@msgpack/msgpack';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import * as tractor from 'tractor-ts';
import { add, CORE, whoami } from './fixtures/core.ts';
import { isAlive } from './helpers.ts';

export const RAW_AID = { msg_type: 'Aid', name: 'raw-peer', uuid: '00000000-0000-4000-8000-000000000000', pid: process.pid };

/** One frame: 4-byte little-endian length, then `body` (msgpack-encoded unless given as bytes). */
export function frame(value: unknown): Buffer {
  const body = Buffer.isBuffer(value) ? value : Buffer.from(encode(value));
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length);
  return Buffer.concat([head, body]);
}

export class RawPeer {
  readonly socket: net.Socket;
  readonly frames: Record<string, unknown>[] = [];
  readonly closed: Promise<void>;
  #buf = Buffer.alloc(0);

  /** Connect to `addr`, or take a socket already connected (the accepting side of a fake parent). */
  constructor(addr: string | net.Socket) {
    if (typeof addr === 'string') {
      const m = /^tcp:\/\/(.+):(\d+)$/.exec(addr)!;
      this.socket = net.connect(Number(m[2]), m[1]!);
    } else this.socket = addr;
    this.socket.on('error', () => {});
    this.socket.on('data', (chunk: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, chunk]);
      while (this.#buf.length >= 4 && this.#buf.length >= 4 + this.#buf.readUInt32LE(0)) {
        const len = this.#buf.readUInt32LE(0);
        this.frames.push(decode(this.#buf.subarray(4, 4 + len)) as Record<string, unknown>);
        this.#buf = this.#buf.subarray(4 + len);
      }
    });
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  static async open(addr: string): Promise<RawPeer> {
    const peer = new RawPeer(addr);
    await new Promise<void>((resolve, reject) => {
      peer.socket.once('connect', resolve);
      peer.socket.once('error', reject);
    });
    return peer;
  }

  write(data: Buffer): void {
    this.socket.write(data);
  }

  /** Send our Aid and wait for the actor's. */
  async handshake(): Promise<Record<string, unknown>> {
    this.write(frame(RAW_AID));
    const reply = await this.nextFrame();
    if (reply.msg_type !== 'Aid') throw new Error(`expected an Aid, got ${String(reply.msg_type)}`);
    return reply;
  }

  /** True if the actor dropped the connection within `ms`. */
  async dropped(ms = 3000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
    clearTimeout(timer);
    return r;
  }

  async nextFrame(ms = 3000): Promise<Record<string, unknown>> {
    const until = Date.now() + ms;
    while (!this.frames.length) {
      if (Date.now() > until) throw new Error('no frame from the actor');
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.frames.shift()!;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Resident memory of process `pid`, in MiB (Linux). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A live actor to feed raw input to: a child ('target', serving fixtures/core.ts) of a nursery in this process. */
export interface LiveTarget {
  readonly portal: tractor.Portal;
  /** Its TCP listener (`tcp://127.0.0.1:PORT`). */
  readonly addr: string;
  readonly pid: number;
  /** Assert that it is alive and still answers RPC over its original channel, after `what`. */
  stillServing(what: string): Promise<void>;
  /** Tear it down, and check that its process is gone. */
  close(): Promise<void>;
}

/** Start a {@link LiveTarget} (in a spec's `before`; `close()` it in `after`). */
export async function liveTarget(): Promise<LiveTarget> {
  const an = await tractor.openNursery({ enableModules: [CORE] });
  const portal = await an.startActor('target');
  const { addrs, pid } = await portal.run(whoami);
  const addr = addrs[0]!;
  assert.match(addr, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  return {
    portal, addr, pid,
    async stillServing(what) {
      assert.ok(isAlive(pid), `the actor is alive after ${what}`);
      assert.equal(await portal.run(add, { a: 20, b: 22 }), 42, `the actor still answers after ${what}`);
    },
    async close() {
      await an[Symbol.asyncDispose]();
      assert.equal(isAlive(pid), false, 'the target actor is gone');
    },
  };
}
