/**
 * Bare child of the one-way throughput baselines (stream.oneway.*): connect
 * back, say who it is, then for every command frame `{ n, size }` send `n`
 * msgpack frames `{ i, pld }` (`pld` a `size`-byte Uint8Array, or the small
 * string 'x' when size is 0) as fast as possible: frames are batched, many per
 * `socket.write` (up to ~64 KiB a write), honouring backpressure.
 *
 * argv: <port> <id>
 */
import net from 'node:net';
import { appendFrame, frame, FrameDecoder } from './frames.ts';

const BATCH_BYTES = 64 * 1024;
const [port, id] = process.argv.slice(2) as [string, string];
const socket = net.connect(Number(port), '127.0.0.1', () => {
  socket.setNoDelay(true);
  socket.write(frame({ id, pid: process.pid }));
});

let busy = Promise.resolve();
const frames = new FrameDecoder((cmd) => {
  const { n, size } = cmd as { n: number; size: number };
  busy = busy.then(() => sendBurst(n, size));
});
socket.on('data', (chunk: Buffer) => frames.push(chunk));
socket.on('error', () => process.exit(1));
socket.on('close', () => process.exit(0));

async function sendBurst(n: number, size: number): Promise<void> {
  const pld = size > 0 ? new Uint8Array(size).fill(7) : 'x';
  let buf: Buffer = Buffer.allocUnsafe(BATCH_BYTES + size + 64);
  let off = 0;
  for (let i = 0; i < n; i++) {
    [buf, off] = appendFrame(buf, off, { i, pld });
    if (off >= BATCH_BYTES || i === n - 1) {
      // The written region belongs to the socket from now on: start a fresh batch buffer.
      const full = socket.write(buf.subarray(0, off));
      buf = Buffer.allocUnsafe(BATCH_BYTES + size + 64);
      off = 0;
      if (!full) await new Promise<void>((resolve) => socket.once('drain', resolve));
    }
  }
}
