#!/usr/bin/env node
// `npm run bench [-- filter]`: the bench suite (bench/run.ts) on the Node
// running this script (Node 20: through tsx), then on the Node 24 that
// `npm install` pins (node_modules/node), natively, if that is another
// version. Every JSON line carries the Node version that measured it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const pinned = path.resolve('node_modules', 'node', 'bin', 'node');
const runs = [process.execPath];
if (existsSync(pinned)) {
  const v = spawnSync(pinned, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (v && v !== process.version) runs.push(pinned);
}
let status = 0;
for (const node of runs) {
  const native = spawnSync(node, ['-p', 'Boolean(process.features.typescript)'], { encoding: 'utf8' }).stdout.trim() === 'true';
  const r = spawnSync(node, [...(native ? [] : ['--import', 'tsx']), 'bench/run.ts', ...args], { stdio: 'inherit' });
  status ||= r.status ?? 1;
}
process.exit(status);
