/**
 * Turning debug mode on in an actor: serve (root) or join (child) the
 * tree-wide TTY lock and hand the runtime its debug hooks (crash REPL,
 * suspended grace periods, the SIGINT shield, the children's stdio). Called
 * at boot only when `debugMode` is on, so nothing of it exists otherwise.
 */
import { fs } from '../builtins.ts';
import { debugHooks } from '../runtime/debug-hooks.ts';
import { getRuntimeVars, updateRuntimeVars } from '../runtime/state.ts';
import { openInspector } from './inspector.ts';
import { maybePostMortem, replRecentlyClosed } from './repl.ts';
import { debugStdio, forwardOutput, joinLock, startLockServer, termFd, treeInDebugger, untilDebuggerIdle } from './tty-lock.ts';

function install(isRoot: boolean): void {
  debugHooks.crash = maybePostMortem;
  debugHooks.graceHold = treeInDebugger;
  debugHooks.childStdio = () => debugStdio(isRoot);
  debugHooks.forwardOutput = forwardOutput;
  if (isRoot) debugHooks.debuggerIdle = untilDebuggerIdle;
  debugHooks.shieldSigint = () => {
    if (!treeInDebugger() && !replRecentlyClosed()) return false;
    if (treeInDebugger()) fs().writeSync(1, '\ntractor-ts: Ctrl-C is shielded while a debugger REPL is open: `c` continues, `q` quits\n');
    return true;
  };
}

let rootBooted: Promise<void> | undefined;

/**
 * In the root of a debug-mode tree, at boot; or in a root not in debug mode,
 * before it spawns its first debug-mode child (once, however many ask).
 */
export function bootDebugRoot(): Promise<void> {
  return (rootBooted ??= (async () => {
    if (!getRuntimeVars().debugLockAddr) updateRuntimeVars({ debugLockAddr: await startLockServer() });
    install(true);
  })());
}

/** In a debug-mode child, at boot (its runtime vars carry the lock's address). */
export function bootDebugChild(): void {
  const addr = getRuntimeVars().debugLockAddr;
  if (!addr) return;
  joinLock(addr);
  install(false);
}

/** `inspect: true`: the Node inspector on a free port, its URL printed with the actor's name; waits for a debugger. */
export function inspectActor(name: string, isRoot: boolean): void {
  openInspector(name, (s) => fs().writeSync(isRoot || !getRuntimeVars().debugLockAddr ? 2 : termFd(false), s));
}
