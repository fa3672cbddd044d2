/**
 * First module of every actor (process or worker thread): turn Node's
 * compile cache on (where this Node has `module.enableCompileCache`, >=
 * 22.1), then load the actor entry (spawn/entry.ts), or with
 * `--tractor-spare` the entry of a prewarmed spare (spawn/spare.ts). They
 * are imported dynamically because a static import would be compiled before
 * this module's body runs, outside the cache. `NODE_DISABLE_COMPILE_CACHE=1`
 * turns it off, as for any Node program.
 */
import module from 'node:module';
import { compileCacheDir } from './compile-cache.ts';

const enable = (module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
try {
  enable?.(compileCacheDir());
} catch { /* an unwritable cache directory only costs speed */ }

const ts = import.meta.url.endsWith('.ts');
if (process.argv[2] === '--tractor-spare') await import(ts ? './spare.ts' : './spare.js');
else await import(ts ? './entry.ts' : './entry.js');
