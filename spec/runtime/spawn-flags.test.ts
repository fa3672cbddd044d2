// What a child actor inherits from its parent's command line (SPEC section 1):
// the loader flags only, an allowlist; and that a program run natively on
// Node 24 has no tsx anywhere in its tree.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import module from 'node:module';
import net from 'node:net';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tractor from 'tractor-ts';
import { compileCacheDir } from '../../lib/spawn/compile-cache.ts';
import { childExecArgv, NATIVE_TYPESCRIPT } from '../../lib/spawn/flags.ts';
import { echo, execArgv } from '../fixtures/basic.ts';
import { TS_LOADER } from '../helpers.ts';

const BASIC = new URL('../fixtures/basic.ts', import.meta.url).href;
const PROGRAM = fileURLToPath(new URL('../fixtures/programs/child-flags.ts', import.meta.url));

test('only loader flags pass the allowlist, each with its value', { timeout: 5_000 }, () => {
  const given = [
    '--test-isolation=process', '--test', '--import', 'tsx', '--inspect=127.0.0.1:9229', '--inspect-port=0',
    '--watch', '--require=./r.cjs', '-r', 'x.cjs', '--conditions', 'dev', '-C=edge', '--enable-source-maps',
    '--experimental-strip-types', '--no-experimental-strip-types', '--experimental-transform-types',
    '--experimental-loader', 'l.mjs', '--loader=m.mjs', '--stack-trace-limit=10', '--max-old-space-size=100',
    '--experimental-addon-modules', '--inspect-brk', '--test-reporter', 'dot',
  ];
  assert.deepEqual(childExecArgv(given), [
    '--import', 'tsx', '--require=./r.cjs', '-r', 'x.cjs', '--conditions', 'dev', '-C=edge', '--enable-source-maps',
    '--experimental-strip-types', '--no-experimental-strip-types', '--experimental-transform-types',
    '--experimental-loader', 'l.mjs', '--loader=m.mjs',
  ]);
});

test("a child gets exactly the parent's loader flags, never node --test's", { timeout: 20_000 }, async () => {
  await using an = await tractor.openNursery({ enableModules: [BASIC] });
  const args = await (await an.runInActor(execArgv, {})).waitForResult();
  assert.deepEqual(args, childExecArgv(process.execArgv));
  assert.ok(!args.some((a) => a.startsWith('--test')), `no test-runner flag reaches a child: ${args.join(' ')}`);
  if (NATIVE_TYPESCRIPT) assert.ok(!args.some((a) => /tsx/.test(a)), `no tsx on a Node that strips types: ${args.join(' ')}`);
  else assert.ok(args.some((a) => /tsx/.test(a)), `the tsx loader is inherited on Node 20: ${args.join(' ')}`);
});

// Skipped on Node 20, which runs the suite through tsx by design: the check is for Node 24's native run.
test('on a Node that strips types the suite itself runs without tsx', { timeout: 5_000, skip: !NATIVE_TYPESCRIPT && 'Node 20 runs the suite through tsx' }, () => {
  assert.ok(!process.execArgv.some((a) => /tsx/.test(a)), process.execArgv.join(' '));
  assert.ok(!process.env.NODE_OPTIONS?.includes('tsx'), process.env.NODE_OPTIONS);
});

test('the children of a program run with --inspect boot (they do not inherit it)', { timeout: 30_000 }, async () => {
  const port = await freePort();
  const proc = spawn(process.execPath, [`--inspect=127.0.0.1:${port}`, ...TS_LOADER, PROGRAM], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (c: Buffer) => (out += c));
  proc.stderr.on('data', (c: Buffer) => (err += c));
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  assert.equal(code, 0, `stdout:\n${out}\nstderr:\n${err}`);
  const { parent, child } = JSON.parse(out.trim().split('\n').at(-1)!) as { parent: string[]; child: string[] };
  assert.ok(parent.some((a) => a.startsWith('--inspect')), parent.join(' '));
  assert.ok(!child.some((a) => a.startsWith('--inspect')), child.join(' '));
  assert.doesNotMatch(err, /address already in use/);
});

const HAS_COMPILE_CACHE = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';

// Skipped where Node has no module.enableCompileCache (Node 20): there is no cache to fill.
test("a child fills Node's compile cache in the per-user cache directory", { timeout: 20_000, skip: !HAS_COMPILE_CACHE && 'this Node has no module.enableCompileCache' }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tractor-cc-'));
  const before = process.env.TRACTOR_TS_COMPILE_CACHE;
  process.env.TRACTOR_TS_COMPILE_CACHE = dir;
  try {
    {
      await using an = await tractor.openNursery({ enableModules: [BASIC] });
      assert.equal(await (await an.runInActor(echo, { value: 7 })).waitForResult(), 7);
    }
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    assert.ok(files.length > 0, `the child wrote compiled code to ${dir}`);
  } finally {
    if (before === undefined) delete process.env.TRACTOR_TS_COMPILE_CACHE;
    else process.env.TRACTOR_TS_COMPILE_CACHE = before;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the compile cache lives in a per-user directory', { timeout: 5_000 }, () => {
  assert.equal(compileCacheDir({ TRACTOR_TS_COMPILE_CACHE: '/x/cc' }), '/x/cc');
  assert.equal(compileCacheDir({ XDG_CACHE_HOME: '/home/u/.xdg' }), '/home/u/.xdg/tractor-ts/compile-cache');
  assert.equal(compileCacheDir({}), path.join(homedir(), '.cache', 'tractor-ts', 'compile-cache'));
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}
