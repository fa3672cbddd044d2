// What `npm publish` would ship: the built library, its types, the README and
// the LICENSE; never the TypeScript sources (dist/ is what every consumer
// runs, on Node 20 and on Node 24 alike) nor the specs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const T = { timeout: 60_000 };
const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('the package holds dist/, README.md, LICENSE and package.json only, with its entry points', T, () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  const files: string[] = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  assert.deepEqual(files.filter((f) => !f.startsWith('dist/')).sort(), ['LICENSE', 'README.md', 'package.json']);
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'dist/spawn/start.js', 'dist/spawn/entry.js']) assert.ok(files.includes(f), f);
  assert.deepEqual(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), [], 'no TypeScript sources');
});

// scripts/build.mjs: a process loads a handful of bundled modules, not one
// per source file (each a resolve and a load, through tsx's loader thread on
// Node 20); the declarations keep lib/'s layout.
test('dist/ ships a few bundled modules (the entry points and their shared chunks) beside lib/-shaped .d.ts files', T, () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  const files: string[] = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  const js = files.filter((f) => f.endsWith('.js')).sort();
  const entries = ['dist/cli.js', 'dist/import-module.js', 'dist/index.js', 'dist/internal.js',
    'dist/spawn/entry.js', 'dist/spawn/rehearsal.js', 'dist/spawn/spare.js', 'dist/spawn/start.js'];
  assert.deepEqual(js.filter((f) => !/^dist\/tractor-[A-Z0-9]+\.js$/.test(f)), entries);
  assert.ok(js.length <= entries.length + 4, `at most 4 shared chunks, got ${js.join(' ')}`);
  for (const f of ['dist/runtime/actor.d.ts', 'dist/msg/ext.d.ts', 'dist/internal.d.ts']) assert.ok(files.includes(f), f);
  assert.deepEqual(files.filter((f) => f.endsWith('.map')), [], 'no source maps: the bundle is not minified and its frames read as they are');
});
