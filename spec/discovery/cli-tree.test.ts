// The tractor-ts command's `tree` (and its polish): the live actor tree of a
// running program, read through its registrar, and one-line errors.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { freePort, runProgram } from '../discovery-helpers.ts';
import { TS_LOADER } from '../helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(ROOT, 'lib', 'cli.ts');
const TREE = path.join(ROOT, 'spec', 'fixtures', 'programs', 'tree.ts');
const ROOT_PROGRAM = path.join(ROOT, 'spec', 'fixtures', 'programs', 'discovery-root.ts');

function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [...TS_LOADER, CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
}

/** A registry address nothing holds (a port the OS just handed out: a random one may be an outgoing connection's). */
async function freeRegistry(): Promise<string> {
  return `tcp://127.0.0.1:${await freePort()}`;
}

interface Node { entry: { name: string; pid: number }; state: { pid: number; startMethod: string; uptimeMs: number; tasks: { func: string; ageMs: number }[]; children: { name: string }[] } | null; kids?: Node[] }

test('tree prints the live tree of a program: each actor with pid, start method, uptime, its running tasks and its children', { timeout: 90_000 }, async () => {
  const reg = await freeRegistry();
  const prog = spawn(process.execPath, [...TS_LOADER, TREE], { cwd: ROOT, env: { ...process.env, TRACTOR_TS_REGISTRY_ADDRS: reg }, stdio: ['ignore', 'pipe', 'inherit'] });
  // Listened for from the start: a program that fails early may have closed before the finally below.
  const closed = new Promise((r) => prog.once('close', r));
  try {
    const pids = await new Promise<{ root: number; child: number; grandchild: number }>((resolve, reject) => {
      let out = '';
      prog.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
      });
      prog.once('exit', () => reject(new Error('the program exited early')));
    });
    // Registration of the deepest actor runs beside its first requests: poll until the tree is whole.
    let roots: Node[] = [];
    for (let i = 0; i < 40; i++) {
      const r = cli(['tree', '--json', '--registry', reg]);
      assert.equal(r.status, 0, r.stderr);
      roots = JSON.parse(r.stdout) as Node[];
      if (roots[0]?.kids?.[0]?.kids?.length) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    assert.equal(roots.length, 1, JSON.stringify(roots));
    const root = roots[0]!;
    assert.equal(root.state?.pid, pids.root);
    const child = root.kids![0]!;
    assert.equal(child.entry.name, 'child');
    assert.equal(child.state?.pid, pids.child);
    assert.equal(child.state?.startMethod, 'subprocess');
    assert.ok(child.state!.uptimeMs >= 0);
    assert.ok(child.state!.tasks.some((t) => t.func === 'holdGrandchild'), JSON.stringify(child.state!.tasks));
    assert.equal(child.kids![0]!.state?.pid, pids.grandchild);
    assert.equal(root.state!.children.length, 1);
    const text = cli(['tree', '--registry', reg]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^root\[[0-9a-f]{8}\] pid \d+ subprocess up [\d.]+s registrar/m);
    assert.match(text.stdout, /^└─ child\[[0-9a-f]{8}\] pid \d+/m);
    assert.match(text.stdout, /^   ├─ task holdGrandchild \([\d.]+s, for root\)/m);
  } finally {
    prog.kill('SIGTERM');
    await closed;
  }
});

test('list and tree never become a registrar: with nobody at the address they say so and exit 1', { timeout: 60_000 }, async () => {
  const reg = await freeRegistry();
  for (const cmd of ['list', 'tree']) {
    const r = cli([cmd, '--registry', reg]);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr.trim(), `tractor-ts: no registrar at ${reg} (start one with \`tractor-ts registrar --registry ${reg}\`)`);
  }
});

test('tractor-ts registrar started while another program holds the registry address says who holds it and exits 1', { timeout: 60_000 }, async () => {
  const reg = await freeRegistry();
  const holder = runProgram(ROOT_PROGRAM, ['holder'], { env: { TRACTOR_TS_REGISTRY_ADDRS: reg } });
  try {
    assert.equal(JSON.parse(await holder.line(/^\{/)).isRegistrar, true);
    const r = cli(['registrar', '--registry', reg]);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr.trim(), `tractor-ts: a registrar already runs at ${reg}: holder (pid ${holder.proc.pid}). ` +
      'Stop it first, or give this one another address (--registry ADDR)');
    assert.equal(r.stdout, '');
    assert.equal(holder.proc.exitCode, null, 'the holder keeps running');
  } finally {
    await holder.kill();
  }
});

test('bad flags, bad addresses and modules that do not load are one-line errors, without a stack trace', { timeout: 60_000 }, async () => {
  const flag = cli(['list', '--bogus']);
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /^tractor-ts: Unknown option '--bogus'.*\(see tractor-ts --help\)\n$/);
  const addr = cli(['tree', '--registry', 'nope://x']);
  assert.equal(addr.status, 2);
  assert.equal(addr.stderr.split('\n').filter(Boolean).length, 1, addr.stderr);
  const mod = cli(['daemon', '/nonexistent/module.ts', '--registry', await freeRegistry()]);
  assert.equal(mod.status, 1);
  assert.match(mod.stderr, /^tractor-ts: cannot load module file:\/\/\/nonexistent\/module\.ts: /);
  assert.equal(mod.stderr.split('\n').filter(Boolean).length, 1, mod.stderr);
});

test('--help shows defaults and examples; --version prints the package version', { timeout: 60_000 }, () => {
  const help = cli(['--help'], { TRACTOR_TS_REGISTRY_ADDRS: '' });
  assert.equal(help.status, 0);
  for (const s of ['registrar', 'daemon MODULE...', 'list', 'tree', '--registry ADDR', '--json', '--watch', 'default tcp://127.0.0.1:1616', 'examples:']) {
    assert.ok(help.stdout.includes(s), `--help mentions ${s}`);
  }
  const v = cli(['--version']);
  assert.equal(v.stdout.trim(), '0.1.0');
});
