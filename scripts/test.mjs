#!/usr/bin/env node
// Runs the spec suite (every spec/**/*.test.ts, through node:test) on the Node
// running this script: natively where Node strips types itself (Node 24, no
// tsx anywhere in the process tree), through tsx's loader on Node 20.
// then checks that no process the suite started is still alive: every process
// it starts inherits TRACTOR_TS_SUITE_ID, so survivors are found by that mark
// in /proc even after they were re-parented. Survivors are killed and fail the run.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const files = (process.argv.length > 2 ? process.argv.slice(2) : findSpecs('spec')).sort();
const suiteId = randomUUID();
const concurrency = process.env.TEST_CONCURRENCY ?? '2';

// The suite's roots share a registrar of their own, never a user's on the default port.
const registry = `tcp://127.0.0.1:${20000 + Math.floor(Math.random() * 30000)}`;
const loader = process.features.typescript ? [] : ['--import', 'tsx'];
console.log(`node ${process.version} (${loader.length ? 'tsx loader' : 'native type stripping'}): ${files.length} spec files`);
const result = spawnSync(process.execPath, [...loader, '--test', `--test-concurrency=${concurrency}`, ...files], {
  stdio: 'inherit',
  env: { TRACTOR_TS_REGISTRY_ADDRS: registry, ...process.env, TRACTOR_TS_SUITE_ID: suiteId },
});

// Give actors torn down at the very end a moment to finish exiting.
const survivors = waitForSurvivors(suiteId, 3000);
if (survivors.length) {
  console.error(`\nFAIL: ${survivors.length} process(es) started by the suite are still running:`);
  for (const s of survivors) {
    console.error(`  pid ${s.pid}: ${s.cmd}`);
    try { process.kill(s.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  process.exit(1);
}
console.log('no process started by the suite is left running');
process.exit(result.status ?? 1);

function findSpecs(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : findSpecs(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

function marked(id) {
  const found = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (Number(pid) === process.pid) continue;
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (!env.includes(`TRACTOR_TS_SUITE_ID=${id}`)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // exited, awaiting reaping
      found.push({ pid: Number(pid), cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch { /* gone or not ours */ }
  }
  return found;
}

function waitForSurvivors(id, ms) {
  const until = Date.now() + ms;
  let left = marked(id);
  while (left.length && Date.now() < until) {
    spawnSync('sleep', ['0.2']);
    left = marked(id);
  }
  return left;
}
