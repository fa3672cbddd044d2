// Zombie safety with real signals: no actor outlives its tree's root, however the root goes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { CORE, grandchildPid, holdStubbornGrandchild } from '../fixtures/core.ts';
import { isAlive, PROCESS_ONLY, runScript, waitDead, within } from '../helpers.ts';

const TREE = new URL('../fixtures/programs/tree.ts', import.meta.url);
const T = { timeout: 20_000 };

interface TreePids { root: number; child: number; grandchild: number }

async function startTree(opts: { detached?: boolean; stubborn?: boolean } = {}) {
  const script = runScript(TREE, opts.stubborn ? ['stubborn'] : [], opts);
  const pids = (await within(script.firstLine, 15_000, 'the tree printing its pids')) as TreePids;
  assert.ok([pids.root, pids.child, pids.grandchild].every(isAlive), 'the whole tree is up');
  return { script, pids };
}

test('a root killed by SIGKILL takes its child and grandchild with it within 2 s', T, async () => {
  const { script, pids } = await startTree();
  script.proc.kill('SIGKILL');
  await script.exited;
  assert.deepEqual(await waitDead([pids.child, pids.grandchild], 2000), [], 'child and grandchild exit by themselves');
});

test('a root killed by SIGKILL takes even a grandchild that ignores cancellation with it', T, async () => {
  const { script, pids } = await startTree({ stubborn: true });
  try {
    script.proc.kill('SIGKILL');
    await script.exited;
    // The child gives its task the cancel grace period, then kills what it still holds before exiting.
    assert.deepEqual(await waitDead([pids.child, pids.grandchild], 3000), [], 'child and busy grandchild are gone');
  } finally {
    for (const pid of [pids.child, pids.grandchild]) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
});

for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${sig} at the root tears the whole tree down and the root exits with ${code}`, T, async () => {
    const { script, pids } = await startTree();
    script.proc.kill(sig);
    const exit = await within(script.exited, 5000, `the root exiting after ${sig}`);
    assert.equal(exit.code, code, `exit ${JSON.stringify(exit)}; stderr:\n${script.stderr()}`);
    assert.deepEqual(await waitDead([pids.child, pids.grandchild], 1000), [], 'no actor survives its root');
    assert.match(script.stderr(), new RegExp(sig), 'the root says why it stopped');
  });
}

test('Ctrl-C (SIGINT to the whole process group) tears the tree down once, from the root', T, async () => {
  // A terminal sends SIGINT to every process of the foreground group: the
  // actors leave the decision to the root, which cancels the tree in order.
  const { script, pids } = await startTree({ detached: true });
  process.kill(-pids.root, 'SIGINT');
  const exit = await within(script.exited, 5000, 'the root exiting after Ctrl-C');
  assert.equal(exit.code, 130, `exit ${JSON.stringify(exit)}; stderr:\n${script.stderr()}`);
  assert.deepEqual(await waitDead([pids.child, pids.grandchild], 1000), [], 'no actor survives its root');
});

// PROCESS_ONLY: under startMethod 'worker' the actor is a thread of this process, with no pid to check.
test('an actor never exits leaving a grandchild behind, even one that ignores cancellation', { ...T, skip: PROCESS_ONLY }, async () => {
  let gc = 0;
  let child = 0;
  {
    await using an = await tractor.openNursery({ enableModules: [CORE] });
    const p = await an.startActor('child');
    child = p.chan.aid!.pid;
    void p.run(holdStubbornGrandchild).catch(() => {});
    while (!(gc = (await p.run(grandchildPid)) ?? 0)) await tractor.sleep(25, AbortSignal.timeout(5000));
    // The child's task cannot finish tearing its nursery down within the task
    // grace period (the grandchild is busy): the child must still not exit
    // before its grandchild is dead.
  }
  try {
    assert.ok(!isAlive(child));
    assert.deepEqual(await waitDead([gc], 500), [], 'the stubborn grandchild was reaped by its parent before it exited');
  } finally {
    if (isAlive(gc)) process.kill(gc, 'SIGKILL'); // an orphan would hold the test runner's stdout open
  }
});
