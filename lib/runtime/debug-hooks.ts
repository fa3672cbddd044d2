/**
 * What the runtime asks of debug mode, handed in from above (devx/ sits over
 * runtime/ and installs these at boot, in debug mode only). Empty otherwise:
 * without debug mode each hook is one property read on an error or timer path.
 */
import type { Readable } from 'node:stream';

export const debugHooks: {
  /** An error escaped a task: stop in a post-mortem REPL first (returns once it closes). */
  crash?: (err: unknown, isCancellation: boolean) => void;
  /** True while some actor of the tree is at a REPL: cancel grace periods must not expire meanwhile. */
  graceHold?: () => boolean;
  /** The root, before it cancels children: a promise while some actor of the tree is at a REPL or queued for one (see devx/tty-lock.ts). */
  debuggerIdle?: () => Promise<void> | undefined;
  /** SIGINT at the root: true when a REPL is open and the signal was shielded. */
  shieldSigint?: () => boolean;
  /** The stdio of a debug-mode child (the root's stdin, output held while a REPL is open, the terminal, at fd 4). */
  childStdio?: () => ('inherit' | 'pipe' | 'ignore' | number)[];
  /** Forward a debug-mode child's piped output. */
  forwardOutput?: (stdout: Readable | null, stderr: Readable | null) => void;
} = {};

/**
 * Set by the root (root.ts) when it is not in debug mode itself: turn on the
 * tree's debug machinery (the TTY lock, the hooks above) on first need, for a
 * child spawned with `SpawnOptions.debugMode` (or under a nursery's `debugMode`).
 */
export const debugBoot: { lazyRoot?: () => Promise<void> } = {};
