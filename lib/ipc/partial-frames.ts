/**
 * The deadline of partial frames: a connection that holds a frame begun and
 * not finished for longer than {@link partialFrameDeadline} is dropped, so a
 * peer that declares big frames and trickles their bytes cannot pin memory.
 * One unref'd timer for the whole process checks the connections that hold
 * a partial frame; a connection that completes its frame leaves the watch.
 */
import { TransportClosed } from '../errors.ts';
import type { FrameReader } from './framing.ts';

/** What the watch needs of a connection. */
interface Watched { readonly closed: boolean; abort(reason: Error): void }

/** How long a frame of `len` bytes may take to arrive: 10 s, plus 1 s per MiB (a slow link moving a big payload). */
export function partialFrameDeadline(len: number): number {
  return 10_000 + Math.ceil(len / (1024 * 1024)) * 1000;
}

const CHECK_EVERY_MS = 1000;
const watched = new Map<Watched, { reader: FrameReader; frame: number; since: number }>();
let timer: NodeJS.Timeout | undefined;

/** `conn`'s reader holds a partial frame: start its clock, unless this very frame is already being timed. */
export function watchPartialFrame(conn: Watched, reader: FrameReader): void {
  const w = watched.get(conn);
  if (w && w.frame === reader.frames) return;
  watched.set(conn, { reader, frame: reader.frames, since: performance.now() });
  timer ??= setInterval(check, CHECK_EVERY_MS).unref();
}

function check(): void {
  const now = performance.now();
  for (const [conn, w] of watched) {
    const len = w.reader.declared;
    if (conn.closed || len < 0 || w.reader.frames !== w.frame) watched.delete(conn);
    else if (now - w.since > partialFrameDeadline(len)) {
      watched.delete(conn);
      conn.abort(new TransportClosed(`dropping a connection that held a partial frame (${w.reader.pending} of ${len + 4} bytes) ` +
        `for over ${partialFrameDeadline(len)} ms`));
    }
  }
  if (watched.size === 0) {
    clearInterval(timer);
    timer = undefined;
  }
}
