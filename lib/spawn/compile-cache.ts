/**
 * Where the children's compile cache lives. Only spawn/start.ts (the first
 * module of every actor) imports it, before anything else is compiled: the
 * build (scripts/build.mjs) then keeps it inside that small file, out of the
 * shared library chunk, which is loaded only once the cache is on.
 */
import { homedir, tmpdir, userInfo } from 'node:os';
import path from 'node:path';

/**
 * The per-user directory of the children's compile cache:
 * `$TRACTOR_TS_COMPILE_CACHE`, else `$XDG_CACHE_HOME/tractor-ts/compile-cache`,
 * else `~/.cache/tractor-ts/compile-cache` (the OS temp dir, per user, when
 * there is no home). Node keys entries by file content, so one directory
 * serves every program and Node version of this user.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TRACTOR_TS_COMPILE_CACHE) return env.TRACTOR_TS_COMPILE_CACHE;
  const base = env.XDG_CACHE_HOME || (homedir() ? path.join(homedir(), '.cache') : path.join(tmpdir(), `tractor-ts-${userInfo().uid}`));
  return path.join(base, 'tractor-ts', 'compile-cache');
}
