/**
 * Bare child of the spawn and memory baselines: connect back to the parent
 * over TCP, send one frame saying who it is, then
 *  - mode `exit` (default): exit as soon as the frame is flushed;
 *  - mode `idle`: stay connected and idle until the parent closes the socket.
 *
 * argv: <port> <id> [exit|idle]
 */
import net from 'node:net';
import { frame } from './frames.ts';

const [port, id, mode = 'exit'] = process.argv.slice(2) as [string, string, string?];
const socket = net.connect(Number(port), '127.0.0.1', () => {
  socket.setNoDelay(true);
  const hello = frame({ id, pid: process.pid });
  if (mode === 'idle') socket.write(hello);
  else socket.end(hello, () => process.exit(0));
});
socket.on('error', () => process.exit(1));
socket.on('close', () => process.exit(0));
