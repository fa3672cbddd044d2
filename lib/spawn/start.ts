/**
 * First module of every spawned actor process: turn Node's compile cache on
 * (where this Node has `module.enableCompileCache`, >= 22.1), then load the
 * actor entry. The entry is imported dynamically because a static import
 * would be compiled before this module's body runs, outside the cache.
 * `NODE_DISABLE_COMPILE_CACHE=1` turns it off, as for any Node program.
 *
 * argv: as the actor entry's (see runtime/child.ts).
 */
import module from 'node:module';
import { compileCacheDir } from './flags.ts';

const enable = (module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
try {
  enable?.(compileCacheDir());
} catch { /* an unwritable cache directory only costs speed */ }

await import(import.meta.url.endsWith('.ts') ? '../runtime/child.ts' : '../runtime/child.js');
