/**
 * node:inspector, in this thread: the engine of the debug-mode REPL. A
 * same-thread `Session` receives `Debugger.paused` synchronously while the
 * thread is stopped, and `Debugger.evaluateOnCallFrame`, the steps and
 * `resume` posted from inside that handler take effect when it returns. The
 * session is opened at the first `pause()` only: without debug mode nothing
 * here runs.
 *
 * Also: locations shown as the user wrote them (through the source maps tsx
 * provides; Node's type stripping keeps positions as they are), and
 * `inspect: true` (the Node inspector on a free port, for an external debugger).
 */
import type { Session } from 'node:inspector';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { fs, inspector, util } from '../builtins.ts';

export interface CallFrame {
  callFrameId: string;
  functionName: string;
  location: { scriptId: string; lineNumber: number; columnNumber?: number };
  url: string;
  returnValue?: unknown;
}

export interface Place { file: string; line: number }

let session: Session | undefined;
const scripts = new Map<string, { url: string; map: SourceMap | null | undefined; mapUrl?: string }>();
const INSPECT = Symbol.for('tractor-ts.inspect');
/**
 * This library's code, which the steps skip: lib/ (this file is in
 * lib/devx/), or dist/ once built (this code is then in a chunk at dist/'s
 * root, scripts/build.mjs checks that).
 */
const LIB_DIR = new URL(import.meta.url.endsWith('.ts') ? '../' : './', import.meta.url).href;

/** The in-thread session, opened (and the debugger enabled) on first use. */
export function debuggerSession(onPaused: (frames: CallFrame[]) => void): Session {
  if (session) return session;
  const s = (session = new (inspector().Session)());
  s.connect();
  (globalThis as Record<symbol, unknown>)[INSPECT] = (v: unknown) => util().inspect(v, { colors: false, depth: 4 });
  s.on('Debugger.scriptParsed', (m) => {
    const p = m.params as { scriptId: string; url: string; sourceMapURL?: string };
    scripts.set(p.scriptId, { url: p.url, map: undefined, mapUrl: p.sourceMapURL });
  });
  s.on('Debugger.paused', (m) => onPaused((m.params as { callFrames: CallFrame[] }).callFrames));
  s.post('Debugger.enable');
  return s;
}

/** True for a file (URL or path) of this library. */
export function isLibraryFile(file: string): boolean {
  return (file.startsWith('file:') ? file : `file://${file}`).startsWith(LIB_DIR);
}

/** The URL of the script `frame` runs in. */
export function frameUrl(frame: CallFrame): string {
  return scripts.get(frame.location.scriptId)?.url || frame.url || '';
}

/**
 * Code the user wrote: not Node's internals, not this library. Steps skip
 * the rest by hand:
 * V8 still stops in Node's promise hooks (AsyncLocalStorage on Node 20) even
 * when they are blackboxed.
 */
export function isUserFrame(frame: CallFrame): boolean {
  const url = frameUrl(frame);
  return !!url && !url.startsWith('node:') && !url.startsWith(LIB_DIR);
}

function post<T>(method: string, params: object = {}): T {
  let out: T | undefined;
  let error: Error | null = null;
  session!.post(method, params, (err, res) => {
    error = err;
    out = res as T;
  });
  if (error) throw error;
  return out as T;
}

export function step(kind: 'stepOver' | 'stepInto' | 'stepOut' | 'resume'): void {
  post(`Debugger.${kind}`);
}

/** Evaluate `expr` in `frame`, formatted as `util.inspect` would print it. */
export function evaluateInFrame(frame: CallFrame, expr: string): string {
  const ev = (expression: string) => post<{ result: { value?: unknown; description?: string }; exceptionDetails?: { exception?: { description?: string }; text: string } }>(
    'Debugger.evaluateOnCallFrame', { callFrameId: frame.callFrameId, expression, silent: true });
  let r = ev(`globalThis[Symbol.for('tractor-ts.inspect')]((\n${expr}\n))`);
  if (r.exceptionDetails && /SyntaxError/.test(r.exceptionDetails.exception?.description ?? '')) r = ev(expr); // a statement
  if (r.exceptionDetails) return r.exceptionDetails.exception?.description?.split('\n')[0] ?? r.exceptionDetails.text;
  return typeof r.result.value === 'string' ? r.result.value : (r.result.description ?? String(r.result.value));
}

/** Where `frame` is, in the file the user wrote. */
export function placeOf(frame: CallFrame): Place {
  const { scriptId, lineNumber, columnNumber = 0 } = frame.location;
  const script = scripts.get(scriptId);
  const url = script?.url || frame.url || '';
  const map = script ? sourceMapOf(script) : null;
  if (map) {
    const e = map.findEntry(lineNumber, columnNumber) as { originalSource?: string; originalLine?: number };
    if (e?.originalSource && e.originalLine !== undefined) return { file: e.originalSource, line: e.originalLine + 1 };
  }
  return { file: url, line: lineNumber + 1 };
}

function sourceMapOf(script: { map: SourceMap | null | undefined; mapUrl?: string }): SourceMap | null {
  if (script.map !== undefined) return script.map;
  script.map = null;
  const m = script.mapUrl?.match(/^data:application\/json[^,]*;base64,(.*)$/);
  if (m) {
    try {
      script.map = new SourceMap(JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')));
    } catch { /* an unreadable map: show generated positions */ }
  }
  return script.map;
}

const sources = new Map<string, string[] | null>();

/** The lines of a source file (a file URL or path), or null if it cannot be read. */
export function sourceLines(file: string): string[] | null {
  if (!sources.has(file)) {
    let lines: string[] | null = null;
    try {
      lines = fs().readFileSync(file.startsWith('file:') ? fileURLToPath(file) : file, 'utf8').split('\n');
    } catch { /* node: internals, eval code */ }
    sources.set(file, lines);
  }
  return sources.get(file)!;
}

/** `inspect: true`: open the Node inspector on a free port, print its URL with the actor's name, wait for a debugger. */
export function openInspector(actorName: string, write: (s: string) => void): void {
  inspector().open(0, '127.0.0.1', false);
  write(`tractor-ts: actor ${actorName} waits for a debugger at ${inspector().url()}\n`);
  inspector().waitForDebugger();
}
