// A signal to the whole process group (Ctrl-C in a terminal, SIGTERM from a
// service manager) while the root reads a child's stream: the root prints
// why it stopped and nothing else: never its own cancel raised back to it as
// a ContextCancelled, never a SuppressedError of the teardown's two faces.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAlive, runScript, waitDead, within } from '../helpers.ts';

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
