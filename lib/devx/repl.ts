/**
 * The debug-mode REPL, pdb-like: `pause()` (stop the calling task at that
 * line, in its frame), `postMortem(err)` (a REPL on an error, no live
 * frames), and the crash hook the runtime calls when an error escapes a task
 * in a debug-mode actor. One REPL at a time in the whole tree: each takes the
 * TTY lock (tty-lock.ts) first. Commands are read synchronously from fd 0,
 * one byte at a time, so a pipe that several actors share never hands a
 * command to an actor that is not at the prompt.
 */
import { fs, util } from '../builtins.ts';
import { DebuggerQuit, formatError, RemoteActorError, RuntimeUsageError } from '../errors.ts';
import { currentActor, getRuntime } from '../runtime/current.ts';
import { fmtUid } from '../uid.ts';
import { currentScope, type Scope } from '../runtime/scope.ts';
import { getRuntimeVars } from '../runtime/state.ts';
import { type CallFrame, debuggerSession, evaluateInFrame, isLibraryFile, isUserFrame, type Place, placeOf, sourceLines, step } from './inspector.ts';
import { acquireTty, releaseTty, termFd } from './tty-lock.ts';

const HELP = `Commands:
  c, continue     resume (a crashed task then fails as before)
  n, next         run to the next line of this function
  s, step         step into the next call
  r, return       run until this function returns
  w, where, bt    show the stack
  u, up           select the caller's frame
  d, down         select the callee's frame
  l, list         show the source around the current line
  p EXPR          print EXPR, evaluated in the selected frame (any other line is evaluated too)
  q, quit         raise DebuggerQuit in the stopped task
  h, help         this help
Post mortem (a crash): no live frames; expressions see \`err\` and \`actor\`.
`;

type Action = 'continue' | 'next' | 'step' | 'return' | 'quit';

function write(s: string): void {
  const fd = termFd(getRuntimeVars().isRoot);
  try {
    fs().writeSync(fd, s);
  } catch {
    fs().writeSync(2, s);
  }
}

let stdinDone = false;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** One line from fd 0, read byte by byte (never more than the line); null at end of input. */
function readLine(): string | null {
  if (stdinDone) return null;
  const byte = Buffer.alloc(1);
  const bytes: number[] = [];
  for (;;) {
    let n: number;
    try {
      n = fs().readSync(0, byte, 0, 1, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EINTR') {
        Atomics.wait(sleeper, 0, 0, 10);
        continue;
      }
      n = 0;
    }
    if (n === 0) {
      if (bytes.length) break;
      stdinDone = true;
      return null;
    }
    if (byte[0] === 0x0a) break;
    bytes.push(byte[0]!);
  }
  return Buffer.from(bytes).toString('utf8').replace(/\r$/, '');
}

function prompt(): string | null {
  write(`(tractor-ts ${getRuntime()?.name ?? '?'}) `);
  const line = readLine();
  if (line === null) write('\n');
  else if (!process.stdin.isTTY) write(`${line}\n`); // echo what came through a pipe: the transcript reads as a session
  return line;
}

function actorLabel(): string {
  const a = getRuntime();
  return a ? fmtUid(a.uid) : `pid ${process.pid}`;
}

function listing(place: Place | undefined, around = 5): string {
  if (!place) return '(no source)\n';
  const lines = sourceLines(place.file);
  if (!lines) return `(no source for ${place.file})\n`;
  const from = Math.max(1, place.line - around);
  const to = Math.min(lines.length, place.line + around);
  let out = '';
  for (let i = from; i <= to; i++) out += `${i === place.line ? '->' : '  '}${String(i).padStart(4)}  ${lines[i - 1]}\n`;
  return out;
}

