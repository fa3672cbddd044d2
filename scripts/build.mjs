#!/usr/bin/env node
// `npm run build`: dist/ as the package ships it.
//  1. tsc (tsconfig.build.json) writes the type declarations, dist/**/*.d.ts,
//     in lib/'s layout (`types`, the consumer's compile, typedoc read them);
//  2. esbuild bundles lib/ into a few ES modules: the entry points below,
//     sharing their code through chunks at dist/'s root (dist/tractor-*.js),
//     so a process loads a handful of files instead of ~80 (each one a resolve
//     and a load, through the tsx loader's thread on Node 20).
// Then it checks the layout the code relies on, and how built-ins are loaded (see checkLayout).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
/**
 * Bundled into dist/, not left to the user's install: the wire codec is the
 * version tested here (msg/ext.ts overrides some of its encoder and decoder
 * methods), and one module in the library's chunk loads ~1.5 ms faster per
 * actor than the 16 CommonJS files of its package. Its license ships beside
 * it (NOTICES).
 */
const BUNDLED = ['@msgpack/msgpack'];

/** dist/ name (without .js) -> lib/ source. */
const ENTRIES = {
  index: 'lib/index.ts', // the package (`exports`)
  cli: 'lib/cli.ts', // `bin`
  internal: 'lib/internal.ts', // what bench/ and spec/ drive directly
  'spawn/start': 'lib/spawn/start.ts', // first module of every actor (spawn/launch.ts ACTOR_ENTRY)
  'spawn/entry': 'lib/spawn/entry.ts', // ... which loads this one,
  'spawn/spare': 'lib/spawn/spare.ts', // ... or this one (a prewarmed spare)
  'spawn/rehearsal': 'lib/spawn/rehearsal.ts', // imported by URL by a spare's rehearsal
  'import-module': 'lib/runtime/import-module.ts', // the one real import() (kept out of the big files)
};

/**
 * Where code that finds files by `import.meta.url` must land (the path is
 * written for that place), and the only outputs allowed a dynamic `import(`.
 */
const PLACED = {
  'lib/spawn/launch.ts': 'dist/', // ACTOR_ENTRY: ./spawn/start.js
  'lib/devx/inspector.ts': 'dist/', // LIB_DIR: ./
  'lib/cli.ts': 'dist/', // ../package.json
  'lib/spawn/rehearse.ts': 'dist/spawn/', // ./rehearsal.js
  'lib/spawn/start.ts': 'dist/spawn/', // ./entry.js, ./spare.js
};
const MAY_IMPORT = new Set(['dist/import-module.js', 'dist/spawn/start.js']);
/**
 * Built-ins the library reaches through lib/builtins.ts, never an `import`
 * (which would load them, or their whole namespace, into every actor); only
 * the command (dist/cli.js) may import them.
 */
const LAZY_BUILTINS = /\bfrom "node:(?:fs|util|crypto|tls|child_process|inspector)"/;

/** Imports of lib/runtime/import-module.ts stay imports of the separate file dist/import-module.js. */
const keepImportModuleApart = {
  name: 'keep-import-module-apart',
  setup(build) {
    build.onResolve({ filter: /\/import-module\.ts$/ }, (args) =>
      args.importer ? { path: './import-module.js', external: true } : undefined);
  },
};

function checkLayout(metafile, outputs) {
  const problems = [];
  for (const [out, { inputs }] of Object.entries(metafile.outputs)) {
    const dir = path.posix.dirname(out) + '/';
    for (const input of Object.keys(inputs)) {
      if (PLACED[input] && PLACED[input] !== dir) problems.push(`${input} was bundled into ${out}, not into ${PLACED[input]}`);
    }
  }
  for (const { path: file, text } of outputs) {
    const rel = path.relative(ROOT, file).split(path.sep).join('/');
    if (!rel.endsWith('.js')) continue;
    if (!MAY_IMPORT.has(rel) && text.includes('import(')) problems.push(`${rel} holds "import(" (keep dynamic imports in lib/runtime/import-module.ts)`);
    for (const dep of BUNDLED) if (text.includes(`from "${dep}`)) problems.push(`${rel} imports ${dep}, which is bundled`);
    const builtin = rel === 'dist/cli.js' ? null : text.match(LAZY_BUILTINS);
    if (builtin) problems.push(`${rel} imports ${builtin[0].slice(5)} (use lib/builtins.ts)`);
  }
  if (problems.length) throw new Error(`dist/ layout:\n  ${problems.join('\n  ')}`);
}

rmSync(DIST, { recursive: true, force: true });
execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
const result = await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: ENTRIES,
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: Object.keys(PKG.dependencies ?? {}), // the dependencies stay the user's packages (BUNDLED are devDependencies)
  mainFields: ['module', 'main'], // a bundled package's ES modules (@msgpack/msgpack's `module`), not its CommonJS
  chunkNames: 'tractor-[hash]',
  // No keepNames: it wraps every function the code creates in a call that
  // names it (~10% of an RPC round trip). Without it, a class whose body
  // names itself comes out as `var X = class _X`: see withClassNames. Error
  // classes' names cross the wire; spec/package/exports.test.ts checks them.
  metafile: true,
  write: false,
  plugins: [keepImportModuleApart],
  logLevel: 'warning',
});
checkLayout(result.metafile, result.outputFiles);
for (const f of result.outputFiles) {
  mkdirSync(path.dirname(f.path), { recursive: true });
  writeFileSync(f.path, f.path.endsWith('.js') ? withClassNames(f.text) : f.contents);
}
writeFileSync(path.join(DIST, 'NOTICES'), BUNDLED.map(noticeOf).join('\n'));

/** The license of a bundled package, as dist/NOTICES carries it. */
function noticeOf(dep) {
  const dir = path.join(ROOT, 'node_modules', dep);
  const { version, license } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  return `dist/ bundles ${dep} ${version} (${license}):\n\n${readFileSync(path.join(dir, 'LICENSE'), 'utf8').trim()}\n`;
}

/**
 * esbuild writes a class that refers to itself in its body as
 * `var X = class _X { ... }` (the inner binding keeps its meaning if X is
 * reassigned), so `X.name` would be '_X'. Give each its own name back, once,
 * when the module has run (names are configurable).
 */
function withClassNames(text) {
  const renamed = [...text.matchAll(/^var (\w+) = class _\1\b/gm)].map((m) => m[1]);
  if (renamed.length === 0) return text;
  const pairs = renamed.map((n) => `[${n}, ${JSON.stringify(n)}]`).join(', ');
  return `${text}\n// Class names (see withClassNames in scripts/build.mjs).\nfor (const [c, n] of [${pairs}]) Object.defineProperty(c, "name", { value: n });\n`;
}
