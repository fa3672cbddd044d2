// The shipped types hold up in a user's project: a consumer with
// `module: nodenext`, `strict`, `exactOptionalPropertyTypes` and
// `skipLibCheck: false` compiles against dist/*.d.ts (as installed under
// node_modules/tractor-ts) with no error. spec/types-check.ts, the spec of
// what must and must not compile, runs here too, so neither can rot.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const T = { timeout: 120_000 };
const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

function tsc(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [TSC, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('a strict nodenext consumer project compiles against the shipped .d.ts with no error', T, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tractor-ts-consumer-'));
  try {
    mkdirSync(path.join(dir, 'node_modules', '@types'), { recursive: true });
    symlinkSync(ROOT, path.join(dir, 'node_modules', 'tractor-ts'), 'dir');
    symlinkSync(path.join(ROOT, 'node_modules', '@types', 'node'), path.join(dir, 'node_modules', '@types', 'node'), 'dir');
    cpSync(path.join(ROOT, 'spec', 'consumer'), dir, { recursive: true });
    const r = tsc(['-p', path.join(dir, 'tsconfig.json')]);
    assert.equal(r.status, 0, r.out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('spec/types-check.ts: what must compile does, what must not is flagged (@ts-expect-error)', T, () => {
  const r = tsc(['--noEmit', '-p', path.join(ROOT, 'spec', 'types-check.tsconfig.json')]);
  assert.equal(r.status, 0, r.out);
});
