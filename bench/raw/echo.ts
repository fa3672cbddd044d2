/**
 * Bare child of the ping-pong baselines (rpc.roundtrip, stream.pingpong):
 * connect back, say who it is, then decode every frame it receives and send
 * it back re-encoded, one write per frame, until the parent closes.
 *
 * argv: <port> <id>
 */
import net from 'node:net';
import { frame, FrameDecoder } from './frames.ts';

const [port, id] = process.argv.slice(2) as [string, string];
const socket = net.connect(Number(port), '127.0.0.1', () => {
  socket.setNoDelay(true);
  socket.write(frame({ id, pid: process.pid }));
});
const frames = new FrameDecoder((msg) => socket.write(frame(msg)));
socket.on('data', (chunk: Buffer) => frames.push(chunk));
socket.on('error', () => process.exit(1));
socket.on('close', () => process.exit(0));