function shortFile(file: string): string {
  const plain = file.replace(/^file:\/\//, '');
  const cwd = `${process.cwd()}/`;
  return plain.startsWith(cwd) ? plain.slice(cwd.length) : plain;
}

/** Split a line into a command and its argument; `undefined` for an expression to evaluate. */
function parse(line: string): { cmd: string; arg: string } {
  const m = line.trim().match(/^(\S+)\s*(.*)$/);
  return m ? { cmd: m[1]!, arg: m[2]! } : { cmd: '', arg: '' };
}

const COMMANDS: Record<string, string> = {
  c: 'continue', continue: 'continue', n: 'next', next: 'next', s: 'step', step: 'step', r: 'return', return: 'return',
  w: 'where', where: 'where', bt: 'where', u: 'up', up: 'up', d: 'down', down: 'down', l: 'list', list: 'list',
  p: 'print', q: 'quit', quit: 'quit', h: 'help', help: 'help',
};

// ---------------------------------------------------------------- pause()

interface LiveStop {
  scope: Scope;
  /** Settles the promise `pause()` returned (still pending at the first stop). */
  settle: ((err?: unknown) => void) | undefined;
  entering: boolean;
  /** The step last asked for and where: a stop on that same line came from an internal hook, and the step goes on. */
  repeat?: { at: string; kind: 'stepOver' | 'stepOut' };
}

let live: LiveStop | undefined;

/**
 * Stop the calling task at this line, in a REPL on its frame: its locals are
 * visible, `n`/`s`/`r` step, `c` continues, `q` raises `DebuggerQuit` here.
 * Only in debug mode (`debugMode: true`); other actors queue for the terminal.
 *
 * @example
 * ```ts
 * export async function work(args: { n: number }) {
 *   const half = args.n / 2;
 *   await tractor.pause();          // (tractor-ts worker) p half
 *   return half;
 * }
 * ```
 */
export function pause(): Promise<void> {
  if (!getRuntimeVars().debugMode || !getRuntime()) {
    return Promise.reject(new RuntimeUsageError('tractor.pause() only works in debug mode: pass `debugMode: true` to run(), openRoot() or openNursery() (or in SpawnOptions)'));
  }
  if (live) return Promise.resolve(); // already stepping in a REPL of this actor
  let settle!: (err?: unknown) => void;
  const stopped = new Promise<void>((resolve, reject) => (settle = (err) => (err ? reject(err) : resolve())));
  acquireTty(actorLabel());
  live = { scope: currentScope(), settle, entering: true };
  debuggerSession(guarded);
  // eslint-disable-next-line no-debugger
  debugger; // stops here; onPaused steps out into the caller's frame and opens the REPL there
  return stopped;
}

/** An exception in the paused handler would be swallowed by the inspector, leaving the thread stepping: report it and let the task run. */
function guarded(frames: CallFrame[]): void {
  try {
    onPaused(frames);
  } catch (err) {
    write(`tractor-ts: the debugger failed: ${(err as Error)?.stack ?? String(err)}\n`);
    if (live) endLive();
    step('resume');
  }
}

function onPaused(frames: CallFrame[]): void {
  const stop = live;
  if (!stop) return step('resume'); // a `debugger;` statement outside a REPL session
  if (stop.entering) return entered(stop, frames);
  const top = frames[0]!;
  if (!isUserFrame(top)) {
    // Node's internals or this library's: back out to the user's code, or let it run if none is left.
    if (frames.some(isUserFrame)) return step('stepOut');
    endLive();
    return step('resume');
  }
  if (stop.repeat && stop.repeat.at === lineKey(top)) return step(stop.repeat.kind); // the step was cut short by a hook
  stop.repeat = undefined;
  act(stop, frames, liveRepl(frames, 0), lineKey(top));
}

/** The first stop, at the `debugger` statement in `pause()`: the REPL opens on the caller's frame. */
function entered(stop: LiveStop, frames: CallFrame[]): void {
  stop.entering = false;
  const callerIdx = Math.max(0, frames.findIndex((f, i) => i > 0 && isUserFrame(f)));
  const caller = frames[callerIdx]!;
  write(`\nOpening a REPL in paused actor ${actorLabel()} at ${describe(caller)}\n`);
  const action = liveRepl(frames, callerIdx);
  if (action === 'quit' || action === 'continue') return act(stop, frames, action, '');
  // Out of pause() first; on the caller's line, the step asked for goes on from there.
  stop.settle!();
  stop.settle = undefined;
  stop.repeat = { at: lineKey(caller), kind: action === 'return' ? 'stepOut' : 'stepOver' };
  step('stepOut');
}

/** A line as the user wrote it (tsx may put a whole module on one generated line). */
function lineKey(f: CallFrame): string {
  const p = placeOf(f);
  return `${p.file}:${p.line}`;
}

function act(stop: LiveStop, frames: CallFrame[], action: Action, here: string): void {
  if (action === 'quit') {
    endLive(quitError());
    return step('resume');
  }
  const leaving = action === 'continue' || ((action === 'next' || action === 'return') && !userFrameBelow(frames, action));
  stop.settle?.();
  stop.settle = undefined;
  if (leaving) {
    endLive();
    return step('resume');
  }
  const kind = action === 'next' ? 'stepOver' : action === 'step' ? 'stepInto' : 'stepOut';
  if (kind !== 'stepInto') stop.repeat = { at: here, kind };
  step(kind);
}

/** After `n` at a return, or `r`: is there user code to stop in below this frame? (Otherwise the session ends.) */
function userFrameBelow(frames: CallFrame[], action: Action): boolean {
  if (action === 'next' && frames[0]!.returnValue === undefined) return true;
  return frames.slice(1).some((f) => isUserFrame(f));
}

/** The DebuggerQuit raised by `q`; made while the task is stopped, so its stack shows the paused line (the debugger's own frames dropped). */
function quitError(): DebuggerQuit {
  const err = new DebuggerQuit(`quit from the debugger in actor ${actorLabel()}`);
  const lines = String(err.stack).split('\n');
  // The debugger's own frames (the REPL, the inspector session, this library's code around them) go.
  const first = lines.findIndex((l, i) => i > 0 && !/node:inspector|node:events/.test(l) && !isLibraryFrame(l));
  if (first > 1) err.stack = [lines[0], ...lines.slice(first)].join('\n');
  return err;
}

function endLive(quit?: DebuggerQuit): void {
  const stop = live!;
  live = undefined;
  if (quit) {
    if (stop.settle) stop.settle(quit);
    else stop.scope.abort(quit); // stepped past pause(): the task's next await raises it
  }
  closeRepl();
}

let closedTicks = 0;

/** Release the terminal. A Ctrl-C typed at the REPL is delivered to JavaScript only once the loop runs again: it stays shielded. */
function closeRepl(): void {
  releaseTty();
  closedTicks++;
  setImmediate(() => setImmediate(() => closedTicks--));
}

/** True just after a REPL of this actor closed (see closeRepl). @internal */
export function replRecentlyClosed(): boolean {
  return closedTicks > 0;
}

function describe(f: CallFrame): string {
  const p = placeOf(f);
  return `${f.functionName || '<anonymous>'} (${shortFile(p.file)}:${p.line})`;
}

function liveRepl(all: CallFrame[], first: number): Action {
  const frames = all.slice(first).filter(isUserFrame);
  let sel = 0;
  if (frames[0]) write(listing(placeOf(frames[0]), 2));
  for (;;) {
    const line = prompt();
    if (line === null) return 'quit';
    const { cmd, arg } = parse(line);
    const known = COMMANDS[cmd];
    if (!cmd) continue;
    switch (known) {
      case 'continue': case 'next': case 'step': case 'return': case 'quit':
        return known as Action;
      case 'where':
        frames.forEach((f, i) => write(`${i === sel ? '>' : ' '} ${describe(f)}\n`));
        break;
      case 'up':
        if (sel + 1 < frames.length) sel++;
        else write('*** oldest frame\n');
        write(`> ${describe(frames[sel]!)}\n`);
        break;
      case 'down':
        if (sel > 0) sel--;
        else write('*** newest frame\n');
        write(`> ${describe(frames[sel]!)}\n`);
        break;
      case 'list':
        write(listing(placeOf(frames[sel]!)));
        break;
      case 'help':
        write(HELP);
        break;
      case 'print':
        write(`${evaluateInFrame(frames[sel]!, arg)}\n`);
        break;
      default:
        write(`${evaluateInFrame(frames[sel]!, line)}\n`);
    }
  }
}

// ---------------------------------------------------------------- post mortem

/** A stack line's file (path or file URL), if it names one. */
const FRAME_FILE = /(?:^|[\s(])((?:file:\/\/)?\/[^\s():]+):(\d+):\d+/gm;

/** True for a stack line in this library's code (by file: built, it is a few bundled chunks, see inspector.ts). */
function isLibraryFrame(line: string): boolean {
  const m = [...line.matchAll(FRAME_FILE)][0];
  return !!m && isLibraryFile(m[1]!);
}

/** The place an error was thrown, from the first frame of its stack that names a file. */
function throwSite(err: unknown): Place | undefined {
  const stack = err instanceof RemoteActorError ? err.remoteStack : (err as Error)?.stack;
  for (const m of String(stack ?? '').matchAll(FRAME_FILE)) {
    if (m[1]!.includes('/node_modules/') || isLibraryFile(m[1]!)) continue;
    return { file: m[1]!, line: Number(m[2]) };
  }
  return undefined;
}

function evalPm(expr: string, err: unknown): string {
  const actor = getRuntime() ? currentActor() : undefined;
  try {
    let fn: Function;
    try {
      fn = new Function('err', 'actor', `return (\n${expr}\n);`);
    } catch {
      fn = new Function('err', 'actor', expr);
    }
    const v = fn(err, actor);
    return typeof v === 'string' ? v : util().inspect(v, { depth: 4 });
  } catch (e) {
    return String((e as Error)?.stack?.split('\n')[0] ?? e);
  }
}

function pmRepl(err: unknown): 'continue' | 'quit' {
  for (;;) {
    const line = prompt();
    if (line === null) return 'quit';
    const { cmd, arg } = parse(line);
    if (!cmd) continue;
    switch (COMMANDS[cmd]) {
      case 'continue': case 'next': case 'step': case 'return':
        return 'continue';
      case 'quit':
        return 'quit';
      case 'where':
        write(`${formatError(err)}\n`);
        break;
      case 'list':
        write(listing(throwSite(err)));
        break;
      case 'up': case 'down':
        write('*** post mortem: no live frames (use `where`)\n');
        break;
      case 'help':
        write(HELP);
        break;
      case 'print':
        write(`${evalPm(arg, err)}\n`);
        break;
      default:
        write(`${evalPm(line, err)}\n`);
    }
  }
}

/**
 * A post-mortem REPL on `err` in this actor (debug mode only): the banner
 * with the error and its stack, the source at the throw site, then commands
 * until `c` or `q`. Resolves once the REPL closes.
 *
 * @example
 * ```ts
 * try { await risky(); } catch (err) { await tractor.postMortem(err); throw err; }
 * ```
 */
export async function postMortem(err: unknown): Promise<void> {
  if (!getRuntimeVars().debugMode || !getRuntime()) {
    throw new RuntimeUsageError('tractor.postMortem() only works in debug mode: pass `debugMode: true` to run(), openRoot() or openNursery() (or in SpawnOptions)');
  }
  crashRepl(err);
}

function crashRepl(err: unknown): void {
  acquireTty(actorLabel());
  try {
    write(`\nOpening a REPL in crashed actor ${actorLabel()}:\n${formatError(err)}\n`);
    write(listing(throwSite(err), 2));
    pmRepl(err);
  } finally {
    closeRepl();
  }
}

/**
 * The runtime's crash hook: an error escaping a task of a debug-mode actor
 * stops here first (tractor's crash flow). A cancellation is no crash, and a
 * `DebuggerQuit` raised by this actor's own REPL does not reopen it.
 * @internal
 */
export function maybePostMortem(err: unknown, isCancellation: boolean): void {
  if (!getRuntimeVars().debugMode || isCancellation || err instanceof DebuggerQuit) return;
  crashRepl(err);
}
