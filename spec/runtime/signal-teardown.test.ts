// A signal to the whole process group (Ctrl-C in a terminal, SIGTERM from a
// service manager) while the root reads a child's stream: the root prints
// why it stopped and nothing else: never its own cancel raised back to it as
// a ContextCancelled, never a SuppressedError of the teardown's two faces.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isAlive, runScript, TS_LOADER, waitDead, within } from '../helpers.ts';

const PROGRAM = new URL('../fixtures/programs/stream-root.ts', import.meta.url);
/** The race hit about a third of the runs before the fix: ten runs find it nearly always. */
const RUNS = 10;

async function signalGroup(sig: 'SIGINT' | 'SIGTERM'): Promise<{ code: number | null; stderr: string }> {
  const s = runScript(PROGRAM, [], { detached: true });
  let pids: number[] = [];
  try {
    const got = (await within(s.firstLine, 30_000, 'the stream flowing')) as { root: number; child: number };
    pids = [got.root, got.child];
    process.kill(-got.root, sig);
    const exit = await within(s.exited, 15_000, `the root exiting after ${sig}`);
    assert.deepEqual(await waitDead(pids, 5000), [], 'no actor survives');
    return { code: exit.code, stderr: s.stderr() };
  } finally {
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
  }
}

/** stderr without log warnings (a discarded-messages warning is expected after a cancel). */
const printed = (stderr: string) => stderr.split('\n').filter((l) => l.trim() && !/ WARNING /.test(l));

for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${sig} to the process group of a root reading a child's stream prints only why it stopped (exit ${code}): no ContextCancelled of its own cancel, no SuppressedError (${RUNS} runs)`, { timeout: 300_000 }, async () => {
    for (let i = 0; i < RUNS; i++) {
      const r = await signalGroup(sig);
      assert.equal(r.code, code, `run ${i}: exit ${r.code}; stderr:\n${r.stderr}`);
      assert.deepEqual(printed(r.stderr), [`${sig} received: cancelling the actor tree`], `run ${i}: stderr:\n${r.stderr}`);
    }
  });
}

const GRACEFUL = new URL('../fixtures/programs/graceful-child.ts', import.meta.url);

test('the same signal twice within moments (as `npx tsx` relays a Ctrl-C) is one Ctrl-C: the tree is torn down gracefully, not killed', { timeout: 60_000 }, async () => {
  const s = runScript(GRACEFUL);
  let pids: number[] = [];
  try {
    const got = (await within(s.firstLine, 30_000, 'the tree up')) as { root: number; child: number };
    pids = [got.root, got.child];
    process.kill(got.root, 'SIGINT');
    await new Promise((r) => setTimeout(r, 20));
    process.kill(got.root, 'SIGINT');
    const exit = await within(s.exited, 15_000, 'the root exiting');
    assert.equal(exit.code, 130, s.stderr());
    assert.match(s.stdout(), /child: torn down gracefully/, `the child was cancelled, not killed; stderr:\n${s.stderr()}`);
    assert.deepEqual(await waitDead(pids, 5000), [], 'no actor survives');
  } finally {
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
  }
});

const TSX_CLI = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));

// Node 24 runs the suite with no tsx in its process tree; this one is about tsx itself.
test('under the tsx command (npx tsx), Ctrl-C to the process group tears the tree down gracefully', { timeout: 60_000, skip: TS_LOADER.length === 0 && 'tsx is not used on Node 24' }, async () => {
  const proc = spawn(process.execPath, [TSX_CLI, fileURLToPath(GRACEFUL)], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c));
  proc.stderr!.on('data', (c: Buffer) => (err += c));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  let pids: number[] = [];
  try {
    await within((async () => {
      while (!out.includes('\n')) await new Promise((r) => setTimeout(r, 50));
    })(), 30_000, 'the tree up');
    const got = JSON.parse(out.slice(0, out.indexOf('\n'))) as { root: number; child: number };
    pids = [got.root, got.child];
    process.kill(-proc.pid!, 'SIGINT'); // as a terminal's Ctrl-C: tsx, the root and the child all get it
    assert.equal(await within(exited, 15_000, 'tsx exiting'), 130, err);
    assert.match(out, /child: torn down gracefully/, `the child was cancelled, not killed; stderr:\n${err}`);
    assert.deepEqual(await waitDead(pids, 5000), [], 'no actor survives');
  } finally {
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
});
