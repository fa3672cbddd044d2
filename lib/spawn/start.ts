/**
 * First module of every actor (process or worker thread): turn Node's
 * compile cache on (where this Node has `module.enableCompileCache`, >=
 * 22.1), then load the actor entry. The entry is imported dynamically
 * because a static import would be compiled before this module's body runs,
 * outside the cache. `NODE_DISABLE_COMPILE_CACHE=1` turns it off, as for any
 * Node program.
 *
 * argv: as the actor entry's (see spawn/entry.ts), or `--tractor-spare`: a
 * prewarmed spare (spawn/prewarm.ts) loads the library, then waits for one
 * line on stdin, `{argv: [parentAddr, uuid, name], secrets?}`, and becomes
 * that actor (its spawn secrets handed over in memory, see ipc/auth.ts); the
 * end of stdin before it (the parent is gone or closed its pool) is a clean exit.
 */
import module from 'node:module';
import { compileCacheDir } from './flags.ts';
import type { SpawnLine } from './prewarm.ts';

const enable = (module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
try {
  enable?.(compileCacheDir());
} catch { /* an unwritable cache directory only costs speed */ }

const ts = import.meta.url.endsWith('.ts');
if (process.argv[2] === '--tractor-spare') {
  // Everything the actor entry imports, loaded and compiled ahead of the spawn.
  await import(ts ? '../index.ts' : '../index.js');
  const line = await spawnLine();
  process.argv.splice(2, Infinity, ...line.argv);
  if (line.secrets !== undefined) (await import(ts ? '../ipc/auth.ts' : '../ipc/auth.js')).handSpawnSecrets(line.secrets);
}
await import(ts ? './entry.ts' : './entry.js');

/** The one line a spare is sent; exits if stdin ends first. */
function spawnLine(): Promise<SpawnLine> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      process.stdin.off('data', onData).off('end', onEnd);
      process.stdin.destroy();
      resolve(JSON.parse(buf.slice(0, nl)) as SpawnLine);
    };
    const onEnd = () => process.exit(0);
    process.stdin.on('data', onData).on('end', onEnd);
  });
}
